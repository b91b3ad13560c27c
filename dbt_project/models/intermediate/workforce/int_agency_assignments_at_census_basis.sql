-- Agency assignments as the agency basis snapshot of each census year shows them; no rows for
-- a year without an agency basis snapshot.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

agency as (
    select * from {{ ref('stg_agency__assignments') }}
),

final as (
    select
        -- ids
        census_years.la_code,
        census_years.census_year,
        agency.assignment_id,
        agency.agency_worker_pseudonym,
        agency.post_id,

        -- attributes
        agency.is_cfsw,
        agency.org_role,
        agency.service_area,
        agency.team,
        agency.cover_reason,
        {{ is_active_on('agency.start_date', 'agency.end_date', 'census_years.census_date') }}
            as is_in_post_at_census_date,

        -- numbers
        agency.fte,

        -- dates
        census_years.census_date,
        agency.start_date,
        agency.end_date

    from census_years
    inner join agency
        on census_years.la_code = agency.la_code
            and {{ version_valid_at('agency', 'census_years.agency_basis_date') }}
)

select * from final
