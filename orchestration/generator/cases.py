"""Case allocations: which children's cases each case-holding worker holds, and when.

Every case holder (employee or agency, role 4-5, in a case-holding team) has a caseload of
"slots" sized from the authority's caseload target and their FTE. Each slot holds one case at a
time, one after another. Children are then threaded through the slots in time order:
  - when a worker leaves or moves, each open case ends and the child waits in the team's queue
    for the next free slot (a reallocation, so a child sees several workers);
  - when a case closes, some children pass to another area (assessment -> child protection ->
    looked after -> care leaver) and wait in that area's queue;
  - a few cases are co-worked: a second worker in the same team holds the same child.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from orchestration.generator import reference as ref
from orchestration.generator.agency import Agency
from orchestration.generator.profile import AuthorityProfile
from orchestration.generator.timeline import OPEN, Timeline, day_number
from orchestration.generator.workforce import MAIN, Workforce

CASE_HOLDING_ROLES = (ref.SENIOR_PRACTITIONER, ref.CASE_HOLDER)
ROLE_CASELOAD = {ref.CASE_HOLDER: 1.0, ref.SENIOR_PRACTITIONER: 0.75}
ASYE_CASELOAD = 0.8  # newly qualified workers have protected caseloads
# Slots per FTE above the caseload target, so that the authority's average lands on it despite
# the smaller caseloads of senior practitioners and ASYEs, new workers building theirs up over
# weeks, and slots standing empty for a few days between cases.
CASELOAD_CALIBRATION = 1.16
RAMP_UP_DAYS = 42
GAP_DAYS = 4  # mean days a slot stands empty between cases
CO_WORKED = 0.02
UNALLOCATED_LIMIT = 60  # days a child waits for a worker before the case is closed instead
HISTORY_DAYS = 400  # allocations of workers in post at the start reach back this far
NATURAL, WORKER_LEFT, STILL_OPEN = 0, 1, 2
SETTLING_DAYS = (56, 90, 270)  # a case added for a census day: opened up to, mean, at most after


@dataclass(frozen=True)
class CaseHolders:
    """One element per case-holding interval of an employee or agency assignment."""

    is_agency: np.ndarray
    worker: np.ndarray  # employee person index or agency worker index
    team: np.ndarray
    start: np.ndarray
    last: np.ndarray  # last day holding cases (the end date, or the end of the simulation)
    still_holding: np.ndarray  # still in post at the end of the simulation
    capacity: np.ndarray


@dataclass(frozen=True)
class Allocations:
    """One element per allocation, ordered by start."""

    holder: np.ndarray  # index into CaseHolders
    child: np.ndarray
    case_type: np.ndarray  # index into reference.CASE_TYPES
    start: np.ndarray
    end: np.ndarray  # OPEN while still allocated


def case_holders(
    workforce: Workforce,
    agency: Agency,
    profile: AuthorityProfile,
    timeline: Timeline,
    rng: np.random.Generator,
) -> CaseHolders:
    holding_team = np.array([a in ref.NEW_CASE_TYPES for a in workforce.organisation.team_areas])
    employees = np.flatnonzero(
        workforce.is_cfsw
        & (workforce.kind == MAIN)
        & np.isin(workforce.role, CASE_HOLDING_ROLES)
        & holding_team[workforce.team]
    )
    agency_rows = np.flatnonzero(
        agency.registered & np.isin(agency.role, CASE_HOLDING_ROLES) & holding_team[agency.team]
    )
    role = np.concatenate([workforce.role[employees], agency.role[agency_rows]])
    factor = np.where(
        role == ref.CASE_HOLDER,
        ROLE_CASELOAD[ref.CASE_HOLDER],
        ROLE_CASELOAD[ref.SENIOR_PRACTITIONER],
    )
    factor[: len(employees)] *= np.where(workforce.cfkss[employees] == ref.ASYE, ASYE_CASELOAD, 1)
    fte = np.concatenate([workforce.fte[employees], agency.fte[agency_rows]])
    target = profile.caseload * CASELOAD_CALIBRATION * fte * factor
    capacity = np.maximum(np.rint(target * rng.uniform(0.85, 1.15, len(target))), 1)
    end = np.concatenate([workforce.end[employees], agency.end[agency_rows]])
    return CaseHolders(
        is_agency=np.repeat([False, True], [len(employees), len(agency_rows)]),
        worker=np.concatenate([workforce.person[employees], agency.worker[agency_rows]]),
        team=np.concatenate([workforce.team[employees], agency.team[agency_rows]]),
        start=np.concatenate([workforce.start[employees], agency.start[agency_rows]]),
        last=np.minimum(end, timeline.end_day),
        still_holding=end == OPEN,
        capacity=capacity.astype(np.int64),
    )


@dataclass(frozen=True)
class SlotCases:
    """Cases held back to back in each slot, before children are assigned; by start."""

    holder: np.ndarray
    start: np.ndarray
    end: np.ndarray
    case_type: np.ndarray  # the type a new child in the slot's team gets
    how_ended: np.ndarray  # NATURAL, WORKER_LEFT or STILL_OPEN


def slot_cases(holders: CaseHolders, team_areas: tuple[str, ...], timeline: Timeline, rng):
    areas = list(ref.NEW_CASE_TYPES)
    area_of_team = np.array([areas.index(a) if a in areas else -1 for a in team_areas])
    weights = np.array([[ref.NEW_CASE_TYPES[a].get(t, 0.0) for t in ref.CASE_TYPES] for a in areas])
    cumulative = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    min_days = np.array([ref.ALLOCATION_DAYS[t][0] for t in ref.CASE_TYPES])
    mean_days = np.array([ref.ALLOCATION_DAYS[t][1] for t in ref.CASE_TYPES])

    holder = np.repeat(np.arange(len(holders.capacity)), holders.capacity)
    start = holders.start[holder]
    in_post_at_start = start < timeline.start_day
    ramp_up = rng.integers(0, RAMP_UP_DAYS, len(holder))
    backdated = np.maximum(start, timeline.start_day - rng.integers(0, HISTORY_DAYS, len(holder)))
    day = np.where(in_post_at_start, backdated, start + ramp_up)
    last = holders.last[holder]
    slot_area = area_of_team[holders.team[holder]]
    ends_open = holders.still_holding[holder]

    cases = []
    active = np.flatnonzero(day <= last)
    while len(active):
        case_type = (rng.random(len(active))[:, None] > cumulative[slot_area[active]]).sum(axis=1)
        length = min_days[case_type] + rng.exponential(mean_days[case_type]).astype(np.int64)
        first = day[active]
        end = first + length - 1
        cut = end >= last[active]
        how = np.where(cut, np.where(ends_open[active], STILL_OPEN, WORKER_LEFT), NATURAL)
        end = np.where(cut, np.where(ends_open[active], OPEN, last[active]), end)
        cases.append((holder[active], first, end, case_type, how))
        day[active] = end + 1 + rng.poisson(GAP_DAYS, len(active))
        active = active[~cut & (day[active] <= last[active])]
    columns = [np.concatenate(c) for c in zip(*cases, strict=True)]
    order = np.lexsort((columns[0], columns[1]))
    return SlotCases(*(c[order] for c in columns))


def onward_transfers(case_area: np.ndarray, areas: list[str], rng) -> tuple[np.ndarray, ...]:
    """Per case: the area index its child moves on to when the case closes (-1: none) and the
    child's new case type there."""
    area = np.full(len(case_area), -1)
    case_type = np.zeros(len(case_area), dtype=np.int64)
    moves_on = rng.random(len(case_area))
    for source, (target, types, chance) in ref.CASE_TRANSFERS.items():
        passed_on = (case_area == source) & (moves_on < chance)
        if target not in areas or not passed_on.any():
            continue
        area[passed_on] = areas.index(target)
        new_types = np.array([ref.CASE_TYPES.index(t) for t in types])
        case_type[passed_on] = rng.choice(new_types, size=passed_on.sum(), p=list(types.values()))
    return area, case_type


