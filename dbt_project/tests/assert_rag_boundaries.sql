-- The RAG rule at its edges (a failing row is returned): on the target, just past it, at the
-- end of the amber band and beyond; for "below 15" (on target is not met) and "at most 15", and
-- for every target the council configured in kpi_targets (so Dagster shows this as its check).
with

fixed_cases (worse_by, amber_band, on_target_is_met, expected) as (
    values
    (-0.1, 2.0, false, 'green'),
    (0.0, 2.0, true, 'green'),
    (0.0, 2.0, false, 'amber'),
    (0.1, 2.0, true, 'amber'),
    (2.0, 2.0, true, 'amber'),
    (2.1, 2.0, true, 'red')
),

configured_cases as (
    select
        edges.worse_by,
        targets.amber_band,
        targets.on_target_is_met,
        edges.expected
    from {{ ref('kpi_targets') }} as targets,
        lateral (
            values
            (-0.01, 'green'),
            (0.0, case when targets.on_target_is_met then 'green' else 'amber' end),
            (targets.amber_band, 'amber'),
            (targets.amber_band + 0.01, 'red')
        ) as edges (worse_by, expected)
),

cases as (
    select * from fixed_cases
    union all
    select * from configured_cases
)

select *
from cases
where {{ rag('worse_by', 'amber_band', 'on_target_is_met') }} is distinct from expected
