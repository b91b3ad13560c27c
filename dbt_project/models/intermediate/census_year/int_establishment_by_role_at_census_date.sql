-- The establishment table boards read, per census date, by service area, by team and by CSWW
-- role: budgeted FTE of social-work posts, employed and agency CFSWs in post, and vacant FTE.
-- Posts and vacancies count under the post's service area, team and role, workers under their
-- assignment's.
with

census_years as (
    select * from {{ ref('int_census_years') }}
    where {{ in_build_scope() }}
),

posts as (
    select * from {{ ref('int_establishment_posts_at_census_basis') }}
    where {{ in_build_scope() }}
),

vacancies as (
    select * from {{ ref('int_vacancies_as_at') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('int_staff_assignments_at_census_basis') }}
    where {{ in_build_scope() }}
),

agency as (
    select * from {{ ref('int_agency_assignments_at_census_basis') }}
    where {{ in_build_scope() }}
),

stock_items as (
    select
        la_code,
        census_year,
        service_area,
        team,
        org_role,
        'establishment' as stock,
        budgeted_fte as fte
    from posts
    where social_work_post and is_effective_at_census_date

    union all

    select
        la_code,
        census_year,
        service_area,
        team,
        org_role,
        'vacancy' as stock,
        vacancy_fte as fte
    from vacancies
    where date_kind = 'census_date'

    union all

    select
        la_code,
        census_year,
        service_area,
        team,
        org_role,
        'inpost' as stock,
        fte
    from staff
    where is_cfsw and is_in_post_at_census_date

    union all

    select
        la_code,
        census_year,
        service_area,
        team,
        org_role,
        'agency' as stock,
        fte
    from agency
    where is_cfsw and is_in_post_at_census_date
),

by_breakdown as (
    select
        stock_items.la_code,
        stock_items.census_year,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        sum(stock_items.fte) filter (where stock_items.stock = 'establishment') as establishment_fte,
        sum(stock_items.fte) filter (where stock_items.stock = 'inpost') as inpost_fte,
        sum(stock_items.fte) filter (where stock_items.stock = 'agency') as agency_fte,
        sum(stock_items.fte) filter (where stock_items.stock = 'vacancy') as vacancy_fte
    from stock_items,
        lateral (
            values
            ('service_area', stock_items.service_area),
            ('team', stock_items.team),
            ('org_role', coalesce(cast(stock_items.org_role as varchar), 'not_recorded'))
        ) as breakdowns (breakdown, breakdown_value)
    group by stock_items.la_code, stock_items.census_year, breakdowns.breakdown, breakdowns.breakdown_value
),

final as (
    select
        -- ids
        by_breakdown.la_code,
        by_breakdown.census_year,
        by_breakdown.breakdown,
        by_breakdown.breakdown_value,

        -- numbers: null when the extract has no basis snapshot for the year, else 0 when none
        case
            when census_years.establishment_basis_date is not null
                then cast(coalesce(by_breakdown.establishment_fte, 0) as decimal(18, 6))
        end as establishment_fte,
        cast(coalesce(by_breakdown.inpost_fte, 0) as decimal(18, 6)) as inpost_fte,
        case
            when census_years.agency_basis_date is not null
                then cast(coalesce(by_breakdown.agency_fte, 0) as decimal(18, 6))
        end as agency_fte,
        case
            when census_years.establishment_basis_date is not null
                then cast(coalesce(by_breakdown.vacancy_fte, 0) as decimal(18, 6))
        end as vacancy_fte

    from by_breakdown
    inner join census_years
        on by_breakdown.la_code = census_years.la_code
            and by_breakdown.census_year = census_years.census_year
)

select * from final
