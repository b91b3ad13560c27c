-- The agency assignments the agency rules apply to: the current version (as the newest agency
-- snapshot shows it) of every assignment of a registered social worker, with the authority's
-- region and the facts each rule reads. Incremental by authority: every input is the
-- authority's own (the region comes from the seed, which a change rebuilds in full).
with

agency as (
    select * from {{ ref('stg_agency__assignments') }}
    where {{ in_build_scope() }}
),

authorities as (
    select * from {{ ref('dfe_authorities') }}
),

final as (
    select
        -- ids
        agency.la_code,
        agency.assignment_id,
        agency.swe_pseudonym,
        authorities.region_name,

        -- rule inputs
        agency.role_category,
        agency.cover_reason,
        agency.hourly_pay_rate_gbp,
        agency.hourly_oncosts_gbp,
        agency.hourly_pay_rate_gbp + coalesce(agency.hourly_oncosts_gbp, 0) as hourly_cost_gbp,
        agency.cap_exceeded_approved_by,
        agency.pqe_la_years,
        agency.pqe_la_years < 3 as is_under_3_years_pqe,
        coalesce(agency.project_team, false) as is_project_team,
        coalesce(agency.practice_reference_received, false) as has_practice_reference,

        -- dates
        agency.start_date,
        agency.end_date,
        agency.valid_from

    from agency
    left join authorities
        on agency.la_code = authorities.la_code
    where agency.valid_to is null
        and agency.registered_social_worker
)

select * from final
