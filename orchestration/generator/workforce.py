"""The HR history of one authority: its posts, its people and their assignments.

Simulated month by month from the simulation start. Each month some people leave (steered so
that each census year's CFSW turnover lands on the authority's target), some move to another
post (the old assignment ends on day D and the next starts on D+1: not a leaver), fixed-term
contracts become permanent, posts are created and deleted, and vacant posts are filled at a
rate steered towards the target vacancy rate. Absence, agency cover, cases and pay are derived
from this history afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from orchestration.generator import reference as ref
from orchestration.generator.calibration import CensusCounts, choose_fte
from orchestration.generator.profile import MIN_VACANCY, AuthorityProfile
from orchestration.generator.timeline import OPEN, Month, Timeline, day_number

MAIN, SECOND, SESSIONAL = 0, 1, 2  # assignment kinds: a person's main job, an extra job, casual
YEAR = 365.25
YEARLY_DRIFT = 0.15  # census-year targets vary this much around the authority's level
TURNOVER_TARGETS, VACANCY_TARGETS = (0.10, 0.22), (0.07, 0.27)
NON_CFSW_TURNOVER = 0.16  # yearly leaving rate of staff outside social work roles
OLDER_WORKER_AGE, OLDER_WORKER_LEAVING_WEIGHT = 62, 3  # older staff leave (retire) more often
FIXED_TERM_CONVERSION = 0.04  # monthly chance a fixed-term contract becomes permanent
PROMOTION_SHARE = 0.3  # of moves between posts
POST_DELETION = 0.008  # monthly chance a vacant post is deleted in a restructure
NON_SOCIAL_WORK_FILL = 0.15  # monthly chance a vacant support post is filled
SECOND_JOB_START, SECOND_JOB_END = 0.01, 0.02  # monthly chances for a part-timer's EDT sessions
SECOND_JOB_FTE = 0.2
SESSIONAL_SHARE = 0.02  # casual sessional workers per post
NEWLY_QUALIFIED_SHARE = {ref.CASE_HOLDER: 0.35, ref.QUALIFIED_WITHOUT_CASES: 0.1}  # of starters
APPRENTICE_FROM_WITHIN = 0.7  # apprentices who were the authority's support workers
PART_TIME_SHARE = 0.2
PART_TIME_BUDGETS = {0.5: 0.45, 0.6: 0.2, 0.8: 0.35}
ASSIGNMENT_COLUMNS = (
    "person", "post", "team", "role", "registered", "title", "fte", "contract", "start", "end",
    "leaving_reason", "leaver_destination", "start_origin", "route", "cfkss", "kind",
)  # fmt: skip


def choose(rng: np.random.Generator, weights: dict, size: int | None = None):
    """Draw keys of `weights` with the given probabilities."""
    keys = list(weights)
    p = np.array(list(weights.values()), dtype=float)
    picks = rng.choice(len(keys), size=size, p=p / p.sum())
    if size is None:
        return keys[picks]
    return np.array(keys, dtype=object)[picks]


class Records:
    """Records kept column by column while the simulation appends and updates them."""

    def __init__(self, *names: str):
        self._columns: dict[str, list] = {name: [] for name in names}

    def __len__(self) -> int:
        return len(next(iter(self._columns.values())))

    def __getitem__(self, name: str) -> list:
        return self._columns[name]

    def add(self, **values) -> int:
        for name, column in self._columns.items():
            column.append(values[name])
        return len(self) - 1


@dataclass(frozen=True)
class Organisation:
    """Service areas and their teams; a team is known by its index."""

    la_code: str
    team_names: tuple[str, ...]
    team_areas: tuple[str, ...]

    @property
    def cost_centres(self) -> tuple[str, ...]:
        return tuple(f"CC{self.la_code}{i:03d}" for i in range(len(self.team_names)))

    def teams_in(self, area: str) -> list[int]:
        return [i for i, a in enumerate(self.team_areas) if a == area]


@dataclass(frozen=True)
class Workforce:
    """The simulated HR history as arrays: one element per post, person or assignment."""

    organisation: Organisation
    # posts
    post_team: np.ndarray
    post_role: np.ndarray  # CSWW org role, 0 for a post outside social work
    post_budget: np.ndarray
    post_from: np.ndarray
    post_to: np.ndarray
    # people
    birth_day: np.ndarray
    service_start: np.ndarray
    # assignments
    person: np.ndarray
    post: np.ndarray  # -1 when the assignment holds no post
    team: np.ndarray
    role: np.ndarray  # 0 outside social work roles
    registered: np.ndarray
    title: np.ndarray
    fte: np.ndarray
    contract: np.ndarray
    start: np.ndarray
    end: np.ndarray
    leaving_reason: np.ndarray  # 0 while in post
    leaver_destination: np.ndarray  # 0 when not recorded
    start_origin: np.ndarray  # 0 when not recorded
    route: np.ndarray  # "" when not recorded
    cfkss: np.ndarray  # 0 when none
    kind: np.ndarray  # MAIN, SECOND or SESSIONAL

    @property
    def is_cfsw(self) -> np.ndarray:
        """Children and family social worker rows: registered, in an org role 1-6."""
        return self.registered & (self.role > 0)

    def in_post_at(self, day: int) -> np.ndarray:
        return (self.start <= day) & (self.end >= day)

    def cfsw_fte_on(self, day: int) -> float:
        """In-post CFSW FTE on `day` as DfE counts it (an assignment ending that day is not in
        post on it)."""
        in_post = self.is_cfsw & (self.start <= day) & (self.end > day)
        return float(self.fte[in_post].sum())

    def social_workers_at(self, day: int) -> int:
        """Headcount of children and family social workers in post on `day`."""
        return len(np.unique(self.person[self.is_cfsw & self.in_post_at(day)]))


def build_organisation(profile: AuthorityProfile, rng: np.random.Generator) -> Organisation:
    names, areas = [], []
    for area, share in ref.SERVICE_AREAS.items():
        count = int(np.clip(round(profile.social_work_posts * share / 9), 2, 6))
        for locality in rng.choice(ref.TEAM_LOCALITIES, size=count, replace=False):
            names.append(f"{area} {locality}")
            areas.append(area)
    return Organisation(profile.la_code, tuple(names), tuple(areas))


class _Simulation:
    """Mutable state of the month-by-month simulation; `run` returns the frozen history."""

    def __init__(self, profile: AuthorityProfile, timeline: Timeline, rng: np.random.Generator):
        self.profile = profile
        self.timeline = timeline
        self.rng = rng
        self.org = build_organisation(profile, rng)
        self.posts = Records(
            "team", "role", "title", "budget", "effective_from", "effective_to", "occupant",
            "vacant_since",
        )  # fmt: skip
        # `main` and `second` point at a person's current assignments (-1 when none).
        self.people = Records("birth_day", "service_start", "main", "second")
        self.rows = Records(*ASSIGNMENT_COLUMNS)
        self.open: list[int] = []  # assignments without an end date
        self.census_year_leavers_fte = 0.0
        self.turnover, self.vacancy = profile.turnover, profile.vacancy
        self.counts: CensusCounts | None = None  # DfE's counts for this census year, if any

    # --- establishment ------------------------------------------------------------------

    def _add_post(self, team: int, role: int, title: str, budget: float, effective_from: int):
        self.posts.add(
            team=team,
            role=role,
            title=title,
            budget=budget,
            effective_from=effective_from,
            effective_to=OPEN,
            occupant=-1,
            vacant_since=effective_from,
        )

    def _budget(self, role: int) -> float:
        senior = role in (ref.SENIOR_MANAGER, ref.MIDDLE_MANAGER)
        if senior or self.rng.random() >= PART_TIME_SHARE:
            return 1.0
        return float(choose(self.rng, PART_TIME_BUDGETS))

    def _build_establishment(self) -> None:
        """Posts per team: a team manager, senior practitioners and practitioners, support
        staff; the first team of an area also holds its managers and reviewing officers."""
        rng = self.rng
        senior_managers = 0
        for area, share in ref.SERVICE_AREAS.items():
            teams = self.org.teams_in(area)
            team_size = self.profile.social_work_posts * share / len(teams)
            for position, team in enumerate(teams):
                restructure_year = self.timeline.simulation_start.year - int(rng.integers(1, 10))
                effective_from = day_number(date(restructure_year, 4, 1))
                roles = [ref.FIRST_LINE_MANAGER]
                roles += [ref.SENIOR_PRACTITIONER] * max(1, round(0.15 * team_size))
                worker = ref.QUALIFIED_WITHOUT_CASES if area == "Fostering" else ref.CASE_HOLDER
                roles += [worker] * max(2, round(team_size * rng.uniform(0.9, 1.1)) - len(roles))
                if position == 0:
                    roles.append(ref.MIDDLE_MANAGER)
                    if senior_managers < 4 and area != "Early Help":
                        roles.append(ref.SENIOR_MANAGER)
                        senior_managers += 1
                    if area in ("Child Protection", "Children Looked After"):
                        roles += [ref.QUALIFIED_WITHOUT_CASES] * max(1, round(team_size * 0.3))
                for role in roles:
                    title = self._post_title(area, role)
                    self._add_post(team, role, title, self._budget(role), effective_from)
                support_title, support_posts = ref.SUPPORT_POSTS[area]
                for _ in range(rng.poisson(support_posts)):
                    budget = self._budget(ref.NO_ROLE)
                    self._add_post(team, ref.NO_ROLE, support_title, budget, effective_from)
                self._add_post(team, ref.NO_ROLE, ref.BUSINESS_SUPPORT_TITLE, 1.0, effective_from)

    def _match_case_holder_share(self) -> None:
        """Calibrated: social worker posts in case-holding teams beyond DfE's share of case
        holders in the workforce become qualified posts without cases (role 6)."""
        posts, rng = self.posts, self.rng
        share = np.mean(
            [
                c.case_holders_fte / (c.inpost_fte + c.agency_fte)
                for c in self.profile.calibration.values()
            ]
        )
        holding_areas = {
            i for i, area in enumerate(self.org.team_areas) if area in ref.NEW_CASE_TYPES
        }
        social_work = [p for p in range(len(posts)) if posts["role"][p]]
        holding = [
            p
            for p in social_work
            if posts["role"][p] in (ref.SENIOR_PRACTITIONER, ref.CASE_HOLDER)
            and posts["team"][p] in holding_areas
        ]
        excess = sum(posts["budget"][p] for p in holding) - share * sum(
            posts["budget"][p] for p in social_work
        )
        practitioners = [p for p in holding if posts["role"][p] == ref.CASE_HOLDER]
        for i in choose_fte([posts["budget"][p] for p in practitioners], excess, rng):
            posts["role"][practitioners[i]] = ref.QUALIFIED_WITHOUT_CASES
            posts["title"][practitioners[i]] = str(rng.choice(ref.WITHOUT_CASES_TITLES))

    @staticmethod
    def _post_title(area: str, role: int) -> str:
        if role == ref.QUALIFIED_WITHOUT_CASES:
            if area == "Fostering":
                return ref.SUPERVISING_SOCIAL_WORKER
            if area == "Child Protection":
                return ref.CHILD_PROTECTION_CHAIR
        return ref.ROLE_TITLES[role]

    # --- people and assignments ---------------------------------------------------------

    def _add_person(self, birth_day: int, service_start: int) -> int:
        return self.people.add(birth_day=birth_day, service_start=service_start, main=-1, second=-1)

    def _post_terms(self, post: int) -> dict:
        """Assignment terms that follow from the post held."""
        posts = self.posts
        role = posts["role"][post]
        return {
            "post": post,
            "team": posts["team"][post],
            "role": role,
            "registered": role != ref.NO_ROLE,
            "title": posts["title"][post],
            "fte": posts["budget"][post],
        }

    def _start(self, person: int, day: int, **terms) -> int:
        """Start an assignment; `terms` gives team, role, registered, title, fte, contract and,
        where they apply, post, start_origin, route, cfkss and kind."""
        terms = {
            "post": -1,
            "start_origin": 0,
            "route": "",
            "cfkss": 0,
            "kind": MAIN,
            **terms,
        }
        if terms["cfkss"] == ref.ASYE and terms["role"] == ref.CASE_HOLDER:
            terms["title"] = ref.ASYE_TITLE
        row = self.rows.add(
            person=person, start=day, end=OPEN, leaving_reason=0, leaver_destination=0, **terms
        )
        self.open.append(row)
        self.people["second" if terms["kind"] == SECOND else "main"][person] = row
        if terms["post"] >= 0:
            self.posts["occupant"][terms["post"]] = row
        return row

    def _end(self, row: int, day: int, reason: int, destination: int = 0) -> None:
        rows, people = self.rows, self.people
        rows["end"][row] = day
        rows["leaving_reason"][row] = reason
        rows["leaver_destination"][row] = destination
        if (post := rows["post"][row]) >= 0:
            self.posts["occupant"][post] = -1
            self.posts["vacant_since"][post] = day + 1
        person = rows["person"][row]
        for pointer in ("main", "second"):
            if people[pointer][person] == row:
                people[pointer][person] = -1

    def _is_cfsw(self, row: int) -> bool:
        return self.rows["registered"][row] and self.rows["role"][row] != ref.NO_ROLE

    def _age(self, person: int, day: int) -> float:
        return (day - self.people["birth_day"][person]) / YEAR

    def _starter_terms(self, role: int, title: str) -> tuple[bool, dict]:
        """Whether a starter in this post is newly qualified, and their origin, route, CFKSS."""
        rng = self.rng
        if role == ref.NO_ROLE:
            return False, {"route": "external"}
        newly_qualified_share = NEWLY_QUALIFIED_SHARE.get(role, 0.0)
        if role == ref.QUALIFIED_WITHOUT_CASES and title != ref.SUPERVISING_SOCIAL_WORKER:
            newly_qualified_share = 0.0  # reviewing officers and chairs are experienced
        if rng.random() < newly_qualified_share:
            route = choose(rng, ref.NEWLY_QUALIFIED_ROUTES)
            return True, {"start_origin": ref.NEWLY_QUALIFIED, "route": route, "cfkss": ref.ASYE}
        origin = int(choose(rng, ref.EXPERIENCED_ORIGINS))
        cfkss = 0
        if role == ref.FIRST_LINE_MANAGER and rng.random() < 0.3:
            cfkss = ref.PRACTICE_SUPERVISOR
        elif role in (ref.SENIOR_MANAGER, ref.MIDDLE_MANAGER) and rng.random() < 0.2:
            cfkss = ref.PRACTICE_LEADER
        route = ref.ORIGIN_ROUTES.get(origin, "external")
        return False, {"start_origin": origin, "route": route, "cfkss": cfkss}

    def _birth_day(self, hire_day: int, newly_qualified: bool, social_work: bool) -> int:
        rng = self.rng
        if newly_qualified:
            age = 22 + rng.gamma(2.0, 3.0)
        elif social_work:
            age = np.clip(rng.normal(40, 9), 25, 62)
        else:
            age = np.clip(rng.normal(38, 11), 19, 64)
        return hire_day - int(age * YEAR)

    def _contract(self, role: int) -> str:
        fixed_term = 0.1 if role != ref.NO_ROLE else 0.15
        return "fixed_term" if self.rng.random() < fixed_term else "permanent"

    def _fill(self, post: int, day: int) -> None:
        """A starter takes the post on `day`: a new employee, or one of the authority's support
        workers who qualified through an apprenticeship (a CFSW starter already employed)."""
        terms = self._post_terms(post)
        newly_qualified, starter = self._starter_terms(terms["role"], terms["title"])
        person = -1
        if starter["route"] == "apprenticeship":
            person = self._qualifying_support_worker(day)
        if person >= 0:
            self._end(self.people["main"][person], day - 1, ref.OTHER_REASON)
            starter["start_origin"] = ref.FROM_SOCIAL_CARE_ROLE
        else:
            birth = self._birth_day(day, newly_qualified, terms["registered"])
            person = self._add_person(birth, day)
        self._start(person, day, contract=self._contract(terms["role"]), **terms, **starter)

    def _qualifying_support_worker(self, day: int) -> int:
        """A support worker with two years' service who qualifies into the post, or -1."""
        rows = self.rows
        candidates = [
            rows["person"][r]
            for r in self.open
            if rows["kind"][r] == MAIN
            and not rows["registered"][r]
            and rows["post"][r] >= 0
            and rows["end"][r] == OPEN
            and rows["start"][r] < day - 2 * YEAR
        ]
        if not candidates or self.rng.random() >= APPRENTICE_FROM_WITHIN:
            return -1
        return candidates[self.rng.integers(len(candidates))]

    # --- initial state ------------------------------------------------------------------

    def _populate(self) -> None:
        """Staff in post at the simulation start, with service histories reaching back years."""
        rng, posts, start = self.rng, self.posts, self.timeline.start_day
        for post in range(len(posts)):
            terms = self._post_terms(post)
            vacancy = self.profile.vacancy if terms["registered"] else 0.1
            if rng.random() < vacancy:
                posts["vacant_since"][post] = start - int(rng.uniform(0, 1) * YEAR)
                continue
            age = float(np.clip(rng.normal(42, 10), 23, 64))
            tenure = min(rng.exponential(1 / self.profile.turnover), age - 22)
            service_start = start - 1 - int(tenure * YEAR)
            assignment_start = service_start
            if rng.random() < 0.4:  # moved into this post after joining
                assignment_start += int(rng.uniform(0, 1) * (start - service_start))
            assignment_start = max(assignment_start, posts["effective_from"][post])
            _, starter = self._starter_terms(terms["role"], terms["title"])
            if assignment_start > service_start:
                # moved into this post after joining: where they came from still stands
                starter = {"route": "internal", "start_origin": starter.get("start_origin", 0)}
            elif starter.get("cfkss") == ref.ASYE and assignment_start < start - YEAR:
                starter["cfkss"] = 0  # the ASYE year is over
            person = self._add_person(start - int(age * YEAR), service_start)
            main = self._start(
                person, assignment_start, contract=self._contract(terms["role"]), **terms, **starter
            )
            if self._can_take_second_job(main) and rng.random() < 0.2:
                since = start - int(rng.uniform(0, 2) * YEAR)
                self._start_second_job(person, max(assignment_start + 1, since))
        for _ in range(self._sessional_target()):
            self._start_sessional(start - int(rng.uniform(0, 3) * YEAR))

    def _sessional_target(self) -> int:
        return round(SESSIONAL_SHARE * len(self.posts))

    def _start_sessional(self, day: int) -> None:
        birth = self._birth_day(day, newly_qualified=False, social_work=False)
        self._start(
            self._add_person(birth, day),
            day,
            team=int(self.rng.choice(self.org.teams_in("Children Looked After"))),
            role=ref.NO_ROLE,
            registered=False,
            title=ref.SESSIONAL_TITLE,
            fte=float(self.rng.choice([0.2, 0.3, 0.4])),
            contract="casual",
            route="external",
            kind=SESSIONAL,
        )

    def _can_take_second_job(self, row: int) -> bool:
        rows = self.rows
        return rows["role"][row] == ref.CASE_HOLDER and rows["fte"][row] <= 1 - SECOND_JOB_FTE

    def _start_second_job(self, person: int, day: int) -> None:
        """Part-time case holders may also work casual out-of-hours sessions (two assignments)."""
        self._start(
            person,
            day,
            team=self.org.teams_in("Front Door")[0],
            role=ref.QUALIFIED_WITHOUT_CASES,
            registered=True,
            title=ref.EMERGENCY_DUTY_TITLE,
            fte=SECOND_JOB_FTE,
            contract="casual",
            route="internal",
            kind=SECOND,
        )

    # --- events -------------------------------------------------------------------------

    def _day_in(self, month: Month, earliest: int) -> int:
        return int(self.rng.integers(max(month.first, earliest), month.last + 1))

    def _leave(self, row: int, day: int) -> None:
        """The person leaves the CFSW workforce (or, outside social work, the authority)."""
        rng, rows = self.rng, self.rows
        person = rows["person"][row]
        age = self._age(person, day)
        cfsw = self._is_cfsw(row)
        if age >= 60 and rng.random() < 0.7 or 55 <= age < 60 and rng.random() < 0.15:
            reason = ref.RETIRED
        else:
            reason = int(choose(rng, ref.LEAVING_REASONS))
            if reason == ref.MOVED_TO_NON_CFSW_ROLE and not cfsw:
                reason = ref.RESIGNATION
        destination = 0
        if cfsw and reason in ref.LEAVER_DESTINATIONS:
            destination = int(choose(rng, ref.LEAVER_DESTINATIONS[reason]))
        self._end(row, day, reason, destination)
        if (second := self.people["second"][person]) >= 0:
            self._end(second, day, reason, destination)
        if reason == ref.MOVED_TO_NON_CFSW_ROLE:
            self._start(
                person,
                day + 1,
                team=rows["team"][row],
                role=ref.NO_ROLE,
                registered=True,
                title=str(rng.choice(ref.NON_CFSW_TITLES)),
                fte=rows["fte"][row],
                contract="permanent",
                route="internal",
            )

    def _move(self, row: int, post: int, day: int) -> None:
        """The old assignment ends on `day` and the new one starts the next day: a move, not a
        leaver (CSWW has no reason code for it, so the ended row says 8, other)."""
        rows = self.rows
        self._end(row, day, ref.OTHER_REASON)
        terms = self._post_terms(post)
        cfkss = rows["cfkss"][row] if rows["cfkss"][row] != ref.ASYE else 0
        if terms["role"] == ref.FIRST_LINE_MANAGER != rows["role"][row]:
            cfkss = ref.PRACTICE_SUPERVISOR if self.rng.random() < 0.4 else 0
        person = rows["person"][row]
        second = self.people["second"][person]
        if second >= 0 and terms["fte"] + SECOND_JOB_FTE > 1:
            self._end(second, day, ref.OTHER_REASON)  # no time left for the extra sessions
        # HR keeps where the person came from on every assignment (CSWW StartOrigin)
        origin = rows["start_origin"][row]
        self._start(
            person,
            day + 1,
            contract="permanent",
            route="internal",
            cfkss=cfkss,
            start_origin=origin,
            **terms,
        )

    def _make_permanent(self, row: int, day: int) -> None:
        rows = self.rows
        self._end(row, day, ref.OTHER_REASON)
        terms = {k: rows[k][row] for k in ("post", "team", "role", "registered", "title", "fte")}
        self._start(
            rows["person"][row],
            day + 1,
            contract="permanent",
            route="internal",
            cfkss=rows["cfkss"][row],
            start_origin=rows["start_origin"][row],
            **terms,
        )

    def _move_target(self, row: int, vacant: list[int]) -> int:
        """A vacant social work post in another team: the same role, or sometimes the next up."""
        rows, posts, rng = self.rows, self.posts, self.rng
        role = rows["role"][row]
        if role in ref.PROMOTION and rng.random() < PROMOTION_SHARE:
            role = ref.PROMOTION[role]
        team = rows["team"][row]
        candidates = [p for p in vacant if posts["role"][p] == role and posts["team"][p] != team]
        return candidates[rng.integers(len(candidates))] if candidates else -1

    # --- one month ----------------------------------------------------------------------

    def _simulate_month(self, month: Month) -> None:
        rows, posts = self.rows, self.posts
        if month.month == 10:
            self._new_census_year(month.year + 1)
        self.open = [r for r in self.open if rows["end"][r] == OPEN]
        settled = [r for r in self.open if rows["start"][r] < month.first]
        vacant = [
            p
            for p in range(len(posts))
            if posts["effective_to"][p] == OPEN and posts["occupant"][p] < 0
        ]
        in_post_fte = sum(rows["fte"][r] for r in self.open if self._is_cfsw(r)) or 1.0
        self._leavers(month, settled, in_post_fte)
        self._moves(month, settled, vacant)
        self._second_jobs(month)
        self._restructure(month, vacant)
        self._fill_vacancies(month, vacant, in_post_fte)
        self._sessional_workers(month)
        if self.counts and month.month == 9:
            self._settle_census_day(month)

    def _new_census_year(self, census_year: int) -> None:
        """Rates drift from year to year around the authority's usual level, or are DfE's
        for the year when the authority is calibrated."""
        drift = self.rng.uniform(1 - YEARLY_DRIFT, 1 + YEARLY_DRIFT, size=2)
        self.turnover = float(np.clip(self.profile.turnover * drift[0], *TURNOVER_TARGETS))
        self.vacancy = float(np.clip(self.profile.vacancy * drift[1], *VACANCY_TARGETS))
        self.census_year_leavers_fte = 0.0
        self._follow_counts(census_year)

    def _follow_counts(self, census_year: int) -> None:
        self.counts = self.profile.counts_of(census_year)
        if self.counts:
            self.turnover = self.counts.turnover
            self.vacancy = max(self.counts.vacancy, MIN_VACANCY)

    def _leavers(self, month: Month, settled: list[int], in_post_fte: float) -> None:
        """CFSW leavers steered so the census year's turnover lands on the target; others at a
        flat rate."""
        rng, rows = self.rng, self.rows
        months_left = (9 - month.month) % 12 + 1  # October: 12 ... September: 1
        year_share = 1.0
        if self.counts:  # September's leavers settle the year on the census day
            months_left, year_share = months_left - 1, 11 / 12
        remaining = self.turnover * in_post_fte * year_share - self.census_year_leavers_fte
        hazard = min(max(remaining, 0) / max(months_left, 1) / in_post_fte, 3 * self.turnover / 12)
        if months_left == 0:
            hazard = 0.0
        social_workers = [r for r in settled if rows["kind"][r] == MAIN and self._is_cfsw(r)]
        older = [
            self._age(rows["person"][r], month.first) >= OLDER_WORKER_AGE for r in social_workers
        ]
        weights = np.where(older, OLDER_WORKER_LEAVING_WEIGHT, 1)
        if self.counts:
            leaving = self._leaving_fte(social_workers, weights, hazard * in_post_fte)
        else:
            chance = hazard * weights / (weights.mean() if len(weights) else 1)
            leaving = np.array(social_workers)[rng.random(len(social_workers)) < chance].tolist()
        for row in leaving:
            second = self.people["second"][rows["person"][row]]
            self.census_year_leavers_fte += rows["fte"][row] + (
                rows["fte"][second] if second >= 0 else 0
            )
            self._leave(row, self._day_in(month, rows["start"][row] + 1))
        others = [r for r in settled if rows["kind"][r] != SECOND and not self._is_cfsw(r)]
        for row in np.array(others)[rng.random(len(others)) < NON_CFSW_TURNOVER / 12].tolist():
            self._leave(row, self._day_in(month, rows["start"][row] + 1))

    def _leaving_fte(self, rows: list[int], weights: np.ndarray, amount: float) -> list[int]:
        """Calibrated: leavers adding up to `amount` FTE (to half a person's FTE), drawn with
        the leaving weights, so the year's leavers track DfE's without running ahead."""
        keys = self.rng.random(len(rows)) ** (1 / weights)  # weighted order, heaviest first
        leaving, taken = [], 0.0
        for i in np.argsort(-keys).tolist():
            fte = self.rows["fte"][rows[i]]
            if taken + fte / 2 > amount:
                break
            leaving.append(rows[i])
            taken += fte
        return leaving

    def _moves(self, month: Month, settled: list[int], vacant: list[int]) -> None:
        """Moves between posts (some promotions) and fixed-term contracts made permanent."""
        rng, rows, posts = self.rng, self.rows, self.posts
        for row in settled:
            if rows["end"][row] != OPEN or rows["kind"][row] != MAIN:
                continue
            if rows["contract"][row] == "fixed_term" and rng.random() < FIXED_TERM_CONVERSION:
                self._make_permanent(row, self._day_in(month, rows["start"][row] + 1))
            elif (
                self._is_cfsw(row)
                and rows["post"][row] >= 0
                and rng.random() < self.profile.move_rate / 12
                and (target := self._move_target(row, vacant)) >= 0
            ):
                vacant.remove(target)
                earliest = max(rows["start"][row] + 1, posts["vacant_since"][target] - 1)
                self._move(row, target, self._day_in(month, earliest))

    def _second_jobs(self, month: Month) -> None:
        rng, rows, people = self.rng, self.rows, self.people
        for person in range(len(people)):
            main, second = people["main"][person], people["second"][person]
            if second >= 0 and rows["start"][second] < month.first:
                if rng.random() < SECOND_JOB_END:
                    day = self._day_in(month, rows["start"][second] + 1)
                    self._end(second, day, ref.OTHER_REASON)
            elif second < 0 and main >= 0 and rows["start"][main] < month.first:
                if self._can_take_second_job(main) and rng.random() < SECOND_JOB_START:
                    self._start_second_job(person, self._day_in(month, rows["start"][main] + 1))

    def _restructure(self, month: Month, vacant: list[int]) -> None:
        """Some vacant posts are deleted at the month end, new posts start on its first day."""
        rng, posts, profile = self.rng, self.posts, self.profile
        for post in list(vacant):
            if rng.random() < POST_DELETION:
                posts["effective_to"][post] = month.last
                vacant.remove(post)
        current = [p for p in range(len(posts)) if posts["effective_to"][p] == OPEN]
        if self.counts:  # social work posts steered to DfE's establishment, the rest grow
            self._steer_establishment(month, current)
            current = [p for p in current if not posts["role"][p]]
        # New posts replace deleted ones and grow (or, where deletions outpace them, shrink)
        # the establishment.
        deleted = POST_DELETION * 12 * profile.vacancy
        growth = max(profile.establishment_growth + deleted, 0) / 12
        for template in rng.choice(current, size=rng.poisson(growth * len(current))).tolist():
            self._add_post(
                posts["team"][template],
                posts["role"][template],
                posts["title"][template],
                posts["budget"][template],
                month.first,
            )

    def _steer_establishment(self, month: Month, current: list[int]) -> None:
        """Social work posts move towards DfE's establishment (in post + vacant FTE) of the
        census year, evenly over the months left: new posts, or vacant ones deleted."""
        rng, posts = self.rng, self.posts
        social_work = [p for p in current if posts["role"][p]]
        establishment = sum(posts["budget"][p] for p in social_work)
        wanted = self.counts.inpost_fte + self.counts.vacancy_fte
        gap = (wanted - establishment) / ((9 - month.month) % 12 + 1)
        if gap > 0:
            mean_budget = establishment / max(len(social_work), 1) or 1.0
            for template in rng.choice(social_work, size=rng.poisson(gap / mean_budget)).tolist():
                self._copy_post(template, month.first)
            return
        vacant = [p for p in social_work if posts["occupant"][p] < 0]
        for i in choose_fte([posts["budget"][p] for p in vacant], -gap, rng):
            posts["effective_to"][vacant[i]] = month.last

    def _copy_post(self, template: int, effective_from: int, budget: float | None = None):
        posts = self.posts
        self._add_post(
            posts["team"][template],
            posts["role"][template],
            posts["title"][template],
            posts["budget"][template] if budget is None else budget,
            effective_from,
        )

    def _cfsw_fte_on(self, day: int) -> float:
        rows = self.rows
        return sum(
            rows["fte"][r]
            for r in self.open
            if rows["end"][r] == OPEN and rows["start"][r] <= day and self._is_cfsw(r)
        )

    def _social_work_posts_on(self, day: int) -> list[int]:
        posts = self.posts
        return [
            p
            for p in range(len(posts))
            if posts["role"][p]
            and posts["effective_from"][p] <= day
            and (posts["effective_to"][p] == OPEN or posts["effective_to"][p] >= day)
        ]

    def _vacant_fte_on(self, day: int) -> float:
        """Vacant FTE of social work posts effective on `day` (DfE: budget not held by an
        employed CFSW in post that day)."""
        posts, rows = self.posts, self.rows
        vacant = 0.0
        for p in self._social_work_posts_on(day):
            holder = posts["occupant"][p]
            held = rows["fte"][holder] if holder >= 0 and rows["start"][holder] <= day else 0.0
            vacant += max(0.0, posts["budget"][p] - held)
        return vacant

    def _settle_census_day(self, month: Month) -> None:
        """A calibrated census day (30 September) meets DfE's counts: September's CFSW leavers
        and a September intake of starters make leavers / in-post FTE DfE's turnover with
        DfE's in-post FTE (or, where the year's leavers so far leave no room, the nearest
        in-post FTE that turnover allows); vacant posts are then added, or deleted the day
        before, for DfE's vacancies per in-post FTE."""
        counts, rows, posts, rng, day = self.counts, self.rows, self.posts, self.rng, month.last
        self.open = [r for r in self.open if rows["end"][r] == OPEN]
        in_post_fte, leavers_fte = self._cfsw_fte_on(day), self.census_year_leavers_fte
        turnover = counts.turnover
        target = max(counts.inpost_fte, (in_post_fte + leavers_fte) / (1 + turnover))
        if turnover:
            target = max(target, leavers_fte / turnover)

        # leavers: people settled in a CFSW post whose every assignment began before September
        candidates, leaving_fte = [], []
        for r in self.open:
            second = self.people["second"][rows["person"][r]]
            if (
                rows["kind"][r] == MAIN
                and self._is_cfsw(r)
                and rows["start"][r] < month.first
                and (second < 0 or rows["start"][second] < month.first)
            ):
                candidates.append(r)
                leaving_fte.append(rows["fte"][r] + (rows["fte"][second] if second >= 0 else 0))
        for i in choose_fte(leaving_fte, turnover * target - leavers_fte, rng):
            self.census_year_leavers_fte += leaving_fte[i]
            self._leave(candidates[i], self._day_in(month, month.first))

        # starters: vacant posts filled in September (new posts when too few are vacant)
        in_post_fte = self._cfsw_fte_on(day)
        if turnover:
            target = self.census_year_leavers_fte / turnover
        wanted = target - in_post_fte
        vacant = [
            p
            for p in self._social_work_posts_on(day)
            if posts["occupant"][p] < 0
            and posts["effective_to"][p] == OPEN
            and posts["vacant_since"][p] <= day
        ]
        shortfall = wanted - sum(posts["budget"][p] for p in vacant) + 2.0
        templates = [p for p in self._social_work_posts_on(day) if posts["effective_to"][p] == OPEN]
        while shortfall > 0 and templates:
            self._copy_post(int(rng.choice(templates)), month.first)
            vacant.append(len(posts) - 1)
            shortfall -= posts["budget"][len(posts) - 1]
        for i in choose_fte([posts["budget"][p] for p in vacant], wanted, rng):
            post = vacant[i]
            self._fill(post, self._day_in(month, posts["vacant_since"][post]))

        # vacancies: posts added (any budget in tenths of an FTE) or vacant ones deleted
        in_post_fte = self._cfsw_fte_on(day)
        gap = counts.vacancies_for(in_post_fte) - self._vacant_fte_on(day)
        if gap < 0:
            deletable = [
                p
                for p in self._social_work_posts_on(day)
                if posts["occupant"][p] < 0
                and posts["effective_to"][p] == OPEN
                and posts["vacant_since"][p] <= day
                and posts["effective_from"][p] < day
            ]
            budgets = [posts["budget"][p] for p in deletable]
            for i in choose_fte(budgets, -gap, rng, at_least=True):
                posts["effective_to"][deletable[i]] = day - 1
                gap += budgets[i]
        templates = [p for p in self._social_work_posts_on(day) if posts["effective_to"][p] == OPEN]
        while round(gap, 1) >= 0.1 and templates:
            budget = min(1.0, round(gap, 1))
            self._copy_post(int(rng.choice(templates)), month.first, budget)
            gap -= budget

    def _fill_vacancies(self, month: Month, vacant_at_start: list[int], in_post_fte: float):
        """Vacant posts are filled, social work posts faster while vacancies run above target."""
        rng, posts = self.rng, self.posts
        wanted_vacant_fte = self.vacancy / (1 - self.vacancy) * in_post_fte
        vacant_fte = sum(posts["budget"][p] for p in vacant_at_start if posts["role"][p])
        usual = self.turnover / 12 * (1 - self.vacancy) / self.vacancy
        social_work = float(np.clip(usual * (vacant_fte / wanted_vacant_fte) ** 2, 0.005, 0.6))
        if self.counts and in_post_fte >= self.counts.inpost_fte:
            social_work = 0.005  # calibrated: the census day's intake tops up to DfE's in post
        for post in range(len(posts)):
            if posts["occupant"][post] >= 0 or posts["effective_to"][post] != OPEN:
                continue
            if posts["vacant_since"][post] > month.last:
                continue
            chance = social_work if posts["role"][post] else NON_SOCIAL_WORK_FILL
            if rng.random() < chance:
                self._fill(post, self._day_in(month, posts["vacant_since"][post]))

    def _sessional_workers(self, month: Month) -> None:
        sessional = sum(1 for r in self.open if self.rows["kind"][r] == SESSIONAL)
        shortfall = max(0, self._sessional_target() - sessional)
        joining = self.rng.poisson(0.3 * shortfall + NON_CFSW_TURNOVER / 12 * sessional)
        for _ in range(joining):
            self._start_sessional(self._day_in(month, month.first))

    # --- result -------------------------------------------------------------------------

    def run(self) -> Workforce:
        self._build_establishment()
        if self.profile.calibration:
            self._match_case_holder_share()
        self._populate()
        months = self.timeline.months()
        # The census year is already under way at the start: assume its leavers so far were
        # on target.
        months_done = (months[0].month - 10) % 12
        self._follow_counts(months[0].year + (months[0].month >= 10))
        in_post_fte = sum(self.rows["fte"][r] for r in self.open if self._is_cfsw(r))
        self.census_year_leavers_fte = self.turnover * in_post_fte * months_done / 12
        for month in months:
            self._simulate_month(month)
        return self._freeze()

    def _freeze(self) -> Workforce:
        def array(values: list) -> np.ndarray:
            return np.array(values, dtype=object if isinstance(values[0], str) else None)

        posts, people, rows = self.posts, self.people, self.rows
        return Workforce(
            organisation=self.org,
            post_team=array(posts["team"]),
            post_role=array(posts["role"]),
            post_budget=array(posts["budget"]),
            post_from=array(posts["effective_from"]),
            post_to=array(posts["effective_to"]),
            birth_day=array(people["birth_day"]),
            service_start=array(people["service_start"]),
            **{name: array(rows[name]) for name in ASSIGNMENT_COLUMNS},
        )


def simulate_workforce(
    profile: AuthorityProfile, timeline: Timeline, rng: np.random.Generator
) -> Workforce:
    return _Simulation(profile, timeline, rng).run()
