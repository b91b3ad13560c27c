-- The stocks of each authority on each reporting date (census dates and month ends), side by
-- side: one rule per stock, whatever the date. A stock whose extract has no basis snapshot for
-- the date is null (not known), never zero.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('int_staff_assignments_as_at') }}
    where {{ in_build_scope() }}
),

agency as (
    select * from {{ ref('int_agency_assignments_as_at') }}
    where {{ in_build_scope() }}
),

posts as (
    select * from {{ ref('int_establishment_posts_as_at') }}
    where {{ in_build_scope() }}
),

vacancies as (
    select * from {{ ref('int_vacancies_as_at') }}
    where {{ in_build_scope() }}
),

caseloads as (
    select * from {{ ref('int_caseloads_as_at') }}
    where {{ in_build_scope() }}
),

in_post as (
    select
        la_code,
        date_kind,
        reporting_date,
        sum(fte) as inpost_fte,
        count(distinct employee_pseudonym) as inpost_headcount
    from staff
    where is_cfsw and is_in_post_at_reporting_date
    group by la_code, date_kind, reporting_date
),

agency_in_post as (
    select
        la_code,
        date_kind,
        reporting_date,
        sum(fte) as agency_fte,
        sum(fte) filter (where cover_reason = 'vacancy') as agency_cover_fte
    from agency
    where is_cfsw and is_in_post_at_reporting_date
    group by la_code, date_kind, reporting_date
),

establishment as (
    select
        la_code,
        date_kind,
        reporting_date,
        sum(budgeted_fte) as establishment_fte
    from posts
    where social_work_post and is_effective_at_reporting_date
    group by la_code, date_kind, reporting_date
),

vacancy_totals as (
    select
        la_code,
        date_kind,
        reporting_date,
        sum(vacancy_fte) as vacancy_fte
    from vacancies
    group by la_code, date_kind, reporting_date
),

caseload_totals as (
    select
        la_code,
        date_kind,
        reporting_date,
        sum(in_post_fte) as case_holders_fte,
        sum(cases) as cases
    from caseloads
    group by la_code, date_kind, reporting_date
),

final as (
    select
        -- ids
        reporting_dates.la_code,
        reporting_dates.date_kind,
        reporting_dates.reporting_date,
        reporting_dates.census_year,

        -- dates
        reporting_dates.period_start_date,
        reporting_dates.staff_basis_date,
        reporting_dates.establishment_basis_date,
        reporting_dates.agency_basis_date,
        reporting_dates.allocations_basis_date,

        -- employed CFSWs (staff basis)
        cast(coalesce(in_post.inpost_fte, 0) as decimal(18, 6)) as inpost_fte,
        cast(coalesce(in_post.inpost_headcount, 0) as bigint) as inpost_headcount,

        -- agency CFSWs (agency basis)
        case
            when reporting_dates.agency_basis_date is not null
                then cast(coalesce(agency_in_post.agency_fte, 0) as decimal(18, 6))
        end as agency_fte,
        case
            when reporting_dates.agency_basis_date is not null
                then cast(coalesce(agency_in_post.agency_cover_fte, 0) as decimal(18, 6))
        end as agency_cover_fte,

        -- establishment and vacancies (establishment basis)
        case
            when reporting_dates.establishment_basis_date is not null
                then cast(coalesce(establishment.establishment_fte, 0) as decimal(18, 6))
        end as establishment_fte,
        case
            when reporting_dates.establishment_basis_date is not null
                then cast(coalesce(vacancy_totals.vacancy_fte, 0) as decimal(18, 6))
        end as vacancy_fte,

        -- caseloads (allocations basis)
        case
            when reporting_dates.allocations_basis_date is not null
                then cast(coalesce(caseload_totals.case_holders_fte, 0) as decimal(18, 6))
        end as case_holders_fte,
        case
            when reporting_dates.allocations_basis_date is not null
                then cast(coalesce(caseload_totals.cases, 0) as bigint)
        end as cases

    from reporting_dates
    left join in_post
        on reporting_dates.la_code = in_post.la_code
            and reporting_dates.date_kind = in_post.date_kind
            and reporting_dates.reporting_date = in_post.reporting_date
    left join agency_in_post
        on reporting_dates.la_code = agency_in_post.la_code
            and reporting_dates.date_kind = agency_in_post.date_kind
            and reporting_dates.reporting_date = agency_in_post.reporting_date
    left join establishment
        on reporting_dates.la_code = establishment.la_code
            and reporting_dates.date_kind = establishment.date_kind
            and reporting_dates.reporting_date = establishment.reporting_date
    left join vacancy_totals
        on reporting_dates.la_code = vacancy_totals.la_code
            and reporting_dates.date_kind = vacancy_totals.date_kind
            and reporting_dates.reporting_date = vacancy_totals.reporting_date
    left join caseload_totals
        on reporting_dates.la_code = caseload_totals.la_code
            and reporting_dates.date_kind = caseload_totals.date_kind
            and reporting_dates.reporting_date = caseload_totals.reporting_date
)

select * from final
