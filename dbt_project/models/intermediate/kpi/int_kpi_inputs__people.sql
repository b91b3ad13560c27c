-- The people analyses of each census year, over the CFSW spells (int_cfsw_spells) and the CFSW
-- assignment starts (int_cfsw_assignment_starts): starters and leavers as headcounts, first-year
-- leavers, ASYEs in post, the workforce's length of service and make-up, promotions, internal
-- fills, and leavers and turnover (FTE) by role and service area. Headcounts count distinct
-- people; a breakdown value has a row only when it counts someone, a headline count has one
-- (0 when nobody) for every census year with a staff basis snapshot.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

spells as (
    select * from {{ ref('int_cfsw_spells') }}
),

assignment_starts as (
    select * from {{ ref('int_cfsw_assignment_starts') }}
),

in_post_by_role_and_area as (
    select * from {{ ref('int_establishment_by_role_at_census_date') }}
    where breakdown in ('org_role', 'service_area')
),

-- who each headcount counts: one row per person, KPI, breakdown and value
counted_people as (
    select
        spells.la_code,
        spells.census_year,
        spells.employee_pseudonym,
        breakdowns.kpi_code,
        breakdowns.breakdown,
        breakdowns.breakdown_value
    from spells,
        lateral (
            values
            -- kpi_code, breakdown, breakdown_value, whether the spell counts
            ('starters_headcount', 'total', 'total', spells.is_starter),
            (
                'starters_headcount',
                'recruitment_route',
                coalesce(spells.recruitment_route, 'not_recorded'),
                spells.is_starter
            ),
            (
                'starters_headcount',
                'start_origin',
                coalesce(cast(spells.start_origin as varchar), 'not_recorded'),
                spells.is_starter
            ),
            ('leavers_headcount', 'total', 'total', spells.is_leaver),
            ('leavers_headcount', 'service_band', spells.service_band, spells.is_leaver),
            (
                'leavers_headcount',
                'leaving_reason',
                coalesce(cast(spells.leaving_reason as varchar), 'not_recorded'),
                spells.is_leaver
            ),
            ('leavers_headcount', 'org_role', cast(spells.org_role as varchar), spells.is_leaver),
            ('leavers_headcount', 'service_area', spells.service_area, spells.is_leaver),
            ('first_year_leavers_headcount', 'total', 'total', spells.is_first_year_leaver),
            (
                'asye_inpost_headcount',
                'total',
                'total',
                spells.is_in_post_at_census_date and spells.cfkss_status = 1
            ),
            (
                'asye_inpost_headcount',
                'service_area',
                spells.service_area,
                spells.is_in_post_at_census_date and spells.cfkss_status = 1
            ),
            (
                'inpost_headcount',
                'service_band',
                spells.service_band,
                spells.is_in_post_at_census_date
            ),
            (
                'inpost_headcount',
                'gender',
                -- CSWW 0: not known
                cast(coalesce(spells.gender, 0) as varchar),
                spells.is_in_post_at_census_date
            ),
            (
                'inpost_headcount',
                'ethnic_group',
                case
                    when spells.ethnicity in ('CHNE', 'OOTH') then 'other'
                    when left(spells.ethnicity, 1) = 'W' then 'white'
                    when left(spells.ethnicity, 1) = 'M' then 'mixed'
                    when left(spells.ethnicity, 1) = 'A' then 'asian'
                    when left(spells.ethnicity, 1) = 'B' then 'black'
                    -- REFU (refused), NOBT (not obtained) or none delivered
                    else 'not_known'
                end,
                spells.is_in_post_at_census_date
            ),
            (
                'inpost_headcount',
                'age_band',
                coalesce(spells.age_band, 'not_known'),
                spells.is_in_post_at_census_date
            )
        ) as breakdowns (kpi_code, breakdown, breakdown_value, is_counted)
    where breakdowns.is_counted

    union all

    select
        assignment_starts.la_code,
        assignment_starts.census_year,
        assignment_starts.employee_pseudonym,
        'promotions_headcount' as kpi_code,
        breakdowns.breakdown,
        breakdowns.breakdown_value
    from assignment_starts,
        lateral (
            values ('total', 'total'), ('promoted_to', assignment_starts.promoted_to)
        ) as breakdowns (breakdown, breakdown_value)
    where assignment_starts.promoted_to is not null
),

