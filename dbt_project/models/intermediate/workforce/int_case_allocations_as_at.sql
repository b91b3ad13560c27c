-- Case allocations as the allocations basis snapshot of each reporting date shows them; no rows
-- for a date without an allocations basis. A census date keeps every allocation of its snapshot
-- (the 12 months before it are counted from it); a month end keeps those active at some point in
-- its month.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
),

allocations as (
    select * from {{ ref('stg_case_management__allocations') }}
),

final as (
    select
        -- ids
        reporting_dates.la_code,
        reporting_dates.date_kind,
        reporting_dates.reporting_date,
        reporting_dates.census_year,
        allocations.allocation_id,
        allocations.child_pseudonym,
        allocations.worker_pseudonym,

        -- attributes
        allocations.worker_source,
        allocations.case_type,
        allocations.team,
        {{ is_active_on(
            'allocations.allocation_start', 'allocations.allocation_end', 'reporting_dates.reporting_date'
        ) }} as is_active_at_reporting_date,

        -- dates
        reporting_dates.period_start_date,
        allocations.allocation_start,
        allocations.allocation_end

    from reporting_dates
    inner join allocations
        on reporting_dates.la_code = allocations.la_code
            and {{ version_valid_at('allocations', 'reporting_dates.allocations_basis_date') }}
    where reporting_dates.date_kind = 'census_date'
        or (
            allocations.allocation_start <= reporting_dates.reporting_date
            and (
                allocations.allocation_end is null
                or allocations.allocation_end >= reporting_dates.period_start_date
            )
        )
)

select * from final
