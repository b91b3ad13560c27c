-- One row per authority and census year the data covers, with the basis snapshot of each
-- snapshot kind. The census return is drawn from the systems after 30 Sep, before the DfE
-- collection closes: later snapshots drop old leavers, earlier ones cannot know the whole year.
{%- set window_days = var('census_return_window_days') | int %}

with

files as (
    select * from {{ ref('stg_audit__files') }}
),

loaded_snapshots as (
    select distinct
        la_code,
        kind,
        extract_date as snapshot_date
    from files
    where status = 'loaded'
        and kind in ('hr_staff', 'hr_establishment', 'agency_assignments', 'case_allocations')
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

basis_snapshots as (
    select
        la_code,
        kind,
        census_year,
        max(snapshot_date) as basis_date
    from candidate_years
    where snapshot_date between make_date(census_year, 9, 30)
        and make_date(census_year, 9, 30) + {{ window_days }}
    group by la_code, kind, census_year
),

basis_by_kind as (
    select
        la_code,
        census_year,
        max(basis_date) filter (where kind = 'hr_staff') as staff_basis_date,
        max(basis_date) filter (where kind = 'hr_establishment') as establishment_basis_date,
        max(basis_date) filter (where kind = 'agency_assignments') as agency_basis_date,
        max(basis_date) filter (where kind = 'case_allocations') as allocations_basis_date
    from basis_snapshots
    group by la_code, census_year
),

-- sickness is a period kind: it has no basis, only whether the authority delivers it at all
absence_authorities as (
    select distinct la_code
    from files
    where status = 'loaded' and kind = 'hr_absence'
),

final as (
    select
        basis_by_kind.la_code,
        basis_by_kind.census_year,
        make_date(basis_by_kind.census_year - 1, 10, 1) as period_start_date,
        make_date(basis_by_kind.census_year, 9, 30) as census_date,
        basis_by_kind.staff_basis_date,
        basis_by_kind.establishment_basis_date,
        basis_by_kind.agency_basis_date,
        basis_by_kind.allocations_basis_date,
        absence_authorities.la_code is not null as has_absence_extract
    from basis_by_kind
    left join absence_authorities
        on basis_by_kind.la_code = absence_authorities.la_code
    -- a census year is covered when its staff snapshot exists: every count starts there
    where basis_by_kind.staff_basis_date is not null
)

select * from final
