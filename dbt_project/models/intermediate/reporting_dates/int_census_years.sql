-- One row per authority and census year the data covers, with the basis snapshot of each
-- snapshot kind: the census dates of int_reporting_dates, where the basis rule is written.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
    where {{ in_build_scope() }}
),

final as (
    select
        la_code,
        census_year,
        period_start_date,
        reporting_date as census_date,
        staff_basis_date,
        establishment_basis_date,
        agency_basis_date,
        allocations_basis_date,
        pay_offer_basis_date,
        has_absence_extract
    from reporting_dates
    where date_kind = 'census_date'
)

select * from final
