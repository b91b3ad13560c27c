-- Case allocations as the allocations basis snapshot of each reporting date shows them (macro
-- records_as_at); no rows for a date without an allocations basis. An allocation whose
-- allocation_end is the reporting date is not held on it.
with

reporting_dates as (
    select * from {{ ref('int_reporting_dates') }}
    where {{ in_build_scope() }}
),

allocations as (
    select * from {{ ref('stg_case_management__allocations') }}
    where {{ in_build_scope() }}
),

final as (
    {{ records_as_at(
        records='allocations',
        basis_date='allocations_basis_date',
        start_column='allocation_start',
        end_column='allocation_end',
        flag='is_active_at_reporting_date',
        ids=['allocation_id', 'child_pseudonym', 'worker_pseudonym'],
        attributes=['worker_source', 'case_type', 'team'],
        numbers=[],
        dates=['allocation_start', 'allocation_end']
    ) }}
)

select * from final
