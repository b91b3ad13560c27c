-- Employed assignments as the staff basis snapshot of each reporting date shows them
-- (macro records_as_at). An assignment whose end_date is the reporting date is not in post on it.
-- On census dates the holder's age band at 30 Sep is added; their year of birth goes no further.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('stg_hr__staff') }}
    where {{ in_build_scope() }}
),

as_at as (
    {{ records_as_at(
        records='staff',
        basis_date='staff_basis_date',
        start_column='start_date',
        end_column='end_date',
        flag='is_in_post_at_reporting_date',
        ids=['assignment_id', 'employee_pseudonym', 'post_id'],
        attributes=[
            'is_cfsw', 'org_role', 'service_area', 'team', 'contract_type',
            'recruitment_route', 'start_origin', 'leaving_reason', 'cfkss_status', 'gender',
            'ethnicity', 'census_year_of_birth'
        ],
        numbers=['fte'],
        dates=['start_date', 'service_start_date', 'end_date']
    ) }}
),

final as (
    select
        * exclude (census_year_of_birth),
        -- DfE's age bands, at 30 Sep of the census year
        case
            when date_kind <> 'census_date' or census_year_of_birth is null then null
            when census_year - census_year_of_birth < 30 then 'under_30'
            when census_year - census_year_of_birth < 40 then '30_39'
            when census_year - census_year_of_birth < 50 then '40_49'
            when census_year - census_year_of_birth < 60 then '50_59'
            else '60_plus'
        end as age_band_at_census_date
    from as_at
)

select * from final
