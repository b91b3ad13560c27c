"""Absence episodes of employed staff (CSWW ReasonAbsence codes), mostly sickness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from orchestration.generator.calibration import CensusCounts
from orchestration.generator.people import Identities
from orchestration.generator.profile import AuthorityProfile
from orchestration.generator.timeline import (
    OPEN,
    Timeline,
    add_weekdays,
    day_number,
    next_weekday,
    weekdays_between,
)
from orchestration.generator.workforce import MAIN, SECOND, YEAR, Workforce

WORKING_DAYS_A_YEAR = 253
SHORT_SICKNESS_RATE = 2.0  # short sickness episodes per person-year
SHORT_SICKNESS_MEAN_DAYS = 2.0
LONG_SICKNESS_MIN_DAYS, LONG_SICKNESS_EXTRA_DAYS = 20, 40
HISTORY_BEFORE_START = 180  # days: episodes already running when the simulation starts


@dataclass(frozen=True)
class AbsenceKind:
    code: str
    per_year: float
    min_days: int  # working days
    extra_days: float  # mean of an exponential tail of working days
    max_days: int
    female: bool | None = None  # who can have it: None for everyone
    ages: tuple[int, int] = (0, 99)


def absence_kinds(profile: AuthorityProfile) -> list[AbsenceKind]:
    """Episode kinds; long sickness is sized so sickness days meet the authority's rate."""
    days = profile.sickness * WORKING_DAYS_A_YEAR
    # an authority with little sickness (some calibrated ones) has fewer short episodes too
    short_rate = min(SHORT_SICKNESS_RATE, days / SHORT_SICKNESS_MEAN_DAYS)
    long_rate = max(days - short_rate * SHORT_SICKNESS_MEAN_DAYS, 0) / (
        LONG_SICKNESS_MIN_DAYS + LONG_SICKNESS_EXTRA_DAYS
    )
    return [
        AbsenceKind("SIC", short_rate, 1, SHORT_SICKNESS_MEAN_DAYS - 1, 10),
        AbsenceKind("SIC", long_rate, LONG_SICKNESS_MIN_DAYS, LONG_SICKNESS_EXTRA_DAYS, 200),
        AbsenceKind("MAT", 0.05, 130, 40, 260, female=True, ages=(24, 45)),  # maternity
        AbsenceKind("MAT", 0.03, 10, 0, 10, female=False, ages=(24, 50)),  # paternity
        AbsenceKind("TRN", 0.6, 1, 1, 3),
        AbsenceKind("OTH", 0.3, 1, 1, 5),
        AbsenceKind("PUB", 0.02, 5, 2, 10),
        AbsenceKind("UNA", 0.05, 1, 0, 1),
        AbsenceKind("UNP", 0.05, 5, 6, 20),
    ]


@dataclass(frozen=True)
class Absences:
    """One element per episode, ordered by start; `end` is OPEN while still absent."""

    row: np.ndarray  # the assignment the person was absent from
    code: np.ndarray
    start: np.ndarray
    end: np.ndarray
    fte: np.ndarray


def simulate_absence(
    workforce: Workforce,
    identities: Identities,
    profile: AuthorityProfile,
    timeline: Timeline,
    rng: np.random.Generator,
) -> Absences:
    rows = np.flatnonzero(workforce.kind != SECOND)
    span_start = np.maximum(workforce.start[rows], timeline.start_day - HISTORY_BEFORE_START)
    span_end = np.minimum(workforce.end[rows], timeline.end_day)
    span_years = np.maximum(span_end - span_start + 1, 0) / YEAR
    female = identities.gender[workforce.person[rows]] == 2
    parts = []
    for kind in absence_kinds(profile):
        counts = rng.poisson(kind.per_year * span_years)
        which = np.repeat(np.arange(len(rows)), counts)
        offsets = rng.random(len(which)) * (span_end[which] - span_start[which] + 1)
        start = next_weekday(span_start[which] + offsets.astype(np.int64))
        extra = np.rint(rng.exponential(kind.extra_days, len(which))) if kind.extra_days else 0
        days = np.minimum(kind.min_days + extra, kind.max_days).astype(np.int64)
        natural_end = add_weekdays(start, days - 1)
        assignment_end = workforce.end[rows[which]]
        still_absent = (natural_end > timeline.end_day) & (assignment_end > timeline.end_day)
        end = np.where(still_absent, OPEN, np.minimum(natural_end, assignment_end))
        birth = workforce.birth_day[workforce.person[rows[which]]]
        age = (start - birth) / YEAR
        keep = (start <= span_end[which]) & (age >= kind.ages[0]) & (age < kind.ages[1])
        if kind.female is not None:
            keep &= female[which] == kind.female
        parts.append((rows[which][keep], np.full(keep.sum(), kind.code), start[keep], end[keep]))
    row, code, start, end = (np.concatenate(p) for p in zip(*parts, strict=True))
    order = np.lexsort((code, start, workforce.person[row]))
    row, code, start, end = row[order], code[order], start[order], end[order]
    keep = _without_overlaps(workforce.person[row], start, end)
    row, code, start, end = row[keep], code[keep], start[keep], end[keep]
    absences = _ordered(workforce, row, code, start, end)
    for census in timeline.census_dates:
        if counts := profile.counts_of(census.year):
            absences = settle_sickness(workforce, absences, timeline, census.year, counts, rng)
    return absences


