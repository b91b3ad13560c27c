{{ config(materialized='view') }}
-- Establishment posts as the establishment basis snapshot of each census year shows them: the
-- census dates of int_establishment_posts_as_at.
with

posts as (
    select * from {{ ref('int_establishment_posts_as_at') }}
),

final as (
    select
        -- ids
        la_code,
        census_year,
        post_id,

        -- attributes
        social_work_post,
        org_role,
        service_area,
        team,
        is_effective_at_reporting_date as is_effective_at_census_date,

        -- numbers
        budgeted_fte,

        -- dates
        reporting_date as census_date,
        effective_from,
        effective_to

    from posts
    where date_kind = 'census_date'
)

select * from final
