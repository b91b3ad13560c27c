-- The census return's records of directly employed CFSWs: one row per authority, census year
-- and CFSW spell in post on 30 September or ended in the census year (a person who left and came
-- back has two). A spell's `relevant` assignments are those in post on the census date (a worker
-- in post) or ending on the spell's last day (a leaver); its role is the most senior of them,
-- and every other item is read from the first assignment that has it, relevant ones first, then
-- the largest FTE, the earliest start and the first id (as int_caseloads_as_at picks a worker's
-- main assignment): taken from another of the person's records, never made up. Dates of birth
-- stay in the raw layer: `date_of_birth_assignment_id` and `date_of_birth_valid_from` say
-- which version holds the one the return reads (orchestration/census/source.py).
{%- set open_end = "date '9999-12-31'" %}
{%- set rr_elements = "('golden_hello', 'market_supplement', 'retention_allowance')" %}

with

census_years as (
    select * from {{ ref('int_census_years') }}
    where {{ in_build_scope() }}
),

cfsw_spells as (
    select * from {{ ref('int_cfsw_spells') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('stg_hr__staff') }}
    where {{ in_build_scope() }}
),

pay_lines as (
    select * from {{ ref('stg_payroll__pay_lines') }}
    where {{ in_build_scope() }}
),

caseloads as (
    select * from {{ ref('int_caseloads_as_at') }}
    where
        {{ in_build_scope() }}
        and date_kind = 'census_date'
        and worker_source = 'employee'
),

sickness_days as (
    select * from {{ ref('int_sickness_days_by_census_year') }}
    where {{ in_build_scope() }}
),

absences as (
    select * from {{ ref('stg_hr__absence') }}
    where {{ in_build_scope() }}
),

spells as (
    select
        cfsw_spells.*,
        census_years.census_date,
        census_years.period_start_date
    from cfsw_spells
    inner join census_years
        on
            cfsw_spells.la_code = census_years.la_code
            and cfsw_spells.census_year = census_years.census_year
    where
        cfsw_spells.spell_start_date <= census_years.census_date
        and coalesce(cfsw_spells.spell_end_date, {{ open_end }}) >= census_years.period_start_date
),

-- every assignment as the year's staff basis snapshot shows it
versions as (
    select
        census_years.census_year,
        staff.*
    from staff
    inner join census_years on staff.la_code = census_years.la_code
    where
        staff.valid_from <= census_years.staff_basis_date
        and coalesce(staff.valid_to, {{ open_end }}) > census_years.staff_basis_date
),

spell_assignments as (
    select
        spells.la_code,
        spells.census_year,
        spells.employee_pseudonym,
        spells.spell_number,
        versions.* exclude (la_code, census_year, employee_pseudonym),  -- noqa: RF02
        versions.start_date <= spells.census_date
        and coalesce(versions.end_date, {{ open_end }}) > spells.census_date as is_in_post,
        case
            when spells.is_leaver then versions.end_date = spells.spell_end_date
            else
                versions.start_date <= spells.census_date
                and coalesce(versions.end_date, {{ open_end }}) > spells.census_date
        end as is_relevant
    from spells
    inner join versions
        on
            spells.la_code = versions.la_code
            and spells.census_year = versions.census_year
            and spells.employee_pseudonym = versions.employee_pseudonym
            and spells.spell_start_date <= versions.start_date
            and coalesce(spells.spell_end_date, {{ open_end }}) >= versions.start_date
    where versions.is_cfsw
),

ranked_assignments as (
    select
        *,
        row_number() over (
            partition by la_code, census_year, employee_pseudonym, spell_number
            order by is_relevant desc, fte desc, start_date asc, assignment_id asc
        ) as assignment_rank,
        age_band is not null as has_birth_date
    from spell_assignments
),

