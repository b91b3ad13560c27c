-- A KPI's targets (seed kpi_targets) apply to periods of census years that do not overlap, so
-- a census year's figure is judged against one target at most (a failing pair is returned).
with

targets as (
    select * from {{ ref('kpi_targets') }}
)

select
    earlier.kpi_code,
    earlier.applies_from,
    earlier.applies_to,
    later.applies_from as next_applies_from
from targets as earlier
inner join targets as later
    on
        earlier.kpi_code = later.kpi_code
        and coalesce(earlier.applies_from, -1) < coalesce(later.applies_from, -1)
where coalesce(earlier.applies_to, 9999) >= coalesce(later.applies_from, -1)
