-- The agency CFSWs in post at 30 Sep of each census year: their FTE by the reason their
-- assignment covers, and how many different workers they are, in all and by reason (a worker
-- covering for two reasons counts under each). The headcount is 0 in a year with an agency basis
-- snapshot and nobody in post, and not known (no row) in a year without one.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

agency as (
    select * from {{ ref('int_agency_assignments_at_census_basis') }}
),

agency_in_post as (
    select *
    from agency
    where is_cfsw and is_in_post_at_census_date
),

by_cover_reason as (
    select
        la_code,
        census_year,
        'cover_reason' as breakdown,
        coalesce(cover_reason, 'not_recorded') as breakdown_value,
        sum(fte) as agency_fte,
        count(distinct agency_worker_pseudonym) as agency_headcount
    from agency_in_post
    group by all
),

totals as (
    select
        census_years.la_code,
        census_years.census_year,
        'total' as breakdown,
        'total' as breakdown_value,
        count(distinct agency_in_post.agency_worker_pseudonym) as agency_headcount
    from census_years
    left join agency_in_post
        on census_years.la_code = agency_in_post.la_code
            and census_years.census_year = agency_in_post.census_year
    where census_years.agency_basis_date is not null
    group by all
),

formulas as (
    select
        la_code,
        census_year,
        breakdown,
        breakdown_value,
        'agency_fte' as kpi_code,
        agency_fte as numerator
    from by_cover_reason

    union all

    select
        la_code,
        census_year,
        breakdown,
        breakdown_value,
        'agency_headcount' as kpi_code,
        agency_headcount as numerator
    from by_cover_reason

    union all

    select
        la_code,
        census_year,
        breakdown,
        breakdown_value,
        'agency_headcount' as kpi_code,
        agency_headcount as numerator
    from totals
),

final as (
    select
        formulas.la_code,
        formulas.kpi_code,
        formulas.breakdown,
        formulas.breakdown_value,
        'census_year' as period_type,
        census_years.period_start_date as period_start,
        census_years.census_date as period_end,
        formulas.census_year,
        cast(formulas.numerator as decimal(38, 12)) as numerator,
        cast(null as decimal(38, 12)) as denominator
    from formulas
    inner join census_years
        on formulas.la_code = census_years.la_code
            and formulas.census_year = census_years.census_year
)

select * from final
