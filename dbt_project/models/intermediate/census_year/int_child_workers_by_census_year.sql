-- How many different workers each child had in the 12 months to each census date: every child
-- with an allocation overlapping the census year (1 Oct to 30 Sep, i.e. [30 Sep - 1 year + 1 day,
-- 30 Sep]) in the allocations basis snapshot, and the distinct workers allocated to them then.
with

allocations as (
    select * from {{ ref('int_case_allocations_at_census_basis') }}
    where {{ in_build_scope() }}
),

final as (
    select
        -- ids
        la_code,
        census_year,
        child_pseudonym,

        -- numbers
        count(distinct worker_source || ':' || worker_pseudonym) as worker_count,
        count(*) as allocation_count

    from allocations
    where allocation_start <= census_date
        and (allocation_end is null or allocation_end >= period_start_date)
    group by la_code, census_year, child_pseudonym
)

select * from final
