"""Agency workers and their weekly timesheets.

Most agency assignments cover a vacant post from a few weeks after it falls vacant until the
day before the permanent starter arrives (sometimes the agency worker *is* that starter: an
agency conversion). Others cover long sickness or maternity of a case holder, or add capacity.
How many vacancies get cover is sized from the authority's agency-rate target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestration.generator import reference as ref
from orchestration.generator.absence import Absences
from orchestration.generator.calibration import choose_fte
from orchestration.generator.people import Identities, swe_numbers
from orchestration.generator.profile import AuthorityProfile
from orchestration.generator.timeline import (
    FRIDAY,
    OPEN,
    Timeline,
    day_number,
    weekdays_between,
)
from orchestration.generator.workforce import YEAR, Records, Workforce

COVER_LAG_DAYS = (7, 21)  # (minimum, mean of the exponential tail) before cover starts
SPELL_DAYS = (28, 150)  # length of one agency assignment
EXTENSION, REPLACEMENT = 0.3, 0.65  # after an assignment: same worker again, or a new one
CONVERSION = 0.3  # chance the cover worker becomes the permanent starter
SUPPORT_POST_COVER = 0.1  # share of vacant non-social-work posts covered by agency staff
ABSENCE_COVER = {"SIC": (42, 0.35, "sickness"), "MAT": (84, 0.6, "maternity")}
# Sizing vacancy cover and the extra-capacity pool to the agency target: absence cover adds
# about ABSENCE_COVER_SHARE of in-post FTE, the pool at least MIN_POOL_SHARE, and covered
# vacancies are staffed COVER_EFFICIENCY of the time (lags, gaps between workers).
ABSENCE_COVER_SHARE, MIN_POOL_SHARE, COVER_EFFICIENCY = 0.015, 0.01, 0.8
CAPACITY_DAYS = (60, 150)
CENSUS_DAY_SETTLING = (14, 120, 270)  # added capacity: days before (min, max), at most after
HOURLY_RATES = {1: (50, 55), 2: (50, 55), 3: (48, 55), 4: (44, 52), 5: (38, 48), 6: (40, 48)}
UNREGISTERED_HOURLY_RATE = (20, 28)
WEEKLY_HOURS = 37.0
CREDIT_NOTE_SHARE = 0.005


@dataclass(frozen=True)
class Agency:
    """Agency workers (one element per worker) and assignments (one per assignment)."""

    worker_swe: np.ndarray  # None for unregistered workers
    worker_agency: np.ndarray
    worker: np.ndarray
    registered: np.ndarray
    role: np.ndarray
    team: np.ndarray
    post: np.ndarray  # -1 when covering no post
    cover_reason: np.ndarray
    fte: np.ndarray
    start: np.ndarray
    end: np.ndarray
    hourly_rate: np.ndarray
    converted_rows: np.ndarray  # employee assignments that began as this agency cover


def cfsw_fte_at(workforce: Workforce, day: int) -> float:
    return float(workforce.fte[workforce.is_cfsw & workforce.in_post_at(day)].sum())


class _AgencyBuilder:
    def __init__(self, workforce, identities, profile, timeline, rng):
        self.workforce = workforce
        self.identities = identities
        self.profile = profile
        self.timeline = timeline
        self.rng = rng
        self.agencies = rng.choice(ref.AGENCY_NAMES, size=rng.integers(2, 5), replace=False)
        self.workers = Records("registered", "agency")
        self.rows = Records(
            "worker", "role", "team", "post", "cover_reason", "fte", "start", "end", "hourly_rate"
        )
        self.converted: list[tuple[int, int]] = []  # (employee assignment, agency worker)
        self.pool_fte = 0.0

    def _new_worker(self, registered: bool) -> int:
        return self.workers.add(registered=registered, agency=str(self.rng.choice(self.agencies)))

    def _hourly_rate(self, role: int) -> float:
        low, high = HOURLY_RATES[role] if role else UNREGISTERED_HOURLY_RATE
        return round(float(self.rng.uniform(low, high)), 2)

    def _cover(self, post: int, first: int, last: int, open_ended: bool) -> int:
        """Cover a vacancy from `first` to `last`; returns the worker there at the end, or -1."""
        rng, wf = self.rng, self.workforce
        role = int(wf.post_role[post])
        terms = {
            "role": role,
            "team": wf.post_team[post],
            "post": post,
            "cover_reason": "vacancy",
            "fte": wf.post_budget[post],
        }
        day = first + COVER_LAG_DAYS[0] + int(rng.exponential(COVER_LAG_DAYS[1]))
        worker, rate = self._new_worker(role > 0), self._hourly_rate(role)
        while day <= last:
            spell_end = day + SPELL_DAYS[0] + int(rng.exponential(SPELL_DAYS[1])) - 1
            if spell_end >= last:
                end = OPEN if open_ended else last
                self.rows.add(worker=worker, start=day, end=end, hourly_rate=rate, **terms)
                return worker
            self.rows.add(worker=worker, start=day, end=spell_end, hourly_rate=rate, **terms)
            draw = rng.random()
            if draw < EXTENSION:
                day = spell_end + 1
                rate = round(rate * 1.02, 2)
            elif draw < EXTENSION + REPLACEMENT:
                day = spell_end + 1 + int(rng.integers(0, 15))
                worker, rate = self._new_worker(role > 0), self._hourly_rate(role)
            else:
                break
        return -1

    def cover_vacancies(self) -> None:
        """Cover a share of vacancies, sized (with absence cover and a pool of extra capacity)
        to the authority's agency-rate target."""
        wf, rng, timeline = self.workforce, self.rng, self.timeline
        in_post = np.mean([cfsw_fte_at(wf, day_number(d)) for d in timeline.census_dates])
        wanted = self.profile.agency / (1 - self.profile.agency) * in_post
        vacant = self.profile.vacancy / (1 - self.profile.vacancy) * in_post
        others = (ABSENCE_COVER_SHARE + MIN_POOL_SHARE) * in_post
        cover = float(np.clip((wanted - others) / (COVER_EFFICIENCY * vacant), 0.15, 0.95))
        from_vacancies = cover * COVER_EFFICIENCY * vacant
        self.pool_fte = max(
            MIN_POOL_SHARE * in_post, wanted - from_vacancies - ABSENCE_COVER_SHARE * in_post
        )

        held = np.flatnonzero(wf.post >= 0)
        held = held[np.lexsort((wf.start[held], wf.post[held]))]
        occupants: list[list[int]] = [[] for _ in wf.post_role]
        for row in held.tolist():
            occupants[wf.post[row]].append(row)
        history_start = timeline.start_day - int(YEAR)
        for post, rows in enumerate(occupants):
            chance = cover if wf.post_role[post] else SUPPORT_POST_COVER
            vacant_since = max(wf.post_from[post], history_start)
            closes = min(wf.post_to[post], timeline.end_day)
            for row in rows:
                if wf.start[row] > vacant_since and rng.random() < chance:
                    worker = self._cover(post, vacant_since, wf.start[row] - 1, open_ended=False)
                    if worker >= 0 and self._may_convert(row):
                        self.converted.append((row, worker))
                vacant_since = max(vacant_since, wf.end[row] + 1)
            if vacant_since <= closes and rng.random() < chance:
                self._cover(post, vacant_since, closes, open_ended=wf.post_to[post] == OPEN)

    def _may_convert(self, row: int) -> bool:
        wf = self.workforce
        return (
            wf.role[row] != ref.NO_ROLE
            and wf.route[row] == "external"
            and wf.start_origin[row] != ref.NEWLY_QUALIFIED
            and self.rng.random() < CONVERSION
        )

    def cover_absences(self, absences: Absences) -> None:
        """Some long sickness and maternity leave of practitioners is covered by agency staff."""
        wf, rng = self.workforce, self.rng
        episodes = zip(
            absences.row.tolist(),
            absences.code.tolist(),
            absences.start.tolist(),
            absences.end.tolist(),
            strict=True,
        )
        for row, code, start, end in episodes:
            practitioner = wf.role[row] in (ref.SENIOR_PRACTITIONER, ref.CASE_HOLDER)
            if code not in ABSENCE_COVER or not practitioner or wf.post[row] < 0:
                continue
            min_days, chance, reason = ABSENCE_COVER[code]
            if min(end, self.timeline.end_day) - start < min_days or rng.random() >= chance:
                continue
            role = int(wf.role[row])
            self.rows.add(
                worker=self._new_worker(True),
                role=role,
                team=wf.team[row],
                post=wf.post[row],
                cover_reason=reason,
                fte=wf.fte[row],
                start=start + 10 + int(rng.integers(0, 21)),
                end=end,
                hourly_rate=self._hourly_rate(role),
            )

    def add_capacity(self) -> None:
        """Extra case holders beyond the establishment: a steady pool of `pool_fte`."""
        rng, timeline, org = self.rng, self.timeline, self.workforce.organisation
        teams = [t for t, area in enumerate(org.team_areas) if area in ref.NEW_CASE_TYPES]
        history_start = timeline.start_day - int(YEAR)
        mean_days = CAPACITY_DAYS[0] + CAPACITY_DAYS[1]
        arrivals = rng.poisson(self.pool_fte * (timeline.end_day - history_start) / mean_days)
        for _ in range(arrivals):
            start = int(rng.integers(history_start, timeline.end_day + 1))
            end = start + CAPACITY_DAYS[0] + int(rng.exponential(CAPACITY_DAYS[1]))
            role = ref.CASE_HOLDER if rng.random() < 0.8 else ref.SENIOR_PRACTITIONER
            self.rows.add(
                worker=self._new_worker(True),
                role=role,
                team=int(rng.choice(teams)),
                post=-1,
                cover_reason="additional_capacity" if rng.random() < 0.8 else "project",
                fte=1.0,
                start=start,
                end=OPEN if end > timeline.end_day else end,
                hourly_rate=self._hourly_rate(role),
            )

    def settle_census_days(self) -> None:
        """On each calibrated census day agency CFSW FTE meets DfE's per in-post FTE, and so
        does the part covering vacancies where DfE publishes it: some assignments end on the
        day (so are not in post on it), or cover joins: of vacant posts not yet covered, then
        extra capacity for the rest (fractional FTE for the last part). What joins ends
        within the year, so later census days are settled on their own."""
        rows, wf = self.rows, self.workforce
        for census in self.timeline.census_dates:
            counts = self.profile.counts_of(census.year)
            if not counts:
                continue
            day = day_number(census)
            in_post = [
                i
                for i in range(len(rows))
                if rows["start"][i] <= day < rows["end"][i]
                and rows["role"][i]
                and self.workers["registered"][rows["worker"][i]]
            ]
            wanted = counts.agency_for(wf.cfsw_fte_on(day))
            covering = [i for i in in_post if rows["cover_reason"][i] == "vacancy"]
            if counts.agency_cover_fte is None:
                self._settle(day, in_post, wanted, cover=True, capacity=True)
                continue
            cover_wanted = min(wanted, counts.agency_cover_for(wf.cfsw_fte_on(day)))
            self._settle(day, covering, cover_wanted, cover=True, capacity=False)
            covered = sum(rows["fte"][i] for i in range(len(rows)) if self._covers(i, day))
            others = [i for i in in_post if rows["cover_reason"][i] != "vacancy"]
            self._settle(day, others, wanted - covered, cover=False, capacity=True)

    def _covers(self, row: int, day: int) -> bool:
        rows = self.rows
        return (
            rows["cover_reason"][row] == "vacancy"
            and rows["role"][row] > 0
            and rows["start"][row] <= day < rows["end"][row]
        )

    def _settle(
        self, day: int, in_post: list[int], wanted: float, cover: bool, capacity: bool
    ) -> None:
        """Bring the FTE of the assignments `in_post` on `day` to `wanted`: end some on the
        day, or add cover of vacant posts (`cover`), then extra capacity (`capacity`)."""

        rng, rows = self.rng, self.rows
        gap = wanted - sum(rows["fte"][i] for i in in_post)
        if gap < 0:
            cuttable = [i for i in in_post if rows["start"][i] < day]
            fte = [rows["fte"][i] for i in cuttable]
            for i in choose_fte(fte, -gap, rng, at_least=True):
                rows["end"][cuttable[i]] = day
                gap += fte[i]
        if cover and gap > 0:
            gap -= self._cover_vacant_posts(day, gap)
        while capacity and round(gap, 2) > 0:
            fte = min(1.0, round(gap, 2))
            self._add_capacity_on(day, fte)
            gap -= fte

    def _cover_vacant_posts(self, day: int, wanted: float) -> float:
        """Agency cover from before `day` to after it of social work posts vacant and
        uncovered on it, up to `wanted` FTE (the last in part); returns the FTE added."""
        rng, rows, wf = self.rng, self.rows, self.workforce
        employed = (wf.start <= day) & (day < wf.end) & (wf.post >= 0)
        taken = set(wf.post[employed].tolist())
        taken |= {rows["post"][i] for i in range(len(rows)) if self._covers(i, day)}
        effective = (wf.post_role > 0) & (wf.post_from <= day) & (wf.post_to > day)
        added = 0.0
        earliest, latest, after = CENSUS_DAY_SETTLING
        for post in rng.permutation(np.flatnonzero(effective)).tolist():
            if round(wanted - added, 2) <= 0:
                break
            if post in taken:
                continue
            held = wf.post == post
            before = wf.end[held & (wf.end <= day)]
            since = max(int(before.max()) + 1 if len(before) else 0, int(wf.post_from[post]))
            later = wf.start[held & (wf.start > day)]
            until = min(int(later.min()) - 1 if len(later) else OPEN, int(wf.post_to[post]))
            if since > day or until <= day:
                continue  # vacant only from the day after, or filled (or closed) by then
            fte = min(float(wf.post_budget[post]), round(wanted - added, 2))
            end = min(day + 1 + int(rng.exponential(SPELL_DAYS[1])), day + after, until)
            role = int(wf.post_role[post])
            self.rows.add(
                worker=self._new_worker(True),
                role=role,
                team=wf.post_team[post],
                post=post,
                cover_reason="vacancy",
                fte=fte,
                start=max(day - int(rng.integers(earliest, latest)), since),
                end=end if end <= self.timeline.end_day else OPEN,
                hourly_rate=self._hourly_rate(role),
            )
            added += fte
        return added

    def _add_capacity_on(self, day: int, fte: float) -> None:
        rng, org = self.rng, self.workforce.organisation
        teams = [t for t, area in enumerate(org.team_areas) if area in ref.NEW_CASE_TYPES]
        earliest, latest, after = CENSUS_DAY_SETTLING
        end = min(day + 1 + int(rng.exponential(CAPACITY_DAYS[1])), day + after)
        role = ref.CASE_HOLDER if rng.random() < 0.8 else ref.SENIOR_PRACTITIONER
        self.rows.add(
            worker=self._new_worker(True),
            role=role,
            team=int(rng.choice(teams)),
            post=-1,
            cover_reason="additional_capacity",
            fte=fte,
            start=day - int(rng.integers(earliest, latest)),
            end=end if end <= self.timeline.end_day else OPEN,
            hourly_rate=self._hourly_rate(role),
        )

    def build(self) -> Agency:
        registered = np.array(self.workers["registered"], dtype=bool)
        worker_swe = np.where(registered, swe_numbers(self.rng, len(registered)), None)
        converted = np.array(self.converted, dtype=np.int64).reshape(-1, 2)
        people = self.workforce.person[converted[:, 0]]
        worker_swe[converted[:, 1]] = self.identities.swe_number[people]  # the same person
        rows = self.rows
        worker = np.array(rows["worker"], dtype=np.int64)
        start = np.array(rows["start"], dtype=np.int64)
        order = np.lexsort((worker, start))

        def column(name: str, dtype) -> np.ndarray:
            return np.array(rows[name], dtype=dtype)[order]

        return Agency(
            worker_swe=worker_swe,
            worker_agency=np.array(self.workers["agency"], dtype=object),
            worker=worker[order],
            registered=registered[worker[order]],
            role=column("role", np.int64),
            team=column("team", np.int64),
            post=column("post", np.int64),
            cover_reason=column("cover_reason", object),
            fte=column("fte", float),
            start=start[order],
            end=column("end", np.int64),
            hourly_rate=column("hourly_rate", float),
            converted_rows=converted[:, 0],
        )


