-- The caseload of each CFSW in post on the census date who holds at least one case: the
-- distinct children allocated to them that day, and the FTE of their in-post CFSW assignments.
-- Allocations name a worker by source: an employee's worker id is their employee id, an agency
-- worker's their agency worker id, so each is matched to its own extract.
with

allocations as (
    select * from {{ ref('int_case_allocations_at_census_basis') }}
),

staff as (
    select * from {{ ref('int_staff_assignments_at_census_basis') }}
),

agency as (
    select * from {{ ref('int_agency_assignments_at_census_basis') }}
),

in_post_cfsw_workers as (
    select
        la_code,
        census_year,
        'employee' as worker_source,
        employee_pseudonym as worker_pseudonym,
        sum(fte) as in_post_fte
    from staff
    where is_cfsw and is_in_post_at_census_date
    group by la_code, census_year, employee_pseudonym

    union all

    select
        la_code,
        census_year,
        'agency' as worker_source,
        agency_worker_pseudonym as worker_pseudonym,
        sum(fte) as in_post_fte
    from agency
    where is_cfsw and is_in_post_at_census_date
    group by la_code, census_year, agency_worker_pseudonym
),

-- a child allocated to two workers is a case of each of them
children_per_worker as (
    select
        la_code,
        census_year,
        worker_source,
        worker_pseudonym,
        count(distinct child_pseudonym) as cases
    from allocations
    where is_active_at_census_date
    group by la_code, census_year, worker_source, worker_pseudonym
),

final as (
    select
        -- ids
        workers.la_code,
        workers.census_year,
        workers.worker_source,
        workers.worker_pseudonym,

        -- numbers
        workers.in_post_fte,
        children_per_worker.cases

    from in_post_cfsw_workers as workers
    inner join children_per_worker
        on workers.la_code = children_per_worker.la_code
            and workers.census_year = children_per_worker.census_year
            and workers.worker_source = children_per_worker.worker_source
            and workers.worker_pseudonym = children_per_worker.worker_pseudonym
)

select * from final
