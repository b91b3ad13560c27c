-- Employment assignments from HR, one row per assignment version. date_of_birth stops here:
-- only an age band at the version's valid_from and the census year of birth (a year, from
-- which the intermediate layer reads the age band at 30 Sep) go further.
with

source as (
    select * from {{ source('hr', 'hr_staff') }}
),

renamed as (
    select
        -- ids
        la_code,
        assignment_id,
        employee_pseudonym,
        post_id,
        swe_pseudonym,

        -- role
        coalesce(registered_social_worker, false) as registered_social_worker,
        cast(org_role as integer) as org_role,
        coalesce(registered_social_worker and org_role between 1 and 6, false) as is_cfsw,
        job_title,
        service_area,
        team,
        contract_type,
        recruitment_route,
        cast(cfkss_status as integer) as cfkss_status,
        cast(qual_level as integer) as qual_level,
        qual_inst,

        -- person
        cast(gender as integer) as gender,
        ethnicity,
        case
            when date_of_birth is null then null
            when date_sub('year', date_of_birth, valid_from) < 30 then '<30'
            when date_sub('year', date_of_birth, valid_from) < 40 then '30-39'
            when date_sub('year', date_of_birth, valid_from) < 50 then '40-49'
            when date_sub('year', date_of_birth, valid_from) < 60 then '50-59'
            else '60+'
        end as age_band,
        -- the census year (1 Oct - 30 Sep) the birthday falls in: at 30 Sep of census year Y
        -- the person is Y - census_year_of_birth (born 30 Sep 1994: 1994; 1 Oct 1994: 1995)
        year(date_of_birth + interval 3 month) as census_year_of_birth,

        -- starting and leaving
        cast(start_origin as integer) as start_origin,
        cast(leaving_reason as integer) as leaving_reason,
        cast(leaver_destination as integer) as leaver_destination,

        -- numbers
        fte,
        base_salary_gbp,

        -- dates
        start_date,
        service_start_date,
        end_date,

        -- version
        valid_from,
        valid_to,
        file_id,
        source_row

    from source
),

final as (
    select * from renamed
)

select * from final
