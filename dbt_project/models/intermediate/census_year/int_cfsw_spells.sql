-- Continuous CFSW employment of each person, as the staff basis snapshot of each census year
-- shows it. DfE counts people joining and leaving the authority's CFSW workforce, not
-- assignments: a move between two CFSW posts (end D, next start D + 1) is neither a start
-- nor a leave, so assignments are merged into spells first. Each spell also carries who the
-- person is and where they work: read from its main assignment (the one in post on 30 Sep, else
-- the one ending last), as the census return picks it.
{%- set open_end = "date '9999-12-31'" %}

with

staff as (
    select * from {{ ref('int_staff_assignments_at_census_basis') }}
    where {{ in_build_scope() }}
),

cfsw_assignments as (
    select
        la_code,
        census_year,
        period_start_date,
        census_date,
        employee_pseudonym,
        assignment_id,
        fte,
        leaving_reason,
        recruitment_route,
        start_origin,
        org_role,
        service_area,
        cfkss_status,
        gender,
        ethnicity,
        age_band,
        is_in_post_at_census_date,
        service_start_date,
        start_date,
        end_date,
        coalesce(end_date, {{ open_end }}) as end_or_open_date
    from staff
    where is_cfsw
),

-- the latest end among the person's earlier assignments (overlaps and concurrent posts too)
with_previous_end as (
    select
        *,
        max(end_or_open_date) over (
            partition by la_code, census_year, employee_pseudonym
            order by start_date, end_or_open_date, assignment_id
            rows between unbounded preceding and 1 preceding
        ) as previous_latest_end_date
    from cfsw_assignments
),

-- a new spell starts when the gap after everything before is more than the allowed days
spell_numbered as (
    select
        *,
        cast(sum(
            case
                when previous_latest_end_date is null then 1
                when start_date - previous_latest_end_date - 1 > {{ var('spell_join_gap_days') }} then 1
                else 0
            end
        ) over (
            partition by la_code, census_year, employee_pseudonym
            order by start_date, end_or_open_date, assignment_id
            rows between unbounded preceding and current row
        ) as integer) as spell_number
    from with_previous_end
),

-- the spell's main assignment first: in post on 30 Sep, then ending last, the largest FTE,
-- the earliest start, the first id
spell_ranked as (
    select
        *,
        row_number() over (
            partition by la_code, census_year, employee_pseudonym, spell_number
            order by
                is_in_post_at_census_date desc, end_or_open_date desc, fte desc, start_date asc,
                assignment_id asc
        ) as assignment_rank
    from spell_numbered
),

spell_bounds as (
    select
        la_code,
        census_year,
        employee_pseudonym,
        spell_number,
        min(start_date) as spell_start_date,
        max(end_or_open_date) as spell_end_or_open_date
    from spell_numbered
    group by la_code, census_year, employee_pseudonym, spell_number
),

spells as (
    select
        spell_bounds.la_code,
        spell_bounds.census_year,
        spell_bounds.employee_pseudonym,
        spell_bounds.spell_number,
        any_value(assignments.period_start_date) as period_start_date,
        any_value(assignments.census_date) as census_date,
        spell_bounds.spell_start_date,
        nullif(spell_bounds.spell_end_or_open_date, {{ open_end }}) as spell_end_date,
        count(*) as assignment_count,
        coalesce(sum(assignments.fte) filter (
            where assignments.start_date = spell_bounds.spell_start_date
        ), 0) as starting_fte,
        coalesce(sum(assignments.fte) filter (
            where assignments.end_date = spell_bounds.spell_end_or_open_date
        ), 0) as ending_fte,
        -- how the spell's first assignment was recruited; of several starting that day, the
        -- first route in alphabetical order and the smallest origin code
        min(assignments.recruitment_route) filter (
            where assignments.start_date = spell_bounds.spell_start_date
        ) as recruitment_route,
        min(assignments.start_origin) filter (
            where assignments.start_date = spell_bounds.spell_start_date
        ) as start_origin,
        -- the reason of the assignment ending last; of several, the smallest code
        min(assignments.leaving_reason) filter (
            where assignments.end_date = spell_bounds.spell_end_or_open_date
        ) as leaving_reason,
        coalesce(min(assignments.service_start_date), spell_bounds.spell_start_date)
            as service_start_date,
        -- length of service is counted up to leaving, or up to 30 Sep while in post
        least(spell_bounds.spell_end_or_open_date, any_value(assignments.census_date))
            as service_counted_to_date,
        coalesce(bool_or(assignments.is_in_post_at_census_date), false) as is_in_post_at_census_date,
        -- the main assignment's role and area; the person's details from the first
        -- assignment that has them
        arg_min(assignments.org_role, assignments.assignment_rank) as org_role,
        arg_min(assignments.service_area, assignments.assignment_rank) as service_area,
        arg_min(assignments.cfkss_status, assignments.assignment_rank) filter (
            where assignments.cfkss_status is not null
        ) as cfkss_status,
        arg_min(assignments.gender, assignments.assignment_rank) filter (
            where assignments.gender is not null
        ) as gender,
        arg_min(assignments.ethnicity, assignments.assignment_rank) filter (
            where assignments.ethnicity is not null
        ) as ethnicity,
        arg_min(assignments.age_band, assignments.assignment_rank) filter (
            where assignments.age_band is not null
        ) as age_band
    from spell_bounds
    inner join spell_ranked as assignments
        on spell_bounds.la_code = assignments.la_code
            and spell_bounds.census_year = assignments.census_year
            and spell_bounds.employee_pseudonym = assignments.employee_pseudonym
            and spell_bounds.spell_number = assignments.spell_number
    group by
        spell_bounds.la_code,
        spell_bounds.census_year,
        spell_bounds.employee_pseudonym,
        spell_bounds.spell_number,
        spell_bounds.spell_start_date,
        spell_bounds.spell_end_or_open_date
),

final as (
    select
        -- ids
        la_code,
        census_year,
        employee_pseudonym,
        spell_number,

        -- flags for the census year
        spell_start_date between period_start_date and census_date as is_starter,
        coalesce(spell_end_date between period_start_date and census_date, false) as is_leaver,
        is_in_post_at_census_date,

        -- starting and leaving
        recruitment_route,
        start_origin,
        leaving_reason,
        case
            when spell_start_date > census_date then null
            when date_sub('year', service_start_date, service_counted_to_date) >= 5 then '5y+'
            when date_sub('year', service_start_date, service_counted_to_date) >= 2 then '2-5y'
            else '<2y'
        end as service_band,
        -- left before completing a year's continuous service (as service_band counts years)
        coalesce(
            spell_end_date between period_start_date and census_date
            and date_sub('year', service_start_date, spell_end_date) < 1,
            false
        ) as is_first_year_leaver,

        -- role and person
        org_role,
        service_area,
        cfkss_status,
        gender,
        ethnicity,
        age_band,

        -- numbers
        assignment_count,
        starting_fte,
        ending_fte,

        -- dates
        spell_start_date,
        spell_end_date,
        service_start_date

    from spells
)

select * from final
