-- Vacant FTE of each social-work post effective on each reporting date: budgeted FTE not covered
-- by employed CFSWs in post in it that day. Agency cover does not fill a vacancy (DfE).
with

posts as (
    select * from {{ ref('int_establishment_posts_as_at') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('int_staff_assignments_as_at') }}
    where {{ in_build_scope() }}
),

social_work_posts as (
    select *
    from posts
    where social_work_post and is_effective_at_reporting_date
),

occupying_fte as (
    select
        la_code,
        date_kind,
        reporting_date,
        post_id,
        sum(fte) as occupied_fte
    from staff
    where is_cfsw and is_in_post_at_reporting_date and post_id is not null
    group by la_code, date_kind, reporting_date, post_id
),

final as (
    select
        -- ids
        social_work_posts.la_code,
        social_work_posts.date_kind,
        social_work_posts.reporting_date,
        social_work_posts.census_year,
        social_work_posts.post_id,

        -- attributes
        social_work_posts.service_area,
        social_work_posts.team,
        social_work_posts.org_role,

        -- numbers
        social_work_posts.budgeted_fte,
        coalesce(occupying_fte.occupied_fte, 0) as occupied_fte,
        greatest(0, social_work_posts.budgeted_fte - coalesce(occupying_fte.occupied_fte, 0))
            as vacancy_fte

    from social_work_posts
    left join occupying_fte
        on social_work_posts.la_code = occupying_fte.la_code
            and social_work_posts.date_kind = occupying_fte.date_kind
            and social_work_posts.reporting_date = occupying_fte.reporting_date
            and social_work_posts.post_id = occupying_fte.post_id
)

select * from final
