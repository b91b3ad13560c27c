-- The dbt vars that shape the published figures, as the build used them, so that readers of
-- the published file (the board pack among them) need not read dbt_project.yml.
with

settings as (
    select *
    from (
        values
        (
            'census_return_window_days',
            {{ var_as_text('census_return_window_days') }},
            'A census year''s basis snapshot: the latest dated 30 Sep to 30 Sep + this many days.'
        ),
        (
            'spell_join_gap_days',
            {{ var_as_text('spell_join_gap_days') }},
            'Two assignments of a person are one spell when the gap between them is at most this.'
        ),
        (
            'caseload_threshold',
            {{ var_as_text('caseload_threshold') }},
            'caseload_above_threshold_share counts case holders with more distinct children than this.'
        ),
        (
            'agency_spend_baseline_year',
            {{ var_as_text('agency_spend_baseline_year') }},
            'Agency spend is compared with this financial year; null: each authority''s earliest.'
        ),
        (
            'agency_spend_baseline_uplift_percent',
            {{ var_as_text('agency_spend_baseline_uplift_percent') }},
            'agency_spend_avoided_gbp: the baseline level grows by this many percent a year.'
        ),
        (
            'agency_rules_from',
            {{ var_as_text('agency_rules_from') }},
            'The agency rules took effect on this date: their KPIs are counted from its quarter.'
        ),
        (
            'suppression_threshold',
            {{ var_as_text('suppression_threshold') }},
            'kpi_values_for_publication: counts of people below this are shown as c; null: none.'
        )
    ) as vars (var_name, value, description)  -- noqa: AL05
),

final as (
    select
        cast(var_name as varchar) as var_name,
        cast(value as varchar) as value,  -- noqa: RF04
        cast(description as varchar) as description
    from settings
)

select * from final
order by var_name
