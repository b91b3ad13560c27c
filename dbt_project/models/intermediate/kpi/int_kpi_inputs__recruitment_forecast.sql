-- What the recruitment pipeline and the projection say about the months ahead: the starters
-- expected in each of the 12 months from the newest recruitment snapshot, the projected in-post
-- FTE and vacancy rate for the 12 months after the newest month end, and the backtest of that
-- projection against "no change" (int_workforce_projection).
with

applications as (
    select * from {{ ref('int_recruitment_applications') }}
),

files as (
    select * from {{ ref('stg_audit__files') }}
),

projection as (
    select * from {{ ref('int_workforce_projection') }}
),

newest_extracts as (
    select
        la_code,
        max(extract_date) as snapshot_date
    from files
    where status = 'loaded' and kind = 'recruitment'
    group by la_code
),

-- accepted offers not withdrawn and not started, in the month of their planned start (a start
-- already overdue in the snapshot's month); those without a planned date apart
pipeline_offers as (
    select
        applications.la_code,
        applications.recruitment_route,
        applications.fte,
        case
            when applications.planned_start_date is not null
                then last_day(greatest(applications.planned_start_date, newest_extracts.snapshot_date))
            else last_day(newest_extracts.snapshot_date)
        end as month_end,
        applications.planned_start_date is null as has_no_planned_date
    from applications
    inner join newest_extracts
        on applications.la_code = newest_extracts.la_code
    where applications.is_in_pipeline and applications.is_in_newest_extract
        and (
            applications.planned_start_date is null
            or applications.planned_start_date
            <= last_day(newest_extracts.snapshot_date + interval 11 month)
        )
),

pipeline as (
    select
        pipeline_offers.la_code,
        measures.kpi_code,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        pipeline_offers.month_end,
        sum(measures.amount) as numerator
    from pipeline_offers,
        lateral (
            values
            ('pipeline_starters_fte', pipeline_offers.fte),
            ('pipeline_starters_headcount', 1)
        ) as measures (kpi_code, amount),
        lateral (
            values
            ('total', 'total', not pipeline_offers.has_no_planned_date),
            (
                'recruitment_route',
                pipeline_offers.recruitment_route,
                not pipeline_offers.has_no_planned_date
            ),
            ('planned_start', 'no_planned_date', pipeline_offers.has_no_planned_date)
        ) as breakdowns (breakdown, breakdown_value, applies)
    where breakdowns.applies
    group by all
),

newest_projections as (
    select *
    from projection
    qualify origin_month_end = max(origin_month_end) over (partition by la_code)
),

projected as (
    select
        newest_projections.la_code,
        measures.kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        newest_projections.target_month_end as month_end,
        measures.numerator,
        measures.denominator
    from newest_projections,
        lateral (
            values
            ('projected_inpost_fte', newest_projections.projected_inpost_fte, null),
            (
                'projected_vacancy_rate_fte',
                newest_projections.projected_vacancy_fte,
                newest_projections.projected_vacancy_fte + newest_projections.projected_inpost_fte
            )
        ) as measures (kpi_code, numerator, denominator)
),

-- the backtest: the month ends of the latest census year ended by the newest month end with
-- data (an unfinished year would be a census year of nothing else) that have an origin 6 (12)
-- months before
newest_month_ends as (
    select
        la_code,
        max(target_month_end) filter (where actual_inpost_fte is not null) as month_end
    from projection
    group by la_code
),

backtest_years as (
    select
        la_code,
        -- the census year of the latest 30 Sep on or before the newest month end
        year(month_end + 1 - interval 9 month) as census_year
    from newest_month_ends
),

backtested as (
    select
        projection.*,
        backtest_years.census_year
    from projection
    inner join backtest_years
        on projection.la_code = backtest_years.la_code
            and year(projection.target_month_end + interval 3 month) = backtest_years.census_year
    where projection.months_ahead in (6, 12)
        and projection.actual_inpost_fte is not null
),

forecast_errors as (
    select
        backtested.la_code,
        measures.kpi_code,
        'forecast' as breakdown,
        measures.forecast || '_' || backtested.months_ahead || 'm' as breakdown_value,
        backtested.census_year,
        sum(measures.absolute_error) as numerator,
        count(*) as denominator
    from backtested,
        lateral (
            values
            (
                'forecast_error_inpost_fte', 'projection',
                abs(backtested.projected_inpost_fte - backtested.actual_inpost_fte)
            ),
            (
                'forecast_error_inpost_fte', 'no_change',
                abs(backtested.origin_inpost_fte - backtested.actual_inpost_fte)
            ),
            (
                'forecast_error_vacancy_rate', 'projection',
                abs(
                    backtested.projected_vacancy_fte
                    / nullif(backtested.projected_vacancy_fte + backtested.projected_inpost_fte, 0)
                    - backtested.actual_vacancy_rate
                )
            ),
            (
                'forecast_error_vacancy_rate', 'no_change',
                abs(backtested.origin_vacancy_rate - backtested.actual_vacancy_rate)
            )
        ) as measures (kpi_code, forecast, absolute_error)
    group by all
),

monthly as (
    select * from pipeline
    union all by name
    select * from projected
),

final as (
    select
        la_code,
        kpi_code,
        breakdown,
        breakdown_value,
        'month' as period_type,
        cast(date_trunc('month', month_end) as date) as period_start,
        month_end as period_end,
        cast(null as integer) as census_year,
        cast(numerator as decimal(38, 12)) as numerator,
        cast(denominator as decimal(38, 12)) as denominator
    from monthly

    union all

    select
        la_code,
        kpi_code,
        breakdown,
        breakdown_value,
        'census_year' as period_type,
        make_date(census_year - 1, 10, 1) as period_start,
        make_date(census_year, 9, 30) as period_end,
        cast(census_year as integer) as census_year,
        cast(numerator as decimal(38, 12)) as numerator,
        cast(denominator as decimal(38, 12)) as denominator
    from forecast_errors
)

select * from final
