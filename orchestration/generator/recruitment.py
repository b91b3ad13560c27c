"""The applicant tracking system's applications, built around the starters the simulation hired.

Every registered social worker who started from outside (any route but `internal` and
`agency_conversion`) was hired through a requisition: their application carries their HR
employee number as candidate_id and their post, team, role, route, FTE and start date, with
the stages before it (time to hire about 2-4 months, offer to start about 1-3 months, checks
cleared about three weeks after acceptance; a quarter agree their start date only then).
Other candidates apply to the same requisition and fall away at each stage, rejected by the
employer or withdrawing themselves, some after accepting an offer. Offers accepted near the end
of the history whose start lies beyond it are the pipeline: never in hr_staff, some without an
agreed start date yet.

Everything is drawn from the recruitment stream of the authority alone, so no other extract's
draws move. Each snapshot shows the applications made by its date with only the stages reached
by then, so an application changes between snapshots only when it moves on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from orchestration.generator.timeline import OPEN, RETENTION_MONTHS, day_number, months_before

NOT_RECRUITED = ("", "internal", "agency_conversion")  # routes that fill no requisition
SHARED_REQUISITION = 0.2  # a hire shares the previous hire's requisition in the team
OTHER_APPLICANTS_MEAN = 6  # applicants per requisition besides those hired
# chance of passing each stage for an applicant not hired: shortlisted, interviewed, offered,
# accepted; an accepted one then withdraws (or fails the checks)
PASS = (0.45, 0.7, 0.25, 0.7)
CANDIDATE_WITHDRAWS = (0.1, 0.4, 0.2, 1.0, 0.7)  # else the employer rejects, by stage reached
PIPELINE_MONTHS = 2.0  # accepted offers beyond the history: this many months' hires
NO_PLANNED_START = 0.25  # of those, not yet agreed a start date
START_AGREED_AT_CHECKS = 0.25  # of hires, the start date agreed only once the checks cleared

STAGES = (
    "requisition_opened", "applied_date", "shortlisted_date", "interviewed_date", "offer_date",
    "offer_accepted_date", "checks_cleared_date", "planned_start_date", "start_date",
    "withdrawn_date",
)  # fmt: skip


@dataclass
class Applications:
    """Every application ever made, its stage dates as day numbers (OPEN: never reached)."""

    hired: np.ndarray  # the candidate is the employee of `row` (else a candidate never employed)
    requisition: np.ndarray
    row: np.ndarray  # the hr_staff row whose post, team, role, route and FTE it carries
    dates: dict[str, np.ndarray]
    withdrawn_by: np.ndarray  # "" unless withdrawn
    start_agreed: np.ndarray  # the day planned_start_date became known


def simulate_recruitment(
    start: np.ndarray,
    eligible: np.ndarray,
    team: np.ndarray,
    since_day: int,
    end_day: int,
    rng: np.random.Generator,
) -> Applications:
    """Applications for the hires among hr_staff rows (`eligible`, starting from `since_day`)
    and the pipeline of offers beyond `end_day`."""
    hires = np.flatnonzero(eligible & (start >= since_day) & (start <= end_day))
    hires = hires[np.lexsort((start[hires], team[hires]))]  # by team, then start
    n = len(hires)
    offer_to_start = rng.integers(30, 92, n)
    accepted = start[hires] - offer_to_start
    time_to_hire = rng.integers(60, 122, n)

    # the pipeline: hires of the last year again, as offers whose start lies beyond the end
    last_year = hires[start[hires] > end_day - 365]
    pipeline_size = int(round(len(last_year) / 12 * PIPELINE_MONTHS))
    pipeline = rng.choice(last_year, pipeline_size) if len(last_year) else last_year
    p_accepted = end_day - rng.integers(0, 60, len(pipeline))
    p_start = np.maximum(p_accepted + rng.integers(30, 92, len(pipeline)), end_day + 1)
    p_start = np.where(rng.random(len(pipeline)) < NO_PLANNED_START, OPEN, p_start)

    rows = np.concatenate([hires, pipeline])
    accepted = np.concatenate([accepted, p_accepted])
    time_to_hire = np.concatenate([time_to_hire, rng.integers(60, 122, len(pipeline))])
    planned = np.concatenate([start[hires], p_start])
    started = np.concatenate([start[hires], np.full(len(pipeline), OPEN)])
    offers = len(rows)

    # a hire now and then shares the requisition of the team's hire just before (two posts in
    # one campaign)
    shares = np.zeros(offers, dtype=bool)
    same_team = team[rows[1:n]] == team[rows[: n - 1]]
    soon_after = start[rows[1:n]] - start[rows[: n - 1]] <= 60
    shares[1:n] = same_team & soon_after & (rng.random(n - 1) < SHARED_REQUISITION)
    requisition = np.cumsum(~shares) - 1
    opened = accepted - time_to_hire
    if offers:  # a requisition opened for its earliest hire
        opened = np.minimum.reduceat(opened, np.flatnonzero(~shares))[requisition]

    offer = accepted - rng.integers(0, 8, offers)
    interviewed = offer - rng.integers(2, 15, offers)
    shortlisted = interviewed - rng.integers(5, 21, offers)
    applied = np.maximum(shortlisted - rng.integers(3, 31, offers), opened)
    checks = np.minimum(accepted + rng.integers(14, 28, offers), started)
    # a start now and then slips a week or two past the agreed date
    slipped = rng.random(offers) < 0.15
    planned = np.where(slipped & (planned != OPEN), planned - rng.integers(7, 15, offers), planned)
    planned = np.maximum(planned, accepted)
    hire_dates = {
        "requisition_opened": opened,
        "applied_date": applied,
        "shortlisted_date": shortlisted,
        "interviewed_date": interviewed,
        "offer_date": offer,
        "offer_accepted_date": accepted,
        "checks_cleared_date": checks,
        "planned_start_date": planned,
        "start_date": started,
        "withdrawn_date": np.full(offers, OPEN),
    }

    at_checks = rng.random(offers) < START_AGREED_AT_CHECKS
    start_agreed = np.where(at_checks & (started != OPEN), checks, accepted)

    others = _other_applicants(opened, offer, requisition, rng)
    req_of_other = others.pop("requisition")
    withdrawn_by = others.pop("withdrawn_by")
    dates = {s: np.concatenate([hire_dates[s], others[s]]) for s in STAGES}
    return Applications(
        hired=np.arange(offers + len(req_of_other)) < n,
        requisition=np.concatenate([requisition, req_of_other]),
        row=np.concatenate([rows, rows[_first_hire_of(requisition)[req_of_other]]]),
        dates=dates,
        withdrawn_by=np.concatenate([np.full(offers, "", dtype=object), withdrawn_by]),
        start_agreed=np.concatenate([start_agreed, others["offer_accepted_date"]]),
    )


def _first_hire_of(requisition: np.ndarray) -> np.ndarray:
    """Per requisition, the position of its first hire."""
    first = np.zeros(requisition.max() + 1 if len(requisition) else 0, dtype=np.int64)
    first[requisition[::-1]] = np.arange(len(requisition))[::-1]
    return first


def _other_applicants(
    opened: np.ndarray, offer: np.ndarray, requisition: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """The applicants not hired: each falls away at a stage, by their own or the employer's
    decision, after applying between the requisition's opening and its first offer."""
    first = _first_hire_of(requisition)
    req_opened, req_offer = opened[first], offer[first]
    count = rng.poisson(OTHER_APPLICANTS_MEAN, len(first))
    req = np.repeat(np.arange(len(first)), count)
    m = len(req)
    span = np.maximum(req_offer[req] - 21 - req_opened[req], 1)
    applied = req_opened[req] + (rng.random(m) * span).astype(np.int64)
    reached = np.zeros(m, dtype=np.int64)  # 0 applied .. 4 accepted
    for stage, chance in enumerate(PASS, start=1):
        reached += (reached == stage - 1) & (rng.random(m) < chance)
    shortlisted = applied + rng.integers(3, 15, m)
    interviewed = shortlisted + rng.integers(5, 15, m)
    offered = interviewed + rng.integers(1, 8, m)
    accepted = offered + rng.integers(0, 8, m)
    stage_dates = (applied, shortlisted, interviewed, offered, accepted)
    last_date = np.choose(reached, stage_dates)
    withdrawn = last_date + rng.integers(1, 30, m)
    by_candidate = rng.random(m) < np.array(CANDIDATE_WITHDRAWS)[reached]

    def if_reached(stage: int, days: np.ndarray) -> np.ndarray:
        return np.where(reached >= stage, days, OPEN)

    return {
        "requisition": req,
        "requisition_opened": req_opened[req],
        "applied_date": applied,
        "shortlisted_date": if_reached(1, shortlisted),
        "interviewed_date": if_reached(2, interviewed),
        "offer_date": if_reached(3, offered),
        "offer_accepted_date": if_reached(4, accepted),
        "checks_cleared_date": np.full(m, OPEN),  # withdrawn, or failed the checks
        "planned_start_date": np.where(reached == 4, accepted + rng.integers(30, 92, m), OPEN),
        "start_date": np.full(m, OPEN),
        "withdrawn_date": withdrawn,
        "withdrawn_by": np.where(by_candidate, "candidate", "employer").astype(object),
    }


def shown_at(applications: Applications, as_at: date) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The applications a snapshot of the date holds (made by then, and not closed more than
    24 months before) and their stage dates as known then (OPEN where not reached yet)."""
    day = day_number(as_at)
    retained_since = day_number(months_before(as_at, RETENTION_MONTHS))
    d = applications.dates
    closed = np.minimum(d["start_date"], d["withdrawn_date"])
    shown = (d["applied_date"] <= day) & (closed > retained_since)
    known = {s: np.where(d[s][shown] <= day, d[s][shown], OPEN) for s in STAGES}
    # the agreed start date is known from the day it is agreed, before the day comes
    agreed = applications.start_agreed[shown] <= day
    known["planned_start_date"] = np.where(agreed, d["planned_start_date"][shown], OPEN)
    return shown, known
