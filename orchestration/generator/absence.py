"""Absence episodes of employed staff (CSWW ReasonAbsence codes), mostly sickness."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.generator.people import Identities
from orchestration.generator.profile import AuthorityProfile
from orchestration.generator.timeline import OPEN, Timeline, add_weekdays, next_weekday
from orchestration.generator.workforce import SECOND, YEAR, Workforce

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
    short_days = SHORT_SICKNESS_RATE * SHORT_SICKNESS_MEAN_DAYS
    long_rate = (profile.sickness * WORKING_DAYS_A_YEAR - short_days) / (
        LONG_SICKNESS_MIN_DAYS + LONG_SICKNESS_EXTRA_DAYS
    )
    return [
        AbsenceKind("SIC", SHORT_SICKNESS_RATE, 1, SHORT_SICKNESS_MEAN_DAYS - 1, 10),
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
    order = np.lexsort((row, start))
    return Absences(row[order], code[order], start[order], end[order], workforce.fte[row[order]])


def _without_overlaps(person: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Keep episodes (sorted by person and start) that begin after the person's last one ended."""
    keep = np.zeros(len(person), dtype=bool)
    last_person, last_end = -1, -1
    for i, (p, s, e) in enumerate(zip(person.tolist(), start.tolist(), end.tolist(), strict=True)):
        if p != last_person or s > last_end:
            keep[i] = True
            last_person, last_end = p, e
    return keep