def allocate_children(
    holders: CaseHolders, team_areas: tuple[str, ...], timeline: Timeline, rng
) -> Allocations:
    cases = slot_cases(holders, team_areas, timeline, rng)
    team = holders.team[cases.holder]
    areas = sorted(set(team_areas))
    area_of_team = np.array([areas.index(a) for a in team_areas])
    transfer_area, transfer_type = onward_transfers(np.array(team_areas)[team], areas, rng)
    co_work = rng.random(len(team)) < CO_WORKED

    # Events in time order: a case that ends frees its child the next day, before that day's
    # new cases take children from the queues.
    finished = np.flatnonzero(cases.how_ended != STILL_OPEN)
    event_day = np.concatenate([cases.start, cases.end[finished] + 1])
    event_is_start = np.concatenate([np.ones(len(team), bool), np.zeros(len(finished), bool)])
    event_case = np.concatenate([np.arange(len(team)), finished])
    order = np.lexsort((event_case, event_is_start, event_day))

    # Plain lists: this loop runs once per event, numpy element access would dominate it.
    child = [-1] * len(team)
    types = cases.case_type.tolist()
    co_worked = [False] * len(team)
    team_of, area_of = team.tolist(), area_of_team[team].tolist()
    holder_of, end_of, how_of = cases.holder.tolist(), cases.end.tolist(), cases.how_ended.tolist()
    to_area, to_type, wants_co_work = (
        transfer_area.tolist(),
        transfer_type.tolist(),
        co_work.tolist(),
    )
    team_queues = [deque() for _ in team_areas]
    area_queues = [deque() for _ in areas]
    latest_in_team = [-1] * len(team_areas)
    children = 0
    events = zip(
        event_case[order].tolist(),
        event_is_start[order].tolist(),
        event_day[order].tolist(),
        strict=True,
    )
    for case, is_start, day in events:
        t = team_of[case]
        if not is_start:
            if co_worked[case]:
                continue
            if how_of[case] == WORKER_LEFT:
                team_queues[t].append((day, child[case], types[case]))
            elif to_area[case] >= 0:
                area_queues[to_area[case]].append((day, child[case], to_type[case]))
            continue
        waiting = _next_waiting(team_queues[t], day) or _next_waiting(
            area_queues[area_of[case]], day
        )
        other = latest_in_team[t]
        if waiting:
            child[case], types[case] = waiting[1], waiting[2]
        elif (
            wants_co_work[case]
            and other >= 0
            and end_of[other] >= day
            and holder_of[other] != holder_of[case]
        ):
            child[case], types[case] = child[other], types[other]
            co_worked[case] = True
        else:
            child[case] = children
            children += 1
        if not co_worked[case]:
            latest_in_team[t] = case
    return Allocations(
        holder=cases.holder,
        child=np.array(child, dtype=np.int64),
        case_type=np.array(types, dtype=np.int64),
        start=cases.start,
        end=cases.end,
    )


