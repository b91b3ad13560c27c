-- kpi_values for publication outside the council: small numbers of people shown as `c`, as DfE
-- does. A count of people (unit fte or headcount) below var suppression_threshold, and a
-- percent whose numerator is such a count, is suppressed: its value becomes the text `c` and
-- its numerator and denominator null. The absence rate's numerator is days, not people, so it
-- is never suppressed. Values are text rounded to 1 dp; var null: nothing suppressed. The
-- threshold is cast from text, so a value that is not a number fails the build rather than
-- publish unsuppressed figures.
with

kpi_values as (
    select * from {{ ref('kpi_values') }}
),

threshold as (
    select cast({{ var_as_text('suppression_threshold') }} as double) as suppression_threshold
),

flagged as (
    select
        kpi_values.*,
        {% if var('suppression_threshold') is none -%}
            false
        {%- else -%}
            (
                kpi_values.unit in ('fte', 'headcount')
                and kpi_values.value < threshold.suppression_threshold
            )
            or (
                kpi_values.unit = 'percent'
                and kpi_values.kpi_code <> 'absence_rate_fte'
                and kpi_values.numerator < threshold.suppression_threshold
            )
        {%- endif %} as is_small
    from kpi_values
    cross join threshold
),

final as (
    select
        * exclude (is_small)
        replace (
            case when is_small then 'c' else cast(round(value, 1) as varchar) end as value,  -- noqa: RF04
            case when not is_small then numerator end as numerator,
            case when not is_small then denominator end as denominator
        )
    from flagged
)

select * from final
order by la_code, kpi_code, breakdown, breakdown_value, period_start, period_end
