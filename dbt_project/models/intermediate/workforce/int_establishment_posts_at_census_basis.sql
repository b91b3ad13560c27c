-- Establishment posts as the establishment basis snapshot of each census year shows them.
with

census_years as (
    select * from {{ ref('int_census_years') }}
),

posts as (
    select * from {{ ref('stg_hr__establishment') }}
),

final as (
    select
        -- ids
        census_years.la_code,
        census_years.census_year,
        posts.post_id,

        -- attributes
        posts.social_work_post,
        posts.org_role,
        posts.service_area,
        posts.team,
        -- effective_to is the post's last day, so a post ending on 30 Sep still counts
        (
            posts.effective_from <= census_years.census_date
            and (posts.effective_to is null or posts.effective_to >= census_years.census_date)
        )
            as is_effective_at_census_date,

        -- numbers
        posts.budgeted_fte,

        -- dates
        census_years.census_date,
        posts.effective_from,
        posts.effective_to

    from census_years
    inner join posts
        on census_years.la_code = posts.la_code
            and {{ version_valid_at('posts', 'census_years.establishment_basis_date') }}
)

select * from final
