-- The projection of in-post FTE and the vacancy rate made at each month end (the origin) for
-- each of the 12 months after it, beside what happened there and the "no change" forecast (the
-- origin's own figure), for the backtest. Method (docs in _recruitment__models.yml):
--   in-post(m + k) = in-post(m) x (1 - monthly leaver rate)^k
--                    + FTE of accepted offers known at m with a planned start in (m, m + k]
--                    + monthly starter FTE x (k - 3), from the 4th month on
-- without a recruitment extract known at m, the starter FTE is added from the first month.
{%- set pipeline_horizon_months = 3 %}

with

stocks as (
    select * from {{ ref('int_workforce_stocks_as_at') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('int_staff_assignments_as_at') }}
    where {{ in_build_scope() }}
),

applications as (
    select * from {{ ref('stg_recruitment__applications') }}
    where {{ in_build_scope() }}
),

month_ends as (
    select
        la_code,
        reporting_date as month_end,
        inpost_fte,
        establishment_fte,
        -- vacant over vacant plus in post, with vacant = max(0, establishment - in post)
        greatest(0, establishment_fte - inpost_fte)
        / nullif(greatest(establishment_fte, inpost_fte), 0) as vacancy_rate
    from stocks
    where date_kind = 'month_end' and establishment_fte is not null
),

-- each CFSW's FTE in post at the month end and at the month end before, from the month end's
-- own snapshot: a starter was not in post the month before, a leaver is not at the month end
people_by_month as (
    select
        la_code,
        reporting_date as month_end,
        employee_pseudonym,
        sum(fte) filter (where is_in_post_at_reporting_date) as fte_at_month_end,
        sum(fte) filter (
            where start_date < period_start_date
            and (end_date is null or end_date >= period_start_date)
        ) as fte_at_previous_month_end
    from staff
    where date_kind = 'month_end' and is_cfsw
    group by la_code, reporting_date, employee_pseudonym
),

flows as (
    select
        la_code,
        month_end,
        sum(fte_at_month_end) filter (where fte_at_previous_month_end is null) as starters_fte,
        sum(fte_at_previous_month_end) filter (where fte_at_month_end is null) as leavers_fte
    from people_by_month
    group by la_code, month_end
),

-- the leaver rate and starter FTE a month of the 12 months to each month end
origins as (
    select
        month_ends.*,
        count(*) over last_12_months as months_of_history,
        coalesce(sum(flows.leavers_fte) over last_12_months, 0) / 12
        / nullif(avg(month_ends.inpost_fte) over last_12_months, 0) as monthly_leaver_rate,
        coalesce(sum(flows.starters_fte) over last_12_months, 0) / 12 as monthly_starters_fte
    from month_ends
    left join flows
        on month_ends.la_code = flows.la_code
            and month_ends.month_end = flows.month_end
    window last_12_months as (
        partition by month_ends.la_code
        order by year(month_ends.month_end) * 12 + month(month_ends.month_end)
        range between 11 preceding and current row
    )
),

-- the first recruitment extract of each authority: the pipeline is known from then on
recruitment_known as (
    select
        la_code,
        min(valid_from) as known_from
    from applications
    group by la_code
),

-- accepted offers as the recruitment extract valid at each origin showed them: not
-- withdrawn, not started, planned to start after the origin
pipeline_offers as (
    select
        origins.la_code,
        origins.month_end as origin_month_end,
        last_day(applications.planned_start_date) as planned_month_end,
        sum(applications.fte) as offers_fte
    from origins
    inner join applications
        on origins.la_code = applications.la_code
            and {{ version_valid_at('applications', 'origins.month_end') }}
    where applications.offer_accepted_date is not null
        and applications.start_date is null
        and applications.withdrawn_date is null
        and applications.planned_start_date > origins.month_end
    group by origins.la_code, origins.month_end, last_day(applications.planned_start_date)
),

horizons as (
    select unnest(generate_series(1, 12)) as months_ahead
),

projections as (
    select
        origins.la_code,
        origins.month_end as origin_month_end,
        horizons.months_ahead,
        last_day(origins.month_end + to_months(horizons.months_ahead)) as target_month_end,
        origins.inpost_fte as origin_inpost_fte,
        origins.establishment_fte as origin_establishment_fte,
        origins.vacancy_rate as origin_vacancy_rate,
        origins.monthly_leaver_rate,
        origins.monthly_starters_fte,
        coalesce(recruitment_known.known_from <= origins.month_end, false) as has_pipeline,
        origins.inpost_fte * power(1 - origins.monthly_leaver_rate, horizons.months_ahead)
            as remaining_fte
    from origins
    cross join horizons
    left join recruitment_known
        on origins.la_code = recruitment_known.la_code
    where origins.months_of_history = 12 and origins.monthly_leaver_rate is not null
),

with_starters as (
    select
        projections.*,
        coalesce(sum(pipeline_offers.offers_fte), 0) as pipeline_starters_fte,
        projections.monthly_starters_fte * greatest(
            0,
            projections.months_ahead
            - case when projections.has_pipeline then {{ pipeline_horizon_months }} else 0 end
        ) as further_starters_fte
    from projections
    left join pipeline_offers
        on projections.la_code = pipeline_offers.la_code
            and projections.origin_month_end = pipeline_offers.origin_month_end
            and projections.target_month_end >= pipeline_offers.planned_month_end
    group by all
),

projected as (
    select
        *,
        remaining_fte + pipeline_starters_fte + further_starters_fte as projected_inpost_fte
    from with_starters
),

final as (
    select
        -- ids
        projected.la_code,
        projected.origin_month_end,
        projected.months_ahead,
        projected.target_month_end,

        -- attributes
        projected.has_pipeline,

        -- the origin
        projected.origin_inpost_fte,
        projected.origin_establishment_fte,
        projected.origin_vacancy_rate,
        projected.monthly_leaver_rate,
        projected.monthly_starters_fte,

        -- the projection, to the FTE's own precision
        cast(projected.remaining_fte as decimal(18, 6)) as remaining_fte,
        cast(projected.pipeline_starters_fte as decimal(18, 6)) as pipeline_starters_fte,
        cast(projected.further_starters_fte as decimal(18, 6)) as further_starters_fte,
        cast(projected.projected_inpost_fte as decimal(18, 6)) as projected_inpost_fte,
        cast(
            greatest(0, projected.origin_establishment_fte - projected.projected_inpost_fte)
            as decimal(18, 6)
        ) as projected_vacancy_fte,

        -- what happened (null until the target month end has data)
        outcomes.inpost_fte as actual_inpost_fte,
        outcomes.vacancy_rate as actual_vacancy_rate

    from projected
    left join month_ends as outcomes
        on projected.la_code = outcomes.la_code
            and projected.target_month_end = outcomes.month_end
)

select * from final
