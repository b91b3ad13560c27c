-- Employed assignments as the staff basis snapshot of each reporting date shows them
-- (macro records_as_at). An assignment whose end_date is the reporting date is not in post on it.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('stg_hr__staff') }}
    where {{ in_build_scope() }}
),

final as (
    {{ records_as_at(
        records='staff',
        basis_date='staff_basis_date',
        start_column='start_date',
        end_column='end_date',
        flag='is_in_post_at_reporting_date',
        ids=['assignment_id', 'employee_pseudonym', 'post_id'],
        attributes=[
            'is_cfsw', 'org_role', 'service_area', 'team', 'contract_type',
            'recruitment_route', 'start_origin', 'leaving_reason'
        ],
        numbers=['fte'],
        dates=['start_date', 'service_start_date', 'end_date']
    ) }}
)

select * from final