by_spell as (
    select
        la_code,
        census_year,
        employee_pseudonym,
        spell_number,
        coalesce(sum(fte) filter (where is_in_post), 0) as fte_in_post,
        coalesce(
            min(org_role) filter (where is_relevant), arg_min(org_role, assignment_rank)
        ) as org_role,
        min(leaver_destination) filter (where is_relevant) as leaver_destination,
        arg_min(swe_pseudonym, assignment_rank) filter (where swe_pseudonym is not null) as swe_pseudonym,
        -- the version whose raw row holds the date of birth (age_band is null without one)
        arg_min(assignment_id, assignment_rank) filter (where has_birth_date) as date_of_birth_assignment_id,
        arg_min(valid_from, assignment_rank) filter (where has_birth_date) as date_of_birth_valid_from,
        arg_min(gender, assignment_rank) filter (where gender is not null) as gender,
        arg_min(ethnicity, assignment_rank) filter (where ethnicity is not null) as ethnicity,
        arg_min(qual_inst, assignment_rank) filter (where qual_inst is not null) as qual_inst,
        arg_min(qual_level, assignment_rank) filter (where qual_level is not null) as qual_level,
        arg_min(cfkss_status, assignment_rank) filter (where cfkss_status is not null) as cfkss_status,
        -- the contracted salaries of the posts held on 30 September: unknown when any lacks one
        count(*) filter (where is_in_post and base_salary_gbp is null) as posts_without_salary,
        case
            when count(*) filter (where is_in_post and base_salary_gbp is null) = 0
                then sum(base_salary_gbp) filter (where is_in_post)
        end as base_salary_gbp,
        list(assignment_id order by assignment_rank) as assignment_ids
    from ranked_assignments
    group by la_code, census_year, employee_pseudonym, spell_number
),

-- the route into the authority, over all of the person's assignments in the snapshot
routes as (
    select
        la_code,
        census_year,
        employee_pseudonym,
        count(recruitment_route) > 0 as has_route,
        bool_or(recruitment_route = 'step_up') as is_step_up,
        bool_or(recruitment_route = 'frontline') as is_frontline
    from versions
    group by la_code, census_year, employee_pseudonym
),

sickness as (
    select
        la_code,
        census_year,
        employee_pseudonym,
        sum(working_days_lost_in_year) as working_days_lost
    from sickness_days
    group by la_code, census_year, employee_pseudonym
),

-- an absence episode of any type covering 30 September (open: known up to its extract)
absent_on_census_date as (
    select
        census_years.la_code,
        census_years.census_year,
        absences.employee_pseudonym,
        arg_min(absences.absence_type, absences.start_date) as absence_type
    from absences
    inner join census_years on absences.la_code = census_years.la_code
    where
        absences.start_date <= census_years.census_date
        and coalesce(absences.end_date, absences.extract_date) >= census_years.census_date
    group by census_years.la_code, census_years.census_year, absences.employee_pseudonym
),

-- pay lines with a pay period in the census year (October to September)
year_pay_lines as (
    select
        census_years.census_year,
        pay_lines.*
    from pay_lines
    inner join census_years
        on
            pay_lines.la_code = census_years.la_code
            and pay_lines.pay_period_start_date >= census_years.period_start_date
            and pay_lines.pay_period_start_date <= census_years.census_date
),

-- each of the person's pay lines of the year goes to the record of the spell holding its
-- assignment, or else (a post outside the spells) to the person's latest record of the year
pay_line_spells as (
    select
        year_pay_lines.la_code,
        year_pay_lines.census_year,
        year_pay_lines.employee_pseudonym,
        year_pay_lines.pay_element,
        year_pay_lines.amount_gbp,
        by_spell.spell_number,
        row_number() over (
            partition by
                year_pay_lines.la_code,
                year_pay_lines.assignment_id,
                year_pay_lines.pay_period,
                year_pay_lines.pay_element
            order by
                list_contains(by_spell.assignment_ids, year_pay_lines.assignment_id) desc,
                by_spell.spell_number desc
        ) as spell_rank
    from year_pay_lines
    inner join by_spell
        on
            year_pay_lines.la_code = by_spell.la_code
            and year_pay_lines.census_year = by_spell.census_year
            and year_pay_lines.employee_pseudonym = by_spell.employee_pseudonym
),

