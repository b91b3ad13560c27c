-- kpi_values for publication outside the council: small numbers of people shown as `c`, as DfE
-- does. A count of people (unit fte or headcount) below var suppression_threshold, and a
-- percent whose numerator is such a count, is suppressed: its value becomes the text `c` and
-- its numerator and denominator null. The absence rate's numerator is days, not people, so it
-- is never suppressed. Values are text rounded to 1 dp; var null: nothing suppressed.
{%- set threshold = suppression_threshold() %}
with

kpi_values as (
    select * from {{ ref('kpi_values') }}
),

flagged as (
    select
        *,
        {% if threshold is none -%}
            false
        {%- else -%}
            (unit in ('fte', 'headcount') and value < {{ threshold }})
            or (unit = 'percent' and kpi_code <> 'absence_rate_fte' and numerator < {{ threshold }})
        {%- endif %} as is_small
    from kpi_values
),

final as (
    select
        * exclude (is_small)
        replace (
            case when is_small then 'c' else cast(round(value, 1) as varchar) end as value,
            case when not is_small then numerator end as numerator,
            case when not is_small then denominator end as denominator
        )
    from flagged
)

select * from final
order by la_code, kpi_code, breakdown, breakdown_value, period_start, period_end
