"""Turn one authority's simulated history into extract files as the contract defines them.

Each snapshot kind is built once as a table of every record ever (with its final values),
then filtered per extract date: records started by then and not ended more than 24 months
before, with end dates (and leaving reasons) blanked where the end still lay in the future.
A record therefore only changes between snapshots when something happened to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from orchestration.contract import KINDS, OTHER_ALLOWANCES, PAY_OFFER_ITEMS, Type
from orchestration.generator import reference as ref
from orchestration.generator.agency_rules import agency_rules_columns
from orchestration.generator.authority import AuthorityHistory
from orchestration.generator.payroll import PAY_ELEMENTS, monthly_pay, pay_index
from orchestration.generator.recruitment import (
    NOT_RECRUITED,
    STAGES,
    Applications,
    shown_at,
    simulate_recruitment,
)
from orchestration.generator.timeline import (
    OPEN,
    RETENTION_MONTHS,
    Month,
    Timeline,
    day_number,
    months_before,
    to_date,
    weekdays_between,
)

ARROW_TYPES = {
    Type.TEXT: pa.string(),
    Type.CODE: pa.string(),
    Type.INT_CODE: pa.int16(),
    Type.BOOL: pa.bool_(),
    Type.DATE: pa.date32(),
    Type.FTE: pa.float64(),
    Type.QUANTITY: pa.float64(),
    Type.MONEY: pa.decimal128(18, 2),
}
CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="none")


def build_table(kind: str, columns: dict[str, object]) -> pa.Table:
    """A table with exactly the contract's columns, in order, typed for writing.

    Values are numpy arrays or lists; for codes, dates and money a (values, null mask) pair.
    Dates are day numbers; FTEs and quantities are rounded to 2 decimals; money is exact to
    the penny.
    """
    arrays = []
    for column in KINDS[kind].columns:
        values, mask = columns[column.name], None
        if isinstance(values, tuple):
            values, mask = values
        arrow_type = ARROW_TYPES[column.type]
        if column.type is Type.DATE:
            arrays.append(pa.array(np.asarray(values, dtype=np.int32), arrow_type, mask=mask))
        elif column.type in (Type.FTE, Type.QUANTITY):
            arrays.append(pa.array(np.round(np.asarray(values, dtype=float), 2), mask=mask))
        elif column.type is Type.MONEY:
            arrays.append(money(values, mask))
        else:
            arrays.append(pa.array(values, arrow_type, mask=mask))
    return pa.Table.from_arrays(arrays, names=[c.name for c in KINDS[kind].columns])


def money(values, mask=None) -> pa.Array:
    """Amounts as a money column, exact to the penny (null where `mask`)."""
    rounded = pa.array(np.round(np.asarray(values, dtype=float), 2), mask=mask)
    return pc.cast(rounded, ARROW_TYPES[Type.MONEY], safe=False)


def write_csv(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        file.write((",".join(table.column_names) + "\n").encode())
        pa_csv.write_csv(table, file, CSV_OPTIONS)
    return path


def extract_path(folder: Path, kind: str, as_at: date) -> Path:
    return folder / f"{kind}_{as_at:%Y%m%d}.csv"


def dates(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers as a date column, OPEN as null."""
    days = np.asarray(days)
    return np.where(days == OPEN, 0, days), days == OPEN


def codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Code values as a code column, 0 as null."""
    values = np.asarray(values)
    return values, values == 0


def qualifying_institutions(swe_numbers: np.ndarray) -> np.ndarray:
    """CSWW QualInst of each registered person, None for the unregistered and for the few with
    none recorded. Drawn from the SWE number's hash, so the other draws of the simulation (and
    every other column) are as they were before the column existed, and a person converted from
    agency cover has one institution in both extracts."""
    institutions = ref.QUALIFYING_INSTITUTIONS
    out = []
    for swe in np.asarray(swe_numbers, dtype=object).tolist():
        if not swe:
            out.append(None)
            continue
        draw = int.from_bytes(hashlib.sha256(f"qual_inst:{swe}".encode()).digest()[:8], "big")
        unrecorded = (draw % 10_000) / 10_000 < ref.QUAL_INST_NOT_RECORDED
        out.append(None if unrecorded else institutions[(draw >> 16) % len(institutions)])
    return np.array(out, dtype=object)


def identifiers(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    return np.array([f"{prefix}{n:0{width}d}" for n in np.asarray(numbers).tolist()], dtype=object)


@dataclass(frozen=True)
class SnapshotRecords:
    """Every record a snapshot kind ever holds, with when it starts and ends."""

    kind: str
    table: pa.Table
    start: np.ndarray
    end: np.ndarray
    revealed_by_end: tuple[str, ...]  # columns only known once the record has ended
    # columns whose value depends on the extract date (a salary after the April pay award):
    # the column of every record as at that date
    dated: dict[str, Callable[[date], pa.Array]] = field(default_factory=dict)

    def as_at(self, as_at: date) -> pa.Table:
        day = day_number(as_at)
        retained_since = day_number(months_before(as_at, RETENTION_MONTHS))
        shown = (self.start <= day) & (self.end > retained_since)
        table = self.table.filter(pa.array(shown))
        for name, column_at in self.dated.items():
            position = table.schema.get_field_index(name)
            table = table.set_column(position, name, column_at(as_at).filter(pa.array(shown)))
        not_ended_yet = pa.array(self.end[shown] > day)
        for name in self.revealed_by_end:
            position = table.schema.get_field_index(name)
            column = table.column(position)
            hidden = pc.if_else(not_ended_yet, pa.scalar(None, column.type), column)
            table = table.set_column(position, name, hidden)
        return table


class AuthorityExtracts:
    """The tables of one authority's history, with the identifiers its systems would use."""

    def __init__(self, history: AuthorityHistory):
        self.history = history
        self.la_code = history.profile.la_code
        org = history.workforce.organisation
        self.team_names = np.array(org.team_names, dtype=object)
        self.team_areas = np.array(org.team_areas, dtype=object)
        self.cost_centres = np.array(org.cost_centres, dtype=object)
        wf = history.workforce
        self.employee_ids = identifiers(self.la_code, np.arange(1, len(wf.birth_day) + 1), 6)
        self.post_ids = identifiers(f"POST{self.la_code}", np.arange(1, len(wf.post_role) + 1), 5)
        self.assignment_ids = self._employee_assignment_ids()
        agency = history.agency
        self.agency_worker_ids = identifiers(
            f"AW{self.la_code}", np.arange(1, len(agency.worker_agency) + 1), 5
        )
        self.agency_assignment_ids = identifiers(
            f"AG{self.la_code}", np.arange(1, len(agency.worker) + 1), 6
        )

    def _employee_assignment_ids(self) -> np.ndarray:
        """`<employee_id>-<n>`: an employee's n-th assignment, as HR systems number them."""
        person = self.history.workforce.person
        order = np.argsort(person, kind="stable")
        first_of_person = np.searchsorted(person[order], person[order])
        sequence = np.empty(len(person), dtype=np.int64)
        sequence[order] = np.arange(len(person)) - first_of_person + 1
        return np.array(
            [f"{e}-{n}" for e, n in zip(self.employee_ids[person], sequence.tolist(), strict=True)],
            dtype=object,
        )

    def _post_ids(self, posts: np.ndarray) -> np.ndarray:
        return np.where(posts >= 0, self.post_ids[np.maximum(posts, 0)], None)

    # --- snapshot kinds -------------------------------------------------------------------

    def hr_staff(self) -> SnapshotRecords:
        wf, people = self.history.workforce, self.history.identities
        person = wf.person
        route = wf.route.copy()
        origin = wf.start_origin.copy()
        route[self.history.agency.converted_rows] = "agency_conversion"
        origin[self.history.agency.converted_rows] = ref.FROM_AGENCY
        registered = wf.registered
        table = build_table(
            "hr_staff",
            {
                "assignment_id": self.assignment_ids,
                "employee_id": self.employee_ids[person],
                "post_id": self._post_ids(wf.post),
                "full_name": people.full_name[person],
                "date_of_birth": dates(wf.birth_day[person]),
                "gender": (people.gender[person], None),
                "ethnicity": people.ethnicity[person],
                "swe_number": np.where(registered, people.swe_number[person], None),
                "registered_social_worker": registered,
                "org_role": codes(wf.role),
                "job_title": wf.title,
                "service_area": self.team_areas[wf.team],
                "team": self.team_names[wf.team],
                "fte": wf.fte,
                "contract_type": wf.contract,
                "start_date": dates(wf.start),
                "service_start_date": dates(wf.service_start[person]),
                "end_date": dates(wf.end),
                "leaving_reason": codes(wf.leaving_reason),
                "leaver_destination": codes(wf.leaver_destination),
                "start_origin": codes(origin),
                "recruitment_route": np.where(route == "", None, route),
                "cfkss_status": codes(wf.cfkss),
                "qual_level": codes(np.where(registered, people.qual_level[person], 0)),
                "qual_inst": qualifying_institutions(
                    np.where(registered, people.swe_number[person], None)
                ),
                "base_salary_gbp": (np.zeros(len(person)), np.ones(len(person), dtype=bool)),
            },
        )
        return SnapshotRecords(
            "hr_staff",
            table,
            wf.start,
            wf.end,
            ("end_date", "leaving_reason", "leaver_destination"),
            dated={"base_salary_gbp": self.base_salaries},
        )

    def base_salaries(self, as_at: date) -> pa.Array:
        """Each assignment's contracted annual base salary as at the date: its salary at the
        pay level of that date (NJC awards from April), as paid, so a part-timer's is the
        full-time rate x FTE; staff paid by the hours they claim, their rate for the contracted
        hours. A few are not recorded, drawn from the assignment's position (stable across
        snapshots)."""
        wf, policy = self.history.workforce, self.history.pay_policy
        annual = np.where(
            policy.hourly_rate > 0, policy.hourly_rate * ref.CONTRACTED_HOURS_A_YEAR, policy.salary
        )
        salary = annual * pay_index(as_at.year, as_at.month) * wf.fte
        draws = np.array(
            [
                int.from_bytes(hashlib.sha256(f"base_salary:{n}".encode()).digest()[:8], "big")
                for n in range(len(salary))
            ]
        )
        unrecorded = (draws % 10_000) / 10_000 < ref.BASE_SALARY_NOT_RECORDED
        missing = (annual <= 0) | unrecorded
        return money(np.where(missing, 0.0, salary), missing)

    def hr_establishment(self) -> SnapshotRecords:
        wf = self.history.workforce
        table = build_table(
            "hr_establishment",
            {
                "post_id": self.post_ids,
                "service_area": self.team_areas[wf.post_team],
                "team": self.team_names[wf.post_team],
                "org_role": codes(wf.post_role),
                "social_work_post": wf.post_role > 0,
                "budgeted_fte": wf.post_budget,
                "effective_from": dates(wf.post_from),
                "effective_to": dates(wf.post_to),
                "cost_centre": self.cost_centres[wf.post_team],
            },
        )
        return SnapshotRecords(
            "hr_establishment", table, wf.post_from, wf.post_to, ("effective_to",)
        )

    def agency_assignments(self) -> SnapshotRecords:
        agency = self.history.agency
        table = build_table(
            "agency_assignments",
            {
                "assignment_id": self.agency_assignment_ids,
                "agency_worker_id": self.agency_worker_ids[agency.worker],
                "swe_number": agency.worker_swe[agency.worker],
                "registered_social_worker": agency.registered,
                "agency_name": agency.worker_agency[agency.worker],
                "org_role": codes(agency.role),
                "service_area": self.team_areas[agency.team],
                "team": self.team_names[agency.team],
                "post_id": self._post_ids(agency.post),
                "cover_reason": agency.cover_reason,
                "fte": agency.fte,
                "start_date": dates(agency.start),
                "end_date": dates(agency.end),
                "hourly_charge_gbp": agency.hourly_rate,
                "qual_inst": qualifying_institutions(agency.worker_swe[agency.worker]),
                **agency_rules_columns(
                    self.la_code,
                    self.agency_assignment_ids,
                    agency.registered,
                    agency.role,
                    agency.cover_reason,
                ),  # fmt: skip
            },
        )
        return SnapshotRecords("agency_assignments", table, agency.start, agency.end, ("end_date",))

    def case_allocations(self) -> SnapshotRecords:
        holders, allocations = self.history.holders, self.history.allocations
        holder = allocations.holder
        is_agency = holders.is_agency[holder]
        worker = holders.worker[holder]
        worker_id = np.where(
            is_agency,
            self.agency_worker_ids[np.where(is_agency, worker, 0)],
            self.employee_ids[np.where(is_agency, 0, worker)],
        )
        table = build_table(
            "case_allocations",
            {
                "allocation_id": identifiers(f"AL{self.la_code}", np.arange(1, len(holder) + 1), 7),
                "child_id": identifiers(f"CH{self.la_code}", allocations.child + 1, 6),
                "worker_id": worker_id,
                "worker_source": np.where(is_agency, "agency", "employee").astype(object),
                "team": self.team_names[holders.team[holder]],
                "case_type": np.array(ref.CASE_TYPES, dtype=object)[allocations.case_type],
                "allocation_start": dates(allocations.start),
                "allocation_end": dates(allocations.end),
            },
        )
        return SnapshotRecords(
            "case_allocations", table, allocations.start, allocations.end, ("allocation_end",)
        )

    def hr_pay_offer(self, as_at: date) -> pa.Table:
        """The authority's pay offer to its social workers as at the date, every item listed.
        Bonuses follow what payroll pays (golden hellos, retention allowances, market
        supplements); the rest is drawn from the authority code and census year alone, so no
        other column's random draws move."""
        profile = self.history.profile
        census_year = as_at.year if as_at >= date(as_at.year, 9, 30) else as_at.year - 1

        def draw(item: str) -> float:
            digest = hashlib.sha256(f"pay_offer:{self.la_code}:{item}".encode()).digest()
            return int.from_bytes(digest[:8], "big") / 2**64

        def some_if(pays: bool) -> str:
            return "some" if pays else "none"

        eligible = {
            "recruitment_bonus": some_if(profile.pays_golden_hello),
            "retention_bonus": some_if(profile.pays_retention_allowance),
            "performance_award": some_if(draw("performance_award") < 0.1),
            "car_allowance": "some" if draw("car_allowance") < 0.6 else "none",
            "relocation_package": some_if(draw("relocation_package") < 0.35),
            "regional_weighting": "all" if profile.is_london else "none",
            # most authorities came to pay registration fees in the later years
            "cost_swe": "all" if draw("cost_swe") < 0.3 + 0.1 * (census_year - 2023) else "none",
            "cost_dbs": "all" if draw("cost_dbs") < 0.9 else "some",
            OTHER_ALLOWANCES: None,
        }
        extras = ref.OTHER_ALLOWANCES_OFFERED
        offered = draw(OTHER_ALLOWANCES)
        detail = extras[int(offered * len(extras))] if offered < 0.7 else None
        return build_table(
            "hr_pay_offer",
            {
                "item": np.array(PAY_OFFER_ITEMS, dtype=object),
                "eligible": np.array([eligible[item] for item in PAY_OFFER_ITEMS], dtype=object),
                "detail": np.array(
                    [detail if item == OTHER_ALLOWANCES else None for item in PAY_OFFER_ITEMS],
                    dtype=object,
                ),
            },
        )

    def applications(self, since_day: int, end_day: int, rng: np.random.Generator) -> Applications:
        """Every application, around the registered social workers hired from outside."""
        wf = self.history.workforce
        route = wf.route.copy()
        route[self.history.agency.converted_rows] = "agency_conversion"
        recruited = wf.is_cfsw & ~np.isin(route, NOT_RECRUITED)
        return simulate_recruitment(wf.start, recruited, wf.team, since_day, end_day, rng)

    def recruitment(self, applications: Applications, as_at: date) -> pa.Table:
        """The applicant tracking system's snapshot of the date: a hired candidate is known by
        their HR employee number, every other by the system's own candidate number."""
        wf = self.history.workforce
        shown, known = shown_at(applications, as_at)
        numbers = np.flatnonzero(shown) + 1
        row = applications.row[shown]
        route = wf.route[row]
        withdrawn = known["withdrawn_date"] != OPEN
        return build_table(
            "recruitment",
            {
                "application_id": identifiers(f"APP{self.la_code}", numbers, 7),
                "candidate_id": np.where(
                    applications.hired[shown],
                    self.employee_ids[wf.person[row]],
                    identifiers(f"CAND{self.la_code}", numbers, 7),
                ),
                "requisition_id": identifiers(
                    f"REQ{self.la_code}", applications.requisition[shown] + 1, 5
                ),
                "post_id": self._post_ids(wf.post[row]),
                "service_area": self.team_areas[wf.team[row]],
                "team": self.team_names[wf.team[row]],
                "org_role": codes(wf.role[row]),
                "recruitment_route": np.where(route == "", None, route),
                **{stage: dates(known[stage]) for stage in STAGES},
                "withdrawn_by": np.where(withdrawn, applications.withdrawn_by[shown], None),
                "fte": wf.fte[row],
            },
        )

    # --- period kinds ---------------------------------------------------------------------

    def agency_timesheets(self) -> tuple[pa.Table, np.ndarray]:
        """Every timesheet, with its week ending day number to split the table by month."""
        sheets = self.history.timesheets
        table = build_table(
            "agency_timesheets",
            {
                "timesheet_id": identifiers(
                    f"TS{self.la_code}", np.arange(1, len(sheets.assignment) + 1), 7
                ),
                "assignment_id": self.agency_assignment_ids[sheets.assignment],
                "week_ending": dates(sheets.week_ending),
                "hours": sheets.hours,
                "charge_gbp": sheets.charge,
            },
        )
        return table, sheets.week_ending

    def hr_absence(self, quarter_end: date) -> pa.Table:
        """Episodes that started in the quarter or were still open at its start."""
        absences = self.history.absences
        day = day_number(quarter_end)
        previous = day_number(months_before(quarter_end, 3))
        shown = (absences.start <= day) & ((absences.start > previous) | (absences.end > previous))
        start, end = absences.start[shown], absences.end[shown]
        known_end = np.where(end <= day, end, OPEN)
        lost = weekdays_between(start, np.minimum(end, day)) * absences.fte[shown]
        ids = identifiers(f"AB{self.la_code}", np.flatnonzero(shown) + 1, 7)
        return build_table(
            "hr_absence",
            {
                "absence_id": ids,
                "employee_id": self.employee_ids[
                    self.history.workforce.person[absences.row[shown]]
                ],
                "absence_type": absences.code[shown],
                "start_date": dates(start),
                "end_date": dates(known_end),
                "working_days_lost": lost,
            },
        )

    def payroll(self, month: Month, rng: np.random.Generator) -> pa.Table:
        wf = self.history.workforce
        lines = monthly_pay(wf, self.history.pay_policy, self.history.profile, month, rng)
        return build_table(
            "payroll",
            {
                "employee_id": self.employee_ids[wf.person[lines.row]],
                "assignment_id": self.assignment_ids[lines.row],
                "pay_period": np.full(len(lines.row), f"{month.year}-{month.month:02d}", object),
                "pay_element": np.array(PAY_ELEMENTS, dtype=object)[lines.element],
                "amount_gbp": lines.amount,
                "cost_centre": self.cost_centres[wf.team[lines.row]],
            },
        )