def _next_waiting(queue: deque, day: int):
    """The child waiting longest, dropping those whose wait ran out (their case was closed)."""
    while queue and queue[0][0] < day - UNALLOCATED_LIMIT:
        queue.popleft()
    return queue.popleft() if queue else None


def census_day_caseloads(
    holders: CaseHolders,
    allocations: Allocations,
    workforce: Workforce,
    agency: Agency,
    day: int,
) -> dict[tuple[bool, int], tuple[float, list[int]]]:
    """Per worker holding a case on `day` (agency or not, worker index): the FTE of their
    in-post CFSW assignments and their allocations active that day, as the pipeline counts
    caseloads (cases are the distinct children among them)."""
    fte: dict[tuple[bool, int], float] = {}
    employed = workforce.is_cfsw & (workforce.start <= day) & (workforce.end > day)
    for person, f in zip(
        workforce.person[employed].tolist(), workforce.fte[employed].tolist(), strict=True
    ):
        fte[(False, person)] = fte.get((False, person), 0.0) + f
    hired = agency.registered & (agency.role > 0) & (agency.start <= day) & (agency.end > day)
    for worker, f in zip(agency.worker[hired].tolist(), agency.fte[hired].tolist(), strict=True):
        fte[(True, worker)] = fte.get((True, worker), 0.0) + f
    active = np.flatnonzero((allocations.start <= day) & (allocations.end > day))
    held: dict[tuple[bool, int], list[int]] = {}
    for a, h in zip(active.tolist(), allocations.holder[active].tolist(), strict=True):
        key = (bool(holders.is_agency[h]), int(holders.worker[h]))
        if key in fte:
            held.setdefault(key, []).append(a)
    return {key: (fte[key], cases) for key, cases in held.items()}


