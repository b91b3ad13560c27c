-- Agency assignments as the agency basis snapshot of each reporting date shows them; no rows for
-- a date without an agency basis. A census date keeps every assignment of its snapshot; a month
-- end keeps those active at some point in its month.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
),

agency as (
    select * from {{ ref('stg_agency__assignments') }}
),

final as (
    select
        -- ids
        reporting_dates.la_code,
        reporting_dates.date_kind,
        reporting_dates.reporting_date,
        reporting_dates.census_year,
        agency.assignment_id,
        agency.agency_worker_pseudonym,
        agency.post_id,

        -- attributes
        agency.is_cfsw,
        agency.org_role,
        agency.service_area,
        agency.team,
        agency.cover_reason,
        {{ is_active_on('agency.start_date', 'agency.end_date', 'reporting_dates.reporting_date') }}
            as is_in_post_at_reporting_date,

        -- numbers
        agency.fte,

        -- dates
        reporting_dates.period_start_date,
        agency.start_date,
        agency.end_date

    from reporting_dates
    inner join agency
        on reporting_dates.la_code = agency.la_code
            and {{ version_valid_at('agency', 'reporting_dates.agency_basis_date') }}
    where reporting_dates.date_kind = 'census_date'
        or (
            agency.start_date <= reporting_dates.reporting_date
            and (agency.end_date is null or agency.end_date >= reporting_dates.period_start_date)
        )
)

select * from final
