-- The census return's LA-level items: one row per authority and census year. The counts are
-- the census-date stocks the KPIs read; the pay offer (collected from 2025) is the authority's
-- hr_pay_offer basis snapshot of the year, each item coded as DfE codes it (0 no, 1 yes - all
-- LA-employed social workers eligible, 2 yes - some), null when the snapshot lacks the item.

with

census_years as (
    select * from {{ ref('int_census_years') }}
    where {{ in_build_scope() }}
),

stocks as (
    select * from {{ ref('int_workforce_stocks_as_at') }}
    where
        {{ in_build_scope() }}
        and date_kind = 'census_date'
),

agency_records as (
    select * from {{ ref('int_census_return_agency') }}
    where {{ in_build_scope() }}
),

pay_offer as (
    select
        *,
        case eligible when 'none' then 0 when 'all' then 1 when 'some' then 2 end as eligible_code
    from {{ ref('int_pay_offer_at_census_basis') }}
    where {{ in_build_scope() }}
),

agency_headcount as (
    select
        la_code,
        census_year,
        count(*) as agency_headcount
    from agency_records
    group by la_code, census_year
),

offers as (
    select
        la_code,
        census_year,
        max(eligible_code) filter (where item = 'recruitment_bonus') as recruitment_bonus,
        max(eligible_code) filter (where item = 'retention_bonus') as retention_bonus,
        max(eligible_code) filter (where item = 'performance_award') as performance_award,
        max(eligible_code) filter (where item = 'car_allowance') as car_allowance,
        max(eligible_code) filter (where item = 'relocation_package') as relocation_package,
        max(eligible_code) filter (where item = 'regional_weighting') as regional_weighting,
        max(eligible_code) filter (where item = 'cost_swe') as cost_swe,
        max(eligible_code) filter (where item = 'cost_dbs') as cost_dbs,
        -- the free text of other allowances: empty text where the row gives none
        coalesce(max(detail) filter (where item = 'other_allowances'), '') as other_allowances,
        bool_or(item = 'other_allowances') as has_other_allowances
    from pay_offer
    group by la_code, census_year
),

final as (
    select
        census_years.la_code,
        census_years.census_year,
        stocks.vacancy_fte,
        stocks.agency_fte,
        coalesce(agency_headcount.agency_headcount, 0) as agency_headcount,
        census_years.pay_offer_basis_date,
        offers.recruitment_bonus,
        offers.retention_bonus,
        offers.performance_award,
        offers.car_allowance,
        offers.relocation_package,
        offers.regional_weighting,
        offers.cost_swe,
        offers.cost_dbs,
        case when offers.has_other_allowances then offers.other_allowances end as other_allowances
    from census_years
    left join stocks
        on
            census_years.la_code = stocks.la_code
            and census_years.census_year = stocks.census_year
    left join agency_headcount
        on
            census_years.la_code = agency_headcount.la_code
            and census_years.census_year = agency_headcount.census_year
    left join offers
        on
            census_years.la_code = offers.la_code
            and census_years.census_year = offers.census_year
)

select * from final
