-- The caseload on each reporting date of each CFSW in post that day who holds at least one
-- case: the distinct children allocated to them that day, the FTE of their in-post CFSW
-- assignments, and the service area and team of their main one. Allocations name a worker by
-- source: an employee's worker id is their employee id, an agency worker's their agency worker
-- id, so each is matched to its own extract.
with

allocations as (
    select * from {{ ref('int_case_allocations_as_at') }}
    where {{ in_build_scope() }}
),

staff as (
    select * from {{ ref('int_staff_assignments_as_at') }}
    where {{ in_build_scope() }}
),

agency as (
    select * from {{ ref('int_agency_assignments_as_at') }}
    where {{ in_build_scope() }}
),

in_post_cfsw_assignments as (
    select
        la_code,
        date_kind,
        reporting_date,
        census_year,
        'employee' as worker_source,
        employee_pseudonym as worker_pseudonym,
        assignment_id,
        service_area,
        team,
        fte,
        start_date
    from staff
    where is_cfsw and is_in_post_at_reporting_date

    union all

    select
        la_code,
        date_kind,
        reporting_date,
        census_year,
        'agency' as worker_source,
        agency_worker_pseudonym as worker_pseudonym,
        assignment_id,
        service_area,
        team,
        fte,
        start_date
    from agency
    where is_cfsw and is_in_post_at_reporting_date
),

-- a worker's main assignment: the largest FTE, then the earliest start, then the first id
ranked_assignments as (
    select
        *,
        row_number() over (
            partition by la_code, date_kind, reporting_date, worker_source, worker_pseudonym
            order by fte desc, start_date asc, assignment_id asc
        ) as assignment_rank
    from in_post_cfsw_assignments
),

main_assignments as (
    select *
    from ranked_assignments
    where assignment_rank = 1
),

in_post_cfsw_workers as (
    select
        la_code,
        date_kind,
        reporting_date,
        worker_source,
        worker_pseudonym,
        sum(fte) as in_post_fte
    from in_post_cfsw_assignments
    group by la_code, date_kind, reporting_date, worker_source, worker_pseudonym
),

-- a child allocated to two workers is a case of each of them
children_per_worker as (
    select
        la_code,
        date_kind,
        reporting_date,
        worker_source,
        worker_pseudonym,
        count(distinct child_pseudonym) as cases
    from allocations
    where is_active_at_reporting_date
    group by la_code, date_kind, reporting_date, worker_source, worker_pseudonym
),

final as (
    select
        -- ids
        workers.la_code,
        workers.date_kind,
        workers.reporting_date,
        main_assignments.census_year,
        workers.worker_source,
        workers.worker_pseudonym,

        -- attributes
        main_assignments.service_area,
        main_assignments.team,

        -- numbers
        workers.in_post_fte,
        children_per_worker.cases

    from in_post_cfsw_workers as workers
    inner join main_assignments
        on workers.la_code = main_assignments.la_code
            and workers.date_kind = main_assignments.date_kind
            and workers.reporting_date = main_assignments.reporting_date
            and workers.worker_source = main_assignments.worker_source
            and workers.worker_pseudonym = main_assignments.worker_pseudonym
    inner join children_per_worker
        on workers.la_code = children_per_worker.la_code
            and workers.date_kind = children_per_worker.date_kind
            and workers.reporting_date = children_per_worker.reporting_date
            and workers.worker_source = children_per_worker.worker_source
            and workers.worker_pseudonym = children_per_worker.worker_pseudonym
)

select * from final