def settle_caseloads(
    holders: CaseHolders,
    allocations: Allocations,
    workforce: Workforce,
    agency: Agency,
    profile: AuthorityProfile,
    timeline: Timeline,
    rng: np.random.Generator,
) -> Allocations:
    """On each calibrated census day the cases per case-holder FTE meet DfE's caseload: new
    children are allocated to the case holders with the lightest caseloads (opened in the weeks
    before, closing within the year), or the heaviest close a case the day itself."""
    for census in timeline.census_dates:
        counts = profile.counts_of(census.year)
        if not counts:
            continue
        day = day_number(census)
        caseloads = census_day_caseloads(holders, allocations, workforce, agency, day)
        holder_fte = sum(f for f, _ in caseloads.values())
        cases = {key: len(set(allocations.child[a].tolist())) for key, (_, a) in caseloads.items()}
        gap = round(counts.caseload * holder_fte) - sum(cases.values())
        end = allocations.end.copy()
        if gap < 0:
            heaviest = [(-cases[k] / f, k) for k, (f, _) in caseloads.items() if cases[k] > 1]
            heapq.heapify(heaviest)
            while gap < 0 and heaviest:
                _, key = heapq.heappop(heaviest)
                closable = [
                    a for a in caseloads[key][1] if allocations.start[a] < day and end[a] > day
                ]
                children = allocations.child[closable]
                unique = [
                    a
                    for a, c in zip(closable, children.tolist(), strict=True)
                    if (children == c).sum() == 1
                ]
                if not unique:
                    continue
                end[unique[int(rng.integers(len(unique)))]] = day
                cases[key] -= 1
                gap += 1
                if cases[key] > 1:
                    heapq.heappush(heaviest, (-cases[key] / caseloads[key][0], key))
            allocations = replace(allocations, end=end)
            continue
        lightest = [(cases[k] / f, k) for k, (f, _) in caseloads.items()]
        heapq.heapify(lightest)
        added = []
        next_child = int(allocations.child.max()) + 1 if len(allocations.child) else 0
        for _ in range(gap):
            _, key = heapq.heappop(lightest)
            holder = int(allocations.holder[caseloads[key][1][0]])
            area = workforce.organisation.team_areas[holders.team[holder]]
            types = ref.NEW_CASE_TYPES.get(area, {"assessment": 1.0})
            case_type = ref.CASE_TYPES.index(
                str(rng.choice(list(types), p=np.array(list(types.values())) / sum(types.values())))
            )
            earliest, mean, latest = SETTLING_DAYS
            start = max(day - int(rng.integers(0, earliest)), int(holders.start[holder]))
            finish = day + 1 + int(min(rng.exponential(mean), latest))
            if finish >= holders.last[holder]:
                finish = OPEN if holders.still_holding[holder] else int(holders.last[holder])
            added.append((holder, next_child, case_type, start, finish))
            next_child += 1
            cases[key] += 1
            heapq.heappush(lightest, (cases[key] / caseloads[key][0], key))
        if added:
            holder, child, case_type, start, finish = (
                np.array(c, dtype=np.int64) for c in zip(*added, strict=True)
            )
            allocations = _by_start(
                Allocations(
                    holder=np.concatenate([allocations.holder, holder]),
                    child=np.concatenate([allocations.child, child]),
                    case_type=np.concatenate([allocations.case_type, case_type]),
                    start=np.concatenate([allocations.start, start]),
                    end=np.concatenate([allocations.end, finish]),
                )
            )
    return allocations


def _by_start(allocations: Allocations) -> Allocations:
    order = np.lexsort((allocations.holder, allocations.start))
    return Allocations(*(column[order] for column in (
        allocations.holder, allocations.child, allocations.case_type, allocations.start,
        allocations.end,
    )))  # fmt: skip
