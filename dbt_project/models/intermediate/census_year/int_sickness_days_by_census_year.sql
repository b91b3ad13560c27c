-- Sickness working days lost by employed CFSWs, per episode and census year. An episode
-- crossing 1 October is split in proportion to its weekdays (Mon-Fri) on each side, so each
-- year gets the days lost within it (DfE).
with

census_years as (
    select * from {{ ref('int_census_years') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('int_staff_assignments_at_census_basis') }}
    where {{ in_build_scope() }}
),

absences as (
    select * from {{ ref('stg_hr__absence') }}
    where {{ in_build_scope() }}
),

-- people who held an employed CFSW assignment at some point in the census year
cfsw_employees as (
    select distinct
        la_code,
        census_year,
        employee_pseudonym
    from staff
    where is_cfsw
        and start_date <= census_date
        and (end_date is null or end_date >= period_start_date)
),

sickness_episodes as (
    select
        la_code,
        absence_id,
        employee_pseudonym,
        working_days_lost,
        start_date,
        -- an open episode is known up to the extract that delivered it
        coalesce(end_date, extract_date) as episode_end_date
    from absences
    where absence_type = 'SIC'
),

episodes_in_years as (
    select
        episodes.la_code,
        census_years.census_year,
        episodes.absence_id,
        episodes.employee_pseudonym,
        episodes.working_days_lost,
        episodes.start_date,
        episodes.episode_end_date,
        census_years.period_start_date,
        census_years.census_date,
        {{ weekdays_between('episodes.start_date', 'episodes.episode_end_date') }}
            as episode_weekdays,
        {{ weekdays_between(
            'greatest(episodes.start_date, census_years.period_start_date)',
            'least(episodes.episode_end_date, census_years.census_date)'
        ) }} as weekdays_in_year
    from sickness_episodes as episodes
    inner join census_years
        on episodes.la_code = census_years.la_code
            and episodes.start_date <= census_years.census_date
            and episodes.episode_end_date >= census_years.period_start_date
    inner join cfsw_employees
        on episodes.la_code = cfsw_employees.la_code
            and census_years.census_year = cfsw_employees.census_year
            and episodes.employee_pseudonym = cfsw_employees.employee_pseudonym
),

final as (
    select
        -- ids
        la_code,
        census_year,
        absence_id,
        employee_pseudonym,

        -- numbers
        working_days_lost,
        episode_weekdays,
        weekdays_in_year,
        case
            -- no weekday to share by (e.g. a weekend): wholly in the year it started
            when episode_weekdays = 0 and start_date >= period_start_date then working_days_lost
            when episode_weekdays = 0 then 0
            else cast(working_days_lost * weekdays_in_year / episode_weekdays as decimal(18, 6))
        end as working_days_lost_in_year,

        -- dates
        start_date,
        episode_end_date

    from episodes_in_years
)

select * from final