def write_extracts(
    folder: Path,
    history: AuthorityHistory,
    timeline: Timeline,
    payroll_rng: np.random.Generator,
    recruitment_rng: np.random.Generator,
) -> list[Path]:
    """Write every extract of one authority; returns the paths in the order written."""
    extracts = AuthorityExtracts(history)
    written = []
    for build in (
        extracts.hr_staff,
        extracts.hr_establishment,
        extracts.agency_assignments,
        extracts.case_allocations,
    ):
        records = build()
        for as_at in timeline.snapshot_dates:
            path = extract_path(folder, records.kind, as_at)
            written.append(write_csv(path, records.as_at(as_at)))
    for census_date in timeline.census_dates:
        path = extract_path(folder, "hr_pay_offer", census_date)
        written.append(write_csv(path, extracts.hr_pay_offer(census_date)))
    applications = extracts.applications(timeline.start_day, timeline.end_day, recruitment_rng)
    for as_at in timeline.snapshot_dates:
        path = extract_path(folder, "recruitment", as_at)
        written.append(write_csv(path, extracts.recruitment(applications, as_at)))
    for run_date, month in timeline.pay_runs():
        path = extract_path(folder, "payroll", run_date)
        written.append(write_csv(path, extracts.payroll(month, payroll_rng)))
    sheets, week_ending = extracts.agency_timesheets()
    for month in timeline.complete_months():
        rows = np.flatnonzero((week_ending >= month.first) & (week_ending <= month.last))
        path = extract_path(folder, "agency_timesheets", to_date(month.last))
        written.append(write_csv(path, sheets.take(rows)))
    for quarter_end in timeline.quarter_ends:
        path = extract_path(folder, "hr_absence", quarter_end)
        written.append(write_csv(path, extracts.hr_absence(quarter_end)))
    return written
