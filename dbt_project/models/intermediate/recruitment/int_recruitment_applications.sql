-- Each application as its latest version shows it, with the stages it reached. An application
-- that later drops out of the extract (older than its 24 months) keeps its last known state.
with

applications as (
    select * from {{ ref('stg_recruitment__applications') }}
    where {{ in_build_scope() }}
),

latest_versions as (
    select *
    from applications
    qualify row_number() over (
            partition by la_code, application_id
            order by valid_from desc
        ) = 1
),

-- a stage counts as reached when its date or a later stage's date is set (an offer made
-- without a recorded interview still passed it)
stages as (
    select
        *,
        start_date is not null as reached_started,
        offer_accepted_date is not null or start_date is not null as reached_accepted,
        offer_date is not null or offer_accepted_date is not null or start_date is not null
            as reached_offered,
        interviewed_date is not null or offer_date is not null
        or offer_accepted_date is not null or start_date is not null as reached_interviewed,
        shortlisted_date is not null or interviewed_date is not null or offer_date is not null
        or offer_accepted_date is not null or start_date is not null as reached_shortlisted
    from latest_versions
),

final as (
    select
        -- ids
        la_code,
        application_id,
        requisition_id,
        post_id,

        -- attributes
        service_area,
        team,
        org_role,
        coalesce(recruitment_route, 'not_recorded') as recruitment_route,
        reached_shortlisted,
        reached_interviewed,
        reached_offered,
        reached_accepted,
        reached_started,
        withdrawn_date is not null as is_withdrawn,
        withdrawn_by,
        case
            when withdrawn_date is null then null
            when reached_started then 'started'
            when reached_accepted then 'accepted'
            when reached_offered then 'offered'
            when reached_interviewed then 'interviewed'
            when reached_shortlisted then 'shortlisted'
            else 'applied'
        end as withdrawn_at_stage,
        -- an accepted offer still to start (as at the latest version)
        reached_accepted and not reached_started and withdrawn_date is null as is_in_pipeline,
        valid_to is null as is_in_newest_extract,

        -- numbers
        fte,

        -- dates
        requisition_opened,
        applied_date,
        offer_date,
        offer_accepted_date,
        planned_start_date,
        start_date,
        withdrawn_date,
        valid_from as latest_version_date

    from stages
)

select * from final
