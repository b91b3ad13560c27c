-- kpi_values for publication outside the council: small numbers of people shown as `c`, as DfE
-- does. A count of people (unit fte or headcount) below var suppression_threshold, and a
-- percent whose numerator is such a count, is suppressed: its value becomes the text `c` and
-- its numerator and denominator null. The absence rate's numerator is days, not people, so it
-- is never suppressed. A value kpi_values suppressed (null: a small count of people on a
-- breakdown with kpi_breakdowns.suppress_below) is shown as `c` too, whatever the threshold.
-- Values are text rounded to 1 dp; var null: nothing else suppressed. The
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
        -- suppressed in kpi_values already (kpi_breakdowns.suppress_below)
        kpi_values.value is null
        {% if var('suppression_threshold') is not none -%}
            or (
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
