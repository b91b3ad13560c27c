{{ config(materialized='view') }}
-- Case allocations as the allocations basis snapshot of each census year shows them: the census
-- dates of int_case_allocations_as_at.
with

allocations as (
    select * from {{ ref('int_case_allocations_as_at') }}
),

final as (
    select
        -- ids
        la_code,
        census_year,
        allocation_id,
        child_pseudonym,
        worker_pseudonym,

        -- attributes
        worker_source,
        case_type,
        team,
        is_active_at_reporting_date as is_active_at_census_date,

        -- dates
        period_start_date,
        reporting_date as census_date,
        allocation_start,
        allocation_end

    from allocations
    where date_kind = 'census_date'
)

select * from final