def _ordered(workforce: Workforce, row, code, start, end) -> Absences:
    order = np.lexsort((row, start))
    return Absences(row[order], code[order], start[order], end[order], workforce.fte[row[order]])


def sickness_days_in_year(
    workforce: Workforce, absences: Absences, timeline: Timeline, census_year: int
) -> tuple[np.ndarray, float]:
    """Per episode, the sickness days lost within the census year that the pipeline counts
    (those of people holding an employed CFSW assignment in the year, as delivered: days lost
    x FTE, an episode crossing the year's bounds shared by its weekdays), and their total."""
    first, census = day_number(date(census_year - 1, 10, 1)), day_number(date(census_year, 9, 30))
    cfsw = workforce.is_cfsw & (workforce.start <= census) & (workforce.end >= first)
    people = np.zeros(len(workforce.birth_day), dtype=bool)
    people[workforce.person[cfsw]] = True
    known_until = day_number(timeline.quarter_ends[-1])  # the last absence extract
    episode_end = np.minimum(absences.end, known_until)
    lost = np.round(weekdays_between(absences.start, episode_end) * absences.fte, 2)
    counted = (
        (absences.code == "SIC")
        & people[workforce.person[absences.row]]
        & (absences.start <= census)
        & (episode_end >= first)
    )
    weekdays = weekdays_between(absences.start, episode_end)
    in_year = weekdays_between(np.maximum(absences.start, first), np.minimum(episode_end, census))
    days = np.where(counted & (weekdays > 0), lost * in_year / np.maximum(weekdays, 1), 0.0)
    return days, float(days.sum())


def settle_sickness(
    workforce: Workforce,
    absences: Absences,
    timeline: Timeline,
    census_year: int,
    counts: CensusCounts,
    rng: np.random.Generator,
) -> Absences:
    """Sickness days lost in a calibrated census year meet DfE's days per in-post FTE: short
    sickness episodes inside the year are added (to CFSWs in post through them) or removed."""
    first, census = day_number(date(census_year - 1, 10, 1)), day_number(date(census_year, 9, 30))
    days, total = sickness_days_in_year(workforce, absences, timeline, census_year)
    gap = counts.sickness_days_for(workforce.cfsw_fte_on(census)) - total
    row, code, start, end = absences.row, absences.code, absences.start, absences.end
    if gap < 0:
        inside = np.flatnonzero((days > 0) & (start >= first) & (end <= census))
        removed = np.zeros(len(row), dtype=bool)
        for i in rng.permutation(inside).tolist():
            if days[i] <= -gap:
                removed[i] = True
                gap += days[i]
        keep = ~removed
        return _ordered(workforce, row[keep], code[keep], start[keep], end[keep])
    held = {}
    for person, s, e in zip(
        workforce.person[row].tolist(), start.tolist(), end.tolist(), strict=True
    ):
        held.setdefault(person, []).append((s, e))
    employees = np.flatnonzero(
        workforce.is_cfsw
        & (workforce.kind == MAIN)
        & (workforce.start < census)
        & (workforce.end > first + 14)
    )
    added: list[tuple[int, int, int]] = []
    for _ in range(100_000):
        if gap < 0.5 or not len(employees):
            break
        r = int(employees[rng.integers(len(employees))])
        fte = float(workforce.fte[r])
        length = int(min(np.ceil(gap / fte), 1 + rng.exponential(SHORT_SICKNESS_MEAN_DAYS), 10))
        low, high = max(first, int(workforce.start[r])), min(census, int(workforce.end[r]) - 1)
        if high <= low:
            continue
        s = int(next_weekday(np.array([rng.integers(low, high + 1)]))[0])
        e = int(add_weekdays(np.array([s]), np.array([length - 1]))[0])
        person = int(workforce.person[r])
        if e > high or any(s <= e2 and s2 <= e for s2, e2 in held.get(person, [])):
            continue
        held.setdefault(person, []).append((s, e))
        added.append((r, s, e))
        gap -= round(length * fte, 2)
    if not added:
        return absences
    new_row, new_start, new_end = (np.array(c, dtype=np.int64) for c in zip(*added, strict=True))
    return _ordered(
        workforce,
        np.concatenate([row, new_row]),
        np.concatenate([code, np.full(len(added), "SIC", dtype=code.dtype)]),
        np.concatenate([start, new_start]),
        np.concatenate([end, new_end]),
    )


def _without_overlaps(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Keep episodes (sorted by person and start) that begin after the person's last one ended."""
    keep = np.zeros(len(person), dtype=bool)
    last_person, last_end = -1, -1
    for i, (p, s, e) in enumerate(zip(person.tolist(), start.tolist(), end.tolist(), strict=True)):
        if p != last_person or s > last_end:
            keep[i] = True
            last_person, last_end = p, e
    return keep
