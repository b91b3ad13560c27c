-- Every date stocks are counted "as at", per authority, with the basis snapshot of each snapshot
-- kind that date is drawn from. Two kinds of date:
--   census_date  30 Sep of each census year. The census return is drawn from the systems after
--                30 Sep, before the DfE collection closes: the basis is the latest snapshot dated
--                from 30 Sep to var census_return_window_days after it (later snapshots drop old
--                leavers, earlier ones cannot know the whole year).
--   month_end    the last day of each month a kind's snapshots cover (from its first snapshot to
--                its latest): the basis is the latest snapshot dated on or before the month end.
-- The as-at models (int_*_as_at) read every record version valid on its date's basis date.
{%- set window_days = var('census_return_window_days') | int %}

with

files as (
    select * from {{ ref('stg_audit__files') }}
    where {{ in_build_scope() }}
),

loaded_snapshots as (
    select distinct
        la_code,
        kind,
        extract_date as snapshot_date
    from files
    where status = 'loaded'
        and kind in (
            'hr_staff', 'hr_establishment', 'agency_assignments', 'case_allocations',
            'hr_pay_offer'
        )
),

-- every census year whose return window [30 Sep, 30 Sep + window] could contain the snapshot
candidate_years as (
    select
        la_code,
        kind,
        snapshot_date,
        cast(unnest(generate_series(
            year(snapshot_date) - 1 - {{ window_days // 365 }},
            year(snapshot_date)
        )) as integer) as census_year
    from loaded_snapshots
),

census_date_bases as (
    select
        la_code,
        kind,
        'census_date' as date_kind,
        make_date(census_year, 9, 30) as reporting_date,
        make_date(census_year - 1, 10, 1) as period_start_date,
        census_year,
        max(snapshot_date) as basis_date
    from candidate_years
    where snapshot_date between make_date(census_year, 9, 30)
        and make_date(census_year, 9, 30) + {{ window_days }}
    group by la_code, kind, census_year
),

snapshot_ranges as (
    select
        la_code,
        kind,
        min(snapshot_date) as first_snapshot_date,
        max(snapshot_date) as latest_snapshot_date
    from loaded_snapshots
    group by la_code, kind
),

-- the month ends from a kind's first snapshot to its latest, both included
covered_month_ends as (
    select
        la_code,
        kind,
        reporting_date
    from (
        select
            la_code,
            kind,
            first_snapshot_date,
            latest_snapshot_date,
            last_day(
                date_trunc('month', first_snapshot_date)
                + to_months(cast(unnest(generate_series(
                    0, datediff('month', first_snapshot_date, latest_snapshot_date)
                )) as integer))
            ) as reporting_date
        from snapshot_ranges
    ) as month_ends
    where reporting_date between first_snapshot_date and latest_snapshot_date
),

month_end_bases as (
    select
        month_ends.la_code,
        month_ends.kind,
        'month_end' as date_kind,
        month_ends.reporting_date,
        cast(date_trunc('month', month_ends.reporting_date) as date) as period_start_date,
        cast(null as integer) as census_year,
        snapshots.snapshot_date as basis_date
    from covered_month_ends as month_ends
    asof inner join loaded_snapshots as snapshots
        on month_ends.la_code = snapshots.la_code
            and month_ends.kind = snapshots.kind
            and month_ends.reporting_date >= snapshots.snapshot_date
),

bases as (
    select * from census_date_bases
    union all
    select * from month_end_bases
),

basis_by_kind as (
    select
        la_code,
        date_kind,
        reporting_date,
        any_value(period_start_date) as period_start_date,
        any_value(census_year) as census_year,
        max(basis_date) filter (where kind = 'hr_staff') as staff_basis_date,
        max(basis_date) filter (where kind = 'hr_establishment') as establishment_basis_date,
        max(basis_date) filter (where kind = 'agency_assignments') as agency_basis_date,
        max(basis_date) filter (where kind = 'case_allocations') as allocations_basis_date,
        max(basis_date) filter (where kind = 'hr_pay_offer') as pay_offer_basis_date
    from bases
    group by la_code, date_kind, reporting_date
),

-- sickness is a period kind: it has no basis, only whether the authority delivers it at all
absence_authorities as (
    select distinct la_code
    from files
    where status = 'loaded' and kind = 'hr_absence'
),

final as (
    select
        -- ids
        basis_by_kind.la_code,
        basis_by_kind.date_kind,
        basis_by_kind.reporting_date,
        basis_by_kind.census_year,

        -- dates
        basis_by_kind.period_start_date,
        basis_by_kind.staff_basis_date,
        basis_by_kind.establishment_basis_date,
        basis_by_kind.agency_basis_date,
        basis_by_kind.allocations_basis_date,
        basis_by_kind.pay_offer_basis_date,

        -- attributes
        absence_authorities.la_code is not null as has_absence_extract

    from basis_by_kind
    left join absence_authorities
        on basis_by_kind.la_code = absence_authorities.la_code
    -- a date is covered when its staff snapshot exists: every count starts there
    where basis_by_kind.staff_basis_date is not null
)

select * from final