spell_pay as (
    select
        la_code,
        census_year,
        employee_pseudonym,
        spell_number,
        sum(amount_gbp) filter (where pay_element in {{ rr_elements }}) as recruitment_retention_gbp,
        sum(amount_gbp) filter (where pay_element in ('overtime', 'other')) as other_payments_gbp
    from pay_line_spells
    where spell_rank = 1
    group by la_code, census_year, employee_pseudonym, spell_number
),

-- whether any pay line of the census year was delivered: without one, payments are not known
payroll_years as (
    select distinct
        la_code,
        census_year
    from year_pay_lines
),

latest_spell as (
    select
        la_code,
        census_year,
        employee_pseudonym,
        max(spell_number) as spell_number
    from spells
    group by la_code, census_year, employee_pseudonym
),

final as (
    select
        -- ids
        spells.la_code,
        spells.census_year,
        spells.employee_pseudonym,
        spells.spell_number,
        by_spell.swe_pseudonym,
        by_spell.assignment_ids,
        by_spell.date_of_birth_assignment_id,
        by_spell.date_of_birth_valid_from,

        -- starting and leaving
        spells.is_starter,
        spells.is_leaver,
        spells.start_origin,
        spells.leaving_reason,
        by_spell.leaver_destination,

        -- person and role
        by_spell.gender,
        by_spell.ethnicity,
        by_spell.qual_inst,
        by_spell.qual_level,
        by_spell.cfkss_status,
        by_spell.org_role,
        coalesce(routes.has_route, false) as has_route,
        coalesce(routes.is_step_up, false) as is_step_up,
        coalesce(routes.is_frontline, false) as is_frontline,

        -- numbers
        by_spell.fte_in_post,
        spells.starting_fte,
        spells.ending_fte,
        case when not spells.is_leaver then caseloads.cases end as cases,
        -- the year's sickness goes on the person's latest record
        case
            when latest_spell.spell_number is not null then coalesce(sickness.working_days_lost, 0)
            else 0
        end as working_days_lost,
        case when not spells.is_leaver then absent_on_census_date.absence_type end
            as absence_type_at_census_date,

        -- pay
        by_spell.base_salary_gbp,
        by_spell.posts_without_salary,
        case
            when payroll_years.la_code is not null
                then coalesce(spell_pay.recruitment_retention_gbp, 0)
        end as recruitment_retention_gbp,
        case
            when payroll_years.la_code is not null then coalesce(spell_pay.other_payments_gbp, 0)
        end as other_payments_gbp,

        -- dates
        spells.spell_start_date,
        spells.spell_end_date

    from spells
    inner join by_spell
        on
            spells.la_code = by_spell.la_code
            and spells.census_year = by_spell.census_year
            and spells.employee_pseudonym = by_spell.employee_pseudonym
            and spells.spell_number = by_spell.spell_number
    left join routes
        on
            spells.la_code = routes.la_code
            and spells.census_year = routes.census_year
            and spells.employee_pseudonym = routes.employee_pseudonym
    left join caseloads
        on
            spells.la_code = caseloads.la_code
            and spells.census_year = caseloads.census_year
            and spells.employee_pseudonym = caseloads.worker_pseudonym
    left join sickness
        on
            spells.la_code = sickness.la_code
            and spells.census_year = sickness.census_year
            and spells.employee_pseudonym = sickness.employee_pseudonym
    left join latest_spell
        on
            spells.la_code = latest_spell.la_code
            and spells.census_year = latest_spell.census_year
            and spells.employee_pseudonym = latest_spell.employee_pseudonym
            and spells.spell_number = latest_spell.spell_number
    left join absent_on_census_date
        on
            spells.la_code = absent_on_census_date.la_code
            and spells.census_year = absent_on_census_date.census_year
            and spells.employee_pseudonym = absent_on_census_date.employee_pseudonym
    left join spell_pay
        on
            spells.la_code = spell_pay.la_code
            and spells.census_year = spell_pay.census_year
            and spells.employee_pseudonym = spell_pay.employee_pseudonym
            and spells.spell_number = spell_pay.spell_number
    left join payroll_years
        on
            spells.la_code = payroll_years.la_code
            and spells.census_year = payroll_years.census_year
)

select * from final
