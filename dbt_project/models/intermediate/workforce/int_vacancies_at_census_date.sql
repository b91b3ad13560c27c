-- Vacant FTE of each social-work post effective on the census date: budgeted FTE not covered
-- by employed CFSWs in post in it. Agency cover does not fill a vacancy (DfE).
with

posts as (
    select * from {{ ref('int_establishment_posts_at_census_basis') }}
),

staff as (
    select * from {{ ref('int_staff_assignments_at_census_basis') }}
),

social_work_posts as (
    select *
    from posts
    where social_work_post and is_effective_at_census_date
),

occupying_fte as (
    select
        la_code,
        census_year,
        post_id,
        sum(fte) as occupied_fte
    from staff
    where is_cfsw and is_in_post_at_census_date and post_id is not null
    group by la_code, census_year, post_id
),

final as (
    select
        -- ids
        social_work_posts.la_code,
        social_work_posts.census_year,
        social_work_posts.post_id,

        -- numbers
        social_work_posts.budgeted_fte,
        coalesce(occupying_fte.occupied_fte, 0) as occupied_fte,
        greatest(0, social_work_posts.budgeted_fte - coalesce(occupying_fte.occupied_fte, 0))
            as vacancy_fte

    from social_work_posts
    left join occupying_fte
        on social_work_posts.la_code = occupying_fte.la_code
            and social_work_posts.census_year = occupying_fte.census_year
            and social_work_posts.post_id = occupying_fte.post_id
)

select * from final
