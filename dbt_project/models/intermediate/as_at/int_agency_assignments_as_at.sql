-- Agency assignments as the agency basis snapshot of each reporting date shows them (macro
-- records_as_at); no rows for a date without an agency basis. An assignment whose end_date is
-- the reporting date is not in post on it.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
    where {{ in_build_scope() }}
),

agency as (
    select * from {{ ref('stg_agency__assignments') }}
    where {{ in_build_scope() }}
),

final as (
    {{ records_as_at(
        records='agency',
        basis_date='agency_basis_date',
        start_column='start_date',
        end_column='end_date',
        flag='is_in_post_at_reporting_date',
        ids=['assignment_id', 'agency_worker_pseudonym', 'post_id'],
        attributes=['is_cfsw', 'org_role', 'service_area', 'team', 'cover_reason'],
        numbers=['fte'],
        dates=['start_date', 'end_date']
    ) }}
)

select * from final
