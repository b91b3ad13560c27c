-- The RAG rule at its edges (a failing row is returned): on the target, just past it, at the
-- end of the amber band and beyond; for "below 15" (on target is not met) and "at most 15".
with cases (worse_by, amber_band, on_target_is_met, expected) as (
    values
    (-0.1, 2.0, false, 'green'),
    (0.0, 2.0, true, 'green'),
    (0.0, 2.0, false, 'amber'),
    (0.1, 2.0, true, 'amber'),
    (2.0, 2.0, true, 'amber'),
    (2.1, 2.0, true, 'red')
)

select *
from cases
where {{ rag('worse_by', 'amber_band', 'on_target_is_met') }} is distinct from expected
