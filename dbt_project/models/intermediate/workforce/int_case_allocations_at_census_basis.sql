-- Case allocations as the allocations basis snapshot of each census year shows them.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

allocations as (
    select * from {{ ref('stg_case_management__allocations') }}
),

final as (
    select
        -- ids
        census_years.la_code,
        census_years.census_year,
        allocations.allocation_id,
        allocations.child_pseudonym,
        allocations.worker_pseudonym,

        -- attributes
        allocations.worker_source,
        allocations.case_type,
        allocations.team,
        {{ is_active_on(
            'allocations.allocation_start', 'allocations.allocation_end', 'census_years.census_date'
        ) }} as is_active_at_census_date,

        -- dates
        census_years.census_date,
        allocations.allocation_start,
        allocations.allocation_end

    from census_years
    inner join allocations
        on census_years.la_code = allocations.la_code
            and {{ version_valid_at('allocations', 'census_years.allocations_basis_date') }}
)

select * from final