def simulate_agency(
    workforce: Workforce,
    identities: Identities,
    absences: Absences,
    profile: AuthorityProfile,
    timeline: Timeline,
    rng: np.random.Generator,
) -> Agency:
    builder = _AgencyBuilder(workforce, identities, profile, timeline, rng)
    builder.cover_vacancies()
    builder.cover_absences(absences)
    builder.add_capacity()
    builder.settle_census_days()
    return builder.build()


@dataclass(frozen=True)
class Timesheets:
    """One element per weekly timesheet (or credit note), ordered by week."""

    assignment: np.ndarray
    week_ending: np.ndarray
    hours: np.ndarray
    charge: np.ndarray


def weekly_timesheets(agency: Agency, timeline: Timeline, rng: np.random.Generator) -> Timesheets:
    """A timesheet per assignment per week worked, from the period start to the end date."""
    first_week = day_number(timeline.period_start)
    last_day = np.minimum(agency.end, timeline.end_day)
    first_friday = agency.start + (FRIDAY - agency.start) % 7
    first_friday = np.maximum(first_friday, first_week + (FRIDAY - first_week) % 7)
    last_friday = last_day + (FRIDAY - last_day) % 7
    last_friday = np.where(last_friday > timeline.end_day, last_friday - 7, last_friday)
    weeks = np.maximum((last_friday - first_friday) // 7 + 1, 0)
    assignment = np.repeat(np.arange(len(weeks)), weeks)
    week_index = np.arange(len(assignment)) - np.repeat(np.cumsum(weeks) - weeks, weeks)
    week_ending = first_friday[assignment] + 7 * week_index
    days_worked = weekdays_between(
        np.maximum(week_ending - 4, agency.start[assignment]),
        np.minimum(week_ending, last_day[assignment]),
    )
    pattern = rng.choice([1.0, 0.8, 1.1, 0.0], size=len(assignment), p=[0.9, 0.05, 0.03, 0.02])
    hours = WEEKLY_HOURS * agency.fte[assignment] * days_worked / 5 * pattern
    hours = np.round(hours * 4) / 4
    keep = days_worked > 0
    assignment, week_ending, hours = assignment[keep], week_ending[keep], hours[keep]
    charge = np.round(hours * agency.hourly_rate[assignment], 2)
    # Credit notes: a later correction giving back part of a week's charge.
    credited = np.flatnonzero((rng.random(len(assignment)) < CREDIT_NOTE_SHARE) & (charge > 0))
    credit = -np.round(charge[credited] * rng.uniform(0.1, 1.0, len(credited)), 2)
    assignment = np.concatenate([assignment, assignment[credited]])
    week_ending = np.concatenate([week_ending, week_ending[credited]])
    hours = np.concatenate([hours, np.zeros(len(credited))])
    charge = np.concatenate([charge, credit])
    order = np.lexsort((assignment, week_ending))
    return Timesheets(assignment[order], week_ending[order], hours[order], charge[order])
