-- Price-cap exceptions signed off, per authority, quarter, role category and the role of the
-- senior officer who signed (as delivered: a role, never a name): assignments active in the
-- quarter whose pay rate plus on-costs exceed the region's cap.
with

flags as (
    select * from {{ ref('int_agency_rule_flags') }}
),

quarters as (
    select * from {{ ref('int_agency_rules_by_quarter') }}
),

final as (
    select
        quarters.la_code,
        quarters.quarter,
        quarters.quarter_start,
        flags.role_category,
        flags.cap_exceeded_approved_by as approved_by,
        cast(count(*) as integer) as assignments
    from quarters
    inner join flags
        on quarters.la_code = flags.la_code
            and quarters.quarter_end >= flags.start_date
            and (flags.end_date is null or quarters.quarter_start <= flags.end_date)
    where flags.is_over_cap_approved
    group by all
)

select * from final
order by la_code, quarter_start, role_category, approved_by
