-- The recruitment figures of each census year, from each application's latest version
-- (int_recruitment_applications): requisitions, applications, the funnel and its conversion,
-- withdrawals, offer acceptance and the medians of time to hire and offer to start; and the
-- social-work posts that fell vacant and were filled by a recruited starter within 6 months.
-- Each figure counts in the census year of its own event (applied, offer made, offer accepted,
-- started, withdrawn, requisition opened, post fell vacant), for the census years the
-- authority's recruitment extracts cover in full (below) and its workforce is published for
-- (int_census_years: a year of recruitment figures alone is no census year of the workforce).
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

applications as (
    select * from {{ ref('int_recruitment_applications') }}
),

files as (
    select * from {{ ref('stg_audit__files') }}
),

vacancies as (
    select * from {{ ref('int_vacancies_as_at') }}
    where date_kind = 'month_end'
),

-- an extract holds at least the last 24 months of applications: the years covered run from
-- 24 months before the first snapshot to the census date before the newest
extract_coverage as (
    select
        la_code,
        min(extract_date) - interval 24 month as covered_from,
        max(extract_date) as covered_to
    from files
    where status = 'loaded' and kind = 'recruitment'
    group by la_code
),

-- a post fell vacant in a month when it had vacant FTE at the month end and none at the month
-- end before (a post new to the establishment, or already vacant, did not fall vacant)
posts_falling_vacant as (
    select
        vacant.la_code,
        vacant.post_id,
        vacant.service_area,
        cast(date_trunc('month', vacant.reporting_date) as date) as vacant_from,
        -- a starter in the post by the end of the 6th month after counts as a fill
        last_day(vacant.reporting_date + interval 6 month) as fill_deadline
    from vacancies as vacant
    inner join vacancies as occupied
        on vacant.la_code = occupied.la_code
            and vacant.post_id = occupied.post_id
            and cast(date_trunc('month', vacant.reporting_date) as date) - 1
            = occupied.reporting_date
    where vacant.vacancy_fte > 0 and occupied.vacancy_fte = 0
),

recruited_starts as (
    select
        la_code,
        post_id,
        start_date
    from applications
    where post_id is not null and start_date is not null
),

authorities_naming_posts as (
    select distinct la_code
    from recruited_starts
),

-- only where the recruitment extract names posts, and once the 6 months have passed by the
-- newest extract
vacancies_filled as (
    select
        posts_falling_vacant.la_code,
        posts_falling_vacant.post_id,
        posts_falling_vacant.service_area,
        posts_falling_vacant.vacant_from,
        bool_or(recruited_starts.start_date is not null) as is_filled
    from posts_falling_vacant
    inner join extract_coverage
        on posts_falling_vacant.la_code = extract_coverage.la_code
            and posts_falling_vacant.fill_deadline <= extract_coverage.covered_to
    inner join authorities_naming_posts
        on posts_falling_vacant.la_code = authorities_naming_posts.la_code
    left join recruited_starts
        on posts_falling_vacant.la_code = recruited_starts.la_code
            and posts_falling_vacant.post_id = recruited_starts.post_id
            and recruited_starts.start_date
            between posts_falling_vacant.vacant_from and posts_falling_vacant.fill_deadline
    group by all
),

