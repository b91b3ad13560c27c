{{ config(materialized='table') }}
-- Every agency rule checked per assignment (int_agency_assignments_for_rules): price cap,
-- experience, re-engagement, reference, project team.
--
-- A table rebuilt in full on every build, not incremental by authority: two of its inputs are
-- not the authority's own. The re-engagement rule reads the leavers of every authority of the
-- region loaded in the home, so a delivery from one authority can change another's flags;
-- and the price caps file is delivered into landing/ itself, which puts no authority in the
-- build scope. Re-deriving only the authorities delivered would leave those flags stale. Its
-- inputs are the per-authority tables and the staff versions; the work is one join per
-- agency assignment, small beside the other intermediate tables.
--
-- The price cap of an assignment is the cap of its authority's region for its role category
-- on its start date (the latest applies_from on or before it, when caps overlap). Over the cap:
-- pay rate + on-costs > cap (equal is within); unknown (null) without a cap, a role category or
-- a pay rate. Re-engaged within three months: the same SWE number (swe_pseudonym, national)
-- left a permanent post at an authority of the same region, the assignment's own included, on
-- a day D (its end_date, the last day) and the assignment started on or after D and before
-- D + 3 calendar months (DuckDB's month arithmetic: 31 Jan + 3 months = 30 Apr). Starting on
-- D + 3 months is fine; a day before is not.
with

assignments as (
    select * from {{ ref('int_agency_assignments_for_rules') }}
),

price_caps as (
    select * from {{ ref('stg_agency__price_caps') }}
),

staff as (
    select * from {{ ref('stg_hr__staff') }}
),

authorities as (
    select * from {{ ref('dfe_authorities') }}
),

-- each employed assignment as its latest version shows it, where it ended a permanent post
permanent_leavers as (
    select
        latest.la_code,
        latest.swe_pseudonym,
        latest.end_date,
        authorities.region_name
    from (
        select * from staff
        qualify row_number() over (
                partition by la_code, assignment_id order by valid_from desc
            ) = 1
    ) as latest
    inner join authorities
        on latest.la_code = authorities.la_code
    where latest.contract_type = 'permanent'
        and latest.end_date is not null
        and latest.swe_pseudonym is not null
),

capped as (
    select
        assignments.la_code,
        assignments.assignment_id,
        arg_max(price_caps.cap_gbp_per_hour, price_caps.applies_from) as price_cap_gbp
    from assignments
    inner join price_caps
        on assignments.region_name = price_caps.region_name
            and assignments.role_category = price_caps.role_category
            and assignments.start_date >= price_caps.applies_from
            and (price_caps.applies_to is null or assignments.start_date <= price_caps.applies_to)
    group by assignments.la_code, assignments.assignment_id
),

reengaged as (
    select
        assignments.la_code,
        assignments.assignment_id,
        max(permanent_leavers.end_date) as left_permanent_post_on,
        count(distinct permanent_leavers.la_code) as leaving_authorities
    from assignments
    inner join permanent_leavers
        on assignments.swe_pseudonym = permanent_leavers.swe_pseudonym
            and assignments.region_name = permanent_leavers.region_name
            and assignments.start_date >= permanent_leavers.end_date
            and assignments.start_date < cast(permanent_leavers.end_date + interval 3 month as date)
    group by assignments.la_code, assignments.assignment_id
),

final as (
    select
        -- ids
        assignments.la_code,
        assignments.assignment_id,
        assignments.swe_pseudonym,
        assignments.region_name,
        assignments.role_category,

        -- numbers
        assignments.hourly_pay_rate_gbp,
        assignments.hourly_oncosts_gbp,
        assignments.hourly_cost_gbp,
        capped.price_cap_gbp,
        assignments.pqe_la_years,

        -- the rules
        assignments.hourly_cost_gbp > capped.price_cap_gbp as is_over_cap,
        assignments.cap_exceeded_approved_by,
        coalesce(
            assignments.hourly_cost_gbp > capped.price_cap_gbp
            and assignments.cap_exceeded_approved_by is not null,
            false
        ) as is_over_cap_approved,
        coalesce(
            assignments.hourly_cost_gbp > capped.price_cap_gbp
            and assignments.cap_exceeded_approved_by is null,
            false
        ) as is_over_cap_not_approved,
        assignments.is_under_3_years_pqe,
        reengaged.assignment_id is not null as is_reengaged_within_3_months,
        reengaged.left_permanent_post_on,
        assignments.has_practice_reference,
        assignments.is_project_team,

        -- dates
        assignments.start_date,
        assignments.end_date

    from assignments
    left join capped
        on assignments.la_code = capped.la_code
            and assignments.assignment_id = capped.assignment_id
    left join reengaged
        on assignments.la_code = reengaged.la_code
            and assignments.assignment_id = reengaged.assignment_id
)

select * from final
