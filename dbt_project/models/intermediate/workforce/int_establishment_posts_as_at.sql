-- Establishment posts as the establishment basis snapshot of each reporting date shows them; no
-- rows for a date without an establishment basis. A census date keeps every post of its
-- snapshot; a month end keeps those effective at some point in its month.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
),

posts as (
    select * from {{ ref('stg_hr__establishment') }}
),

final as (
    select
        -- ids
        reporting_dates.la_code,
        reporting_dates.date_kind,
        reporting_dates.reporting_date,
        reporting_dates.census_year,
        posts.post_id,

        -- attributes
        posts.social_work_post,
        posts.org_role,
        posts.service_area,
        posts.team,
        -- effective_to is the post's last day, so a post ending on the date still counts
        (
            posts.effective_from <= reporting_dates.reporting_date
            and (posts.effective_to is null or posts.effective_to >= reporting_dates.reporting_date)
        )
            as is_effective_at_reporting_date,

        -- numbers
        posts.budgeted_fte,

        -- dates
        reporting_dates.period_start_date,
        posts.effective_from,
        posts.effective_to

    from reporting_dates
    inner join posts
        on reporting_dates.la_code = posts.la_code
            and {{ version_valid_at('posts', 'reporting_dates.establishment_basis_date') }}
    where reporting_dates.date_kind = 'census_date'
        or (
            posts.effective_from <= reporting_dates.reporting_date
            and (posts.effective_to is null or posts.effective_to >= reporting_dates.period_start_date)
        )
)

select * from final