-- one row per application (or vacancy), figure, breakdown value and census year it counts in
counted as (
    select
        applications.la_code,
        year(events.event_date + interval 3 month) as census_year,
        events.kpi_code,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        applications.requisition_id,
        events.in_numerator,
        events.in_denominator,
        events.elapsed_days
    from applications,
        lateral (
            values
            -- kpi_code, the date placing it in a year, above the line, below the line, days
            ('recruitment_requisitions', applications.requisition_opened, true, false, null),
            ('applications_per_requisition', applications.requisition_opened, true, true, null),
            ('recruitment_applications', applications.applied_date, true, false, null),
            (
                'offer_acceptance_percent',
                coalesce(applications.offer_date, applications.offer_accepted_date),
                applications.reached_accepted,
                true,
                null
            ),
            (
                'time_to_hire_days',
                applications.offer_accepted_date,
                true,
                false,
                datediff('day', applications.requisition_opened, applications.offer_accepted_date)
            ),
            (
                'offer_to_start_days',
                case when applications.offer_accepted_date is not null then applications.start_date end,
                true,
                false,
                datediff('day', applications.offer_accepted_date, applications.start_date)
            ),
            ('recruitment_withdrawals', applications.withdrawn_date, true, false, null)
        ) as events (kpi_code, event_date, in_numerator, in_denominator, elapsed_days),
        lateral (
            values
            ('total', 'total', true),
            ('recruitment_route', applications.recruitment_route, events.kpi_code not in (
                'recruitment_requisitions', 'applications_per_requisition',
                'recruitment_withdrawals'
            )),
            ('service_area', applications.service_area, events.kpi_code in (
                'recruitment_requisitions', 'applications_per_requisition',
                'recruitment_applications'
            )),
            (
                'withdrawn_at_stage',
                applications.withdrawn_at_stage,
                events.kpi_code = 'recruitment_withdrawals'
            ),
            (
                'withdrawn_by',
                coalesce(applications.withdrawn_by, 'not_recorded'),
                events.kpi_code = 'recruitment_withdrawals'
            )
        ) as breakdowns (breakdown, breakdown_value, applies)
    where events.event_date is not null and breakdowns.applies

    union all

    -- the funnel and its conversion: applications made in the year, by the stage they reached
    -- (conversion: reaching the stage over reaching the stage before)
    select
        applications.la_code,
        year(applications.applied_date + interval 3 month) as census_year,
        funnel.kpi_code,
        'recruitment_stage' as breakdown,
        funnel.stage as breakdown_value,
        applications.requisition_id,
        funnel.reached as in_numerator,
        funnel.reached_stage_before as in_denominator,
        null as elapsed_days
    from applications,
        lateral (
            values
            ('recruitment_funnel', 'applied', true, false),
            ('recruitment_funnel', 'shortlisted', applications.reached_shortlisted, false),
            ('recruitment_funnel', 'interviewed', applications.reached_interviewed, false),
            ('recruitment_funnel', 'offered', applications.reached_offered, false),
            ('recruitment_funnel', 'accepted', applications.reached_accepted, false),
            ('recruitment_funnel', 'started', applications.reached_started, false),
            ('recruitment_conversion_percent', 'shortlisted', applications.reached_shortlisted, true),
            (
                'recruitment_conversion_percent', 'interviewed',
                applications.reached_interviewed, applications.reached_shortlisted
            ),
            (
                'recruitment_conversion_percent', 'offered',
                applications.reached_offered, applications.reached_interviewed
            ),
            (
                'recruitment_conversion_percent', 'accepted',
                applications.reached_accepted, applications.reached_offered
            ),
            (
                'recruitment_conversion_percent', 'started',
                applications.reached_started, applications.reached_accepted
            )
        ) as funnel (kpi_code, stage, reached, reached_stage_before)
    where funnel.reached or funnel.reached_stage_before

    union all

    select
        vacancies_filled.la_code,
        year(vacancies_filled.vacant_from + interval 3 month) as census_year,
        'vacancy_filled_within_6_months_percent' as kpi_code,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        null as requisition_id,
        vacancies_filled.is_filled as in_numerator,
        true as in_denominator,
        null as elapsed_days
    from vacancies_filled,
        lateral (
            values ('total', 'total'), ('service_area', vacancies_filled.service_area)
        ) as breakdowns (breakdown, breakdown_value)
),

figures as (
    select
        la_code,
        census_year,
        kpi_code,
        breakdown,
        breakdown_value,
        case
            when kpi_code in ('time_to_hire_days', 'offer_to_start_days') then median(elapsed_days)
            when kpi_code = 'recruitment_requisitions' then count(distinct requisition_id)
            else count(*) filter (where in_numerator)
        end as numerator,
        case
            when kpi_code = 'applications_per_requisition' then count(distinct requisition_id)
            when kpi_code in (
                    'recruitment_conversion_percent', 'offer_acceptance_percent',
                    'vacancy_filled_within_6_months_percent'
                )
                then count(*) filter (where in_denominator)
        end as denominator
    from counted
    group by la_code, census_year, kpi_code, breakdown, breakdown_value
),

final as (
    select
        figures.la_code,
        figures.kpi_code,
        figures.breakdown,
        figures.breakdown_value,
        'census_year' as period_type,
        make_date(figures.census_year - 1, 10, 1) as period_start,
        make_date(figures.census_year, 9, 30) as period_end,
        cast(figures.census_year as integer) as census_year,
        cast(figures.numerator as decimal(38, 12)) as numerator,
        cast(figures.denominator as decimal(38, 12)) as denominator
    from figures
    inner join census_years
        on figures.la_code = census_years.la_code
            and figures.census_year = census_years.census_year
    inner join extract_coverage
        on figures.la_code = extract_coverage.la_code
            and make_date(figures.census_year - 1, 10, 1) >= extract_coverage.covered_from
            and make_date(figures.census_year, 9, 30) <= extract_coverage.covered_to
)

select * from final