-- the headline counts of a year nobody is counted in are 0, not missing
nobody_counted as (
    select
        census_years.la_code,
        census_years.census_year,
        cast(null as varchar) as employee_pseudonym,
        codes.kpi_code,
        'total' as breakdown,
        'total' as breakdown_value
    from census_years,
        (
            values
            ('starters_headcount'),
            ('leavers_headcount'),
            ('first_year_leavers_headcount'),
            ('asye_inpost_headcount'),
            ('promotions_headcount')
        ) as codes (kpi_code)
    where census_years.staff_basis_date is not null
),

headcounts as (
    select
        la_code,
        census_year,
        kpi_code,
        breakdown,
        breakdown_value,
        count(distinct employee_pseudonym) as numerator,
        cast(null as bigint) as denominator
    from (
        select * from counted_people
        union all
        select * from nobody_counted
    ) as people
    group by la_code, census_year, kpi_code, breakdown, breakdown_value
),

first_year_leavers_share as (
    select
        la_code,
        census_year,
        'first_year_leavers_percent' as kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        count(distinct employee_pseudonym) filter (where is_first_year_leaver) as numerator,
        count(distinct employee_pseudonym) as denominator
    from spells
    where is_leaver
    group by la_code, census_year
),

internal_fill_share as (
    select
        la_code,
        census_year,
        'internal_fill_percent' as kpi_code,
        'total' as breakdown,
        'total' as breakdown_value,
        count(*) filter (where is_internal_fill) as numerator,
        count(*) as denominator
    from assignment_starts
    group by la_code, census_year
),

-- leavers' FTE under the role and area of their main assignment, over the FTE in post there
leavers_fte_by_role_and_area as (
    select
        spells.la_code,
        spells.census_year,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        sum(spells.ending_fte) as leavers_fte
    from spells,
        lateral (
            values
            ('org_role', cast(spells.org_role as varchar)),
            ('service_area', spells.service_area)
        ) as breakdowns (breakdown, breakdown_value)
    where spells.is_leaver
    group by all
),

turnover_by_role_and_area as (
    select
        coalesce(leavers.la_code, in_post.la_code) as la_code,
        coalesce(leavers.census_year, in_post.census_year) as census_year,
        rates.kpi_code,
        coalesce(leavers.breakdown, in_post.breakdown) as breakdown,
        coalesce(leavers.breakdown_value, in_post.breakdown_value) as breakdown_value,
        rates.numerator,
        rates.denominator
    from leavers_fte_by_role_and_area as leavers
    full outer join in_post_by_role_and_area as in_post
        on
            leavers.la_code = in_post.la_code
            and leavers.census_year = in_post.census_year
            and leavers.breakdown = in_post.breakdown
            and leavers.breakdown_value = in_post.breakdown_value,
        lateral (
            values
            ('leavers_fte', leavers.leavers_fte, null),
            ('turnover_rate_fte', coalesce(leavers.leavers_fte, 0), in_post.inpost_fte)
        ) as rates (kpi_code, numerator, denominator)
    -- a value without leavers has no leavers_fte row (as by the other breakdowns)
    where rates.kpi_code = 'turnover_rate_fte' or leavers.leavers_fte is not null
),

inputs as (
    select * from headcounts
    union all by name
    select * from first_year_leavers_share
    union all by name
    select * from internal_fill_share
    union all by name
    select * from turnover_by_role_and_area
),

final as (
    select
        inputs.la_code,
        inputs.kpi_code,
        inputs.breakdown,
        inputs.breakdown_value,
        'census_year' as period_type,
        census_years.period_start_date as period_start,
        census_years.census_date as period_end,
        inputs.census_year,
        cast(inputs.numerator as decimal(38, 12)) as numerator,
        cast(inputs.denominator as decimal(38, 12)) as denominator
    from inputs
    inner join census_years
        on inputs.la_code = census_years.la_code
            and inputs.census_year = census_years.census_year
)

select * from final
