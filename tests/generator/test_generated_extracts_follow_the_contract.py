"""The synthetic extract generator writes contract-shaped, consistent, realistic extracts."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from orchestration.contract import KINDS, SNAPSHOT_KINDS
from orchestration.generator import generate

SEED = 20251231
AUTHORITIES = ("383", "202")  # the first two generated: Leeds, Camden
END_DATE = date(2025, 12, 31)
LATEST_CENSUS = date(2025, 9, 30)
# the snapshot kinds whose records start and end (not hr_pay_offer's items): by date order
START_COLUMN = {k: KINDS[k].date_order[0][0] for k in SNAPSHOT_KINDS if KINDS[k].date_order}


@pytest.fixture(scope="module")
def extracts(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("extracts")
    generate(out, authorities=len(AUTHORITIES), years=2, seed=SEED, end_date=END_DATE)
    return out


def files_of(folder: Path, kind: str) -> list[Path]:
    return sorted(folder.glob(f"{kind}_*.csv"))


def extract_date(path: Path) -> str:
    stamp = path.stem.rsplit("_", 1)[1]
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"


def read(path: Path) -> pd.DataFrame:
    """All columns as text (ISO dates compare correctly as text); empty cells as NaN."""
    return pd.read_csv(path, dtype=str, encoding="utf-8")


def read_all(folder: Path, kind: str) -> pd.DataFrame:
    return pd.concat([read(p) for p in files_of(folder, kind)], ignore_index=True)


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def test_every_kind_is_written_with_exactly_the_contract_columns_in_order(extracts):
    for la_code in AUTHORITIES:
        for kind in KINDS.values():
            paths = files_of(extracts / la_code, kind.name)
            assert paths, f"no {kind.name} files for {la_code}"
            for path in paths:
                with path.open(encoding="utf-8", newline="") as file:
                    header = next(csv.reader(file))
                assert header == [c.name for c in kind.columns], path.name


def test_snapshot_files_come_every_quarter_end_and_period_files_every_month(extracts):
    folder = extracts / AUTHORITIES[0]
    snapshot_dates = [extract_date(p) for p in files_of(folder, "hr_staff")]
    # Census years 2024 and 2025: snapshots from 31 Mar 2024, period files from 1 Oct 2023.
    assert snapshot_dates[0] == "2024-03-31" and snapshot_dates[-1] == "2025-12-31"
    assert len(snapshot_dates) == 8
    payroll_dates = [extract_date(p) for p in files_of(folder, "payroll")]
    assert payroll_dates[0] == "2023-10-20" and payroll_dates[-1] == "2025-12-20"
    assert len(payroll_dates) == len(files_of(folder, "agency_timesheets")) == 27
    assert len(files_of(folder, "hr_absence")) == 9


def test_the_same_seed_gives_byte_identical_files_and_another_seed_differs(extracts, tmp_path):
    generate(
        tmp_path / "again", authorities=len(AUTHORITIES), years=2, seed=SEED, end_date=END_DATE
    )
    assert file_bytes(tmp_path / "again") == file_bytes(extracts)
    generate(tmp_path / "other", authorities=1, years=2, seed=SEED + 1, end_date=END_DATE)
    other = file_bytes(tmp_path / "other")
    first = {name: data for name, data in file_bytes(extracts).items() if name in other}
    assert other.keys() == first.keys()
    assert all(other[name] != first[name] for name in other if "hr_staff" in name)


def test_generate_returns_the_files_it_wrote_and_reports_each_authority(tmp_path):
    lines = []
    written = generate(tmp_path, authorities=1, years=1, seed=SEED, progress=lines.append)
    assert sorted(written) == sorted(tmp_path.rglob("*.csv"))
    # each authority's extracts in its folder, then the agency rules' price caps in the root
    assert all(path.parent.name == AUTHORITIES[0] for path in written[:-1])
    assert written[-1] == tmp_path / "agency_price_caps_20250401.csv"
    assert len(lines) == 1 and lines[0].startswith("383 Leeds")


def test_adding_authorities_leaves_the_earlier_ones_unchanged(extracts, tmp_path):
    generate(tmp_path, authorities=1, years=2, seed=SEED, end_date=END_DATE)
    alone = file_bytes(tmp_path)
    together = file_bytes(extracts)
    assert alone == {name: together[name] for name in alone}


@pytest.mark.parametrize("kind", START_COLUMN)
def test_snapshots_hold_no_record_starting_after_their_extract_date(extracts, kind):
    for la_code in AUTHORITIES:
        for path in files_of(extracts / la_code, kind):
            starts = read(path)[START_COLUMN[kind]]
            assert (starts <= extract_date(path)).all(), path.name


def test_snapshot_keys_are_unique_and_ended_records_are_kept_24_months(extracts):
    folder = extracts / AUTHORITIES[0]
    latest = read(files_of(folder, "hr_staff")[-1])
    assert latest.assignment_id.is_unique
    assert latest.end_date.dropna().min() >= "2024-01-01"
    assert (latest.end_date.dropna() < "2024-02-01").any()  # leavers from 23 months back


def test_staff_fte_is_above_0_and_at_most_1(extracts):
    for la_code in AUTHORITIES:
        fte = read_all(extracts / la_code, "hr_staff").fte.astype(float)
        assert fte.gt(0).all() and fte.le(1).all()
        assert 0.1 < fte.lt(1).mean() < 0.35  # a realistic share works part time


def test_a_record_changes_between_snapshots_only_when_it_ends(extracts):
    """The pipeline stores changes only, so unchanged records must repeat byte for byte (but
    for the base salary, which the pay award raises each April)."""
    paths = files_of(extracts / AUTHORITIES[0], "hr_staff")
    may_change = ["end_date", "leaving_reason", "leaver_destination", "base_salary_gbp"]
    for earlier, later in zip(paths, paths[1:], strict=False):
        before = read(earlier).set_index("assignment_id")
        after = read(later).set_index("assignment_id")
        both = before.index.intersection(after.index)
        stable = before.columns.difference(may_change)
        pd.testing.assert_frame_equal(before.loc[both, stable], after.loc[both, stable])
        ended_before = before.loc[both, "end_date"].notna()
        assert after.loc[both][ended_before].end_date.equals(
            before.loc[both][ended_before].end_date
        )


def test_staff_histories_hold_moves_second_jobs_and_coded_leavers(extracts):
    staff = read(files_of(extracts / AUTHORITIES[0], "hr_staff")[-1])
    ended = staff.dropna(subset=["end_date"])
    next_day = pd.to_datetime(ended.end_date) + timedelta(days=1)
    moves = ended.assign(start_date=next_day.dt.strftime("%Y-%m-%d")).merge(
        staff[["employee_id", "start_date"]], on=["employee_id", "start_date"]
    )
    assert len(moves) > 5  # a new assignment the day after the old one ended
    current = staff[staff.end_date.isna()]
    assert current.employee_id.duplicated().any()  # two assignments at once
    assert ended.leaving_reason.astype(int).between(1, 10).all()
    leavers = ended[ended.leaver_destination.notna()]  # social workers who left
    assert leavers.leaving_reason.value_counts().idxmax() == "1"  # resignation
    registered = staff[staff.registered_social_worker == "true"]
    assert registered.swe_number.str.fullmatch(r"SW\d{10}").all()
    assert staff[staff.registered_social_worker == "false"].org_role.isna().all()
    assert "agency_conversion" in set(staff.recruitment_route)


def test_every_timesheet_refers_to_a_delivered_agency_assignment(extracts):
    for la_code in AUTHORITIES:
        folder = extracts / la_code
        delivered = set(read_all(folder, "agency_assignments").assignment_id)
        timesheets = read_all(folder, "agency_timesheets")
        assert len(timesheets) > 0
        assert set(timesheets.assignment_id) <= delivered
        charge = timesheets.charge_gbp.astype(float)
        assert (charge < 0).any()  # some credit notes


def test_every_case_allocation_is_held_by_a_known_worker(extracts):
    for la_code in AUTHORITIES:
        folder = extracts / la_code
        employees = set(read_all(folder, "hr_staff").employee_id)
        agency_workers = set(read_all(folder, "agency_assignments").agency_worker_id)
        allocations = read(files_of(folder, "case_allocations")[-1])
        by_source = allocations.groupby("worker_source").worker_id.agg(set)
        assert by_source["employee"] <= employees
        assert by_source["agency"] <= agency_workers


def test_an_open_absence_is_redelivered_with_its_end_date_later(extracts):
    absences = read_all(extracts / AUTHORITIES[0], "hr_absence")
    open_ids = set(absences[absences.end_date.isna()].absence_id)
    closed_ids = set(absences[absences.end_date.notna()].absence_id)
    assert open_ids & closed_ids
    assert absences[absences.absence_type == "SIC"].shape[0] > absences.shape[0] / 2


def census_rates(folder: Path, census: date, as_at: date | None = None) -> dict[str, float]:
    """DfE workforce rates for children and family social workers at a 30 September, from the
    snapshot of each kind dated `as_at` (default the latest; it must hold the census year's
    leavers). In post on the day: started by it and not ended on or before it (a post still
    counts on its last day)."""
    day, year_start = census.isoformat(), date(census.year - 1, 10, 1).isoformat()

    def latest(kind: str) -> pd.DataFrame:
        paths = files_of(folder, kind)
        return read(next(p for p in paths if extract_date(p) == str(as_at)) if as_at else paths[-1])

    def on_day(
        frame: pd.DataFrame, start: str, end: str, last_day_in: bool = False
    ) -> pd.DataFrame:
        ended = frame[end] < day if last_day_in else frame[end] <= day
        return frame[(frame[start] <= day) & ~ended.fillna(False)]

    def social_workers(frame: pd.DataFrame) -> pd.DataFrame:
        cfsw = (frame.registered_social_worker == "true") & frame.org_role.isin(list("123456"))
        return frame[cfsw].assign(fte=lambda f: f.fte.astype(float))

    staff = social_workers(latest("hr_staff"))
    in_post = on_day(staff, "start_date", "end_date")
    in_post_fte = in_post.fte.sum()

    # A leaver left the CFSW workforce: no CFSW assignment of theirs runs on the next day.
    ended = staff[(staff.end_date >= year_start) & (staff.end_date <= day)]
    next_day = pd.to_datetime(ended.end_date) + timedelta(days=1)
    ended = ended.assign(next_day=next_day.dt.strftime("%Y-%m-%d"))
    later = ended[["assignment_id", "employee_id", "next_day"]].merge(
        staff[["employee_id", "start_date", "end_date"]], on="employee_id"
    )
    continuing = later[
        (later.start_date <= later.next_day)
        & (later.end_date.isna() | (later.end_date >= later.next_day))
    ]
    leavers_fte = ended[~ended.assignment_id.isin(continuing.assignment_id)].fte.sum()

    posts = on_day(latest("hr_establishment"), "effective_from", "effective_to", True)
    posts = posts[posts.social_work_post == "true"]
    filled = in_post.groupby("post_id").fte.sum()
    vacant = posts.budgeted_fte.astype(float) - posts.post_id.map(filled).fillna(0)
    vacant_fte = vacant.clip(lower=0).sum()

    agency = on_day(social_workers(latest("agency_assignments")), "start_date", "end_date")
    agency_fte = agency.fte.sum()

    cases = on_day(latest("case_allocations"), "allocation_start", "allocation_end")
    cases = cases.drop_duplicates(["worker_id", "child_id"])
    worker_fte = pd.concat(
        [in_post.groupby("employee_id").fte.sum(), agency.groupby("agency_worker_id").fte.sum()]
    )
    return {
        "turnover": leavers_fte / in_post_fte,
        "vacancy": vacant_fte / (vacant_fte + in_post_fte),
        "agency": agency_fte / (agency_fte + in_post_fte),
        "caseload": len(cases) / worker_fte[cases.worker_id.unique()].sum(),
    }


@pytest.mark.parametrize("la_code", AUTHORITIES)
def test_workforce_rates_at_the_latest_census_fall_in_the_ranges_councils_report(extracts, la_code):
    rates = census_rates(extracts / la_code, LATEST_CENSUS)
    assert 0.08 <= rates["turnover"] <= 0.25, rates
    assert 0.05 <= rates["vacancy"] <= 0.30, rates
    assert 0.02 <= rates["agency"] <= 0.40, rates
    assert 12 <= rates["caseload"] <= 20, rates


def test_the_generate_command_writes_every_kind_for_each_authority(tmp_path):
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("workforce")),
            "generate",
            "--out",
            str(tmp_path),
            "--authorities",
            "2",
            "--years",
            "1",
            "--seed",
            "7",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for la_code in ("383", "202"):
        kinds = {p.name.rsplit("_", 1)[0] for p in (tmp_path / la_code).glob("*.csv")}
        assert kinds == set(KINDS)


STAGES = [c for c in KINDS["recruitment"].date_chain if c != "requisition_opened"]
NOT_RECRUITED = ["internal", "agency_conversion"]


def test_every_social_worker_recruited_from_outside_started_from_an_application(extracts):
    """In every snapshot, each registered social worker who started in the 24 months before
    it by a route other than an internal move or an agency conversion has a started application
    in the recruitment snapshot of the same date: their employee number as candidate, their
    start date, post, team, role and route."""
    carried = ["post_id", "service_area", "team", "org_role", "recruitment_route", "fte"]
    for la_code in AUTHORITIES:
        folder = extracts / la_code
        for staff_path, recruitment_path in zip(
            files_of(folder, "hr_staff"), files_of(folder, "recruitment"), strict=True
        ):
            as_at = extract_date(staff_path)
            assert extract_date(recruitment_path) == as_at
            staff = read(staff_path)
            since = (date.fromisoformat(as_at) - timedelta(days=730)).isoformat()
            starters = staff[
                (staff.registered_social_worker == "true")
                & staff.org_role.isin(list("123456"))
                & staff.recruitment_route.notna()
                & ~staff.recruitment_route.isin(NOT_RECRUITED)
                & (staff.start_date > since)
            ]
            applications = read(recruitment_path)
            started = applications[applications.start_date.notna()]
            hires = starters.merge(
                started.rename(columns={"candidate_id": "employee_id"}),
                on=["employee_id", "start_date", *carried],
            )
            assert len(starters) > 10 and len(hires) == len(starters), as_at
            assert len(started) == len(starters), as_at  # and no start HR does not know


def test_an_application_moves_on_between_snapshots_and_never_goes_back(extracts):
    """The pipeline stores changes only: a stage once reached keeps its date in later
    snapshots, and a later snapshot only fills in stages."""
    paths = files_of(extracts / AUTHORITIES[0], "recruitment")
    for earlier, later in zip(paths, paths[1:], strict=False):
        before = read(earlier).set_index("application_id")
        after = read(later).set_index("application_id")
        both = before.index.intersection(after.index)
        assert len(both) > 100
        known = before.loc[both].notna()
        assert before.loc[both][known].equals(after.loc[both][known]), later.name


def test_applications_reach_every_stage_and_fall_away_at_each(extracts):
    applications = read(files_of(extracts / AUTHORITIES[0], "recruitment")[-1])
    as_at = extract_date(files_of(extracts / AUTHORITIES[0], "recruitment")[-1])
    assert applications.application_id.is_unique
    per_requisition = applications.groupby("requisition_id").size()
    assert per_requisition.median() >= 4
    started_per_requisition = applications.groupby("requisition_id").start_date.count()
    assert (started_per_requisition == 2).any()  # a campaign filling two posts
    # stage dates in order wherever present
    latest = applications.requisition_opened
    for stage in STAGES:
        reached = applications[stage].notna()
        assert (applications[stage][reached] >= latest[reached]).all(), stage
        latest = latest.where(~reached | (latest > applications[stage]), applications[stage])
    # withdrawn by each side, and after an offer was accepted too
    withdrawn = applications[applications.withdrawn_date.notna()]
    assert (withdrawn.withdrawn_date >= withdrawn.applied_date).all()
    assert set(withdrawn.withdrawn_by) == {"candidate", "employer"}
    assert withdrawn.offer_accepted_date.notna().any()
    assert (withdrawn.offer_date.notna() & withdrawn.offer_accepted_date.isna()).any()
    # time to hire about 2-4 months, offer to start about 1-3 months (medians, in days)
    started = applications[applications.start_date.notna()]
    days = {c: pd.to_datetime(started[c]) for c in ("requisition_opened", *STAGES)}
    assert 60 <= (days["offer_accepted_date"] - days["requisition_opened"]).dt.days.median() <= 122
    assert 30 <= (days["start_date"] - days["offer_accepted_date"]).dt.days.median() <= 92
    # the pipeline: accepted offers not started, not withdrawn, starting after the extract
    # date, or with no start date agreed yet; none is an employee
    pipeline = applications[
        applications.offer_accepted_date.notna()
        & applications.start_date.isna()
        & applications.withdrawn_date.isna()
    ]
    assert (pipeline.planned_start_date > as_at).sum() >= 3
    assert pipeline.planned_start_date.isna().any()
    staff = read_all(extracts / AUTHORITIES[0], "hr_staff")
    assert not pipeline.candidate_id.isin(staff.employee_id).any()
    # before the end too, some hires accepted with no start date agreed yet
    earlier = read_all(extracts / AUTHORITIES[0], "recruitment")
    waiting = earlier[
        earlier.offer_accepted_date.notna()
        & earlier.start_date.isna()
        & earlier.planned_start_date.isna()
        & earlier.candidate_id.isin(staff.employee_id)
    ]
    assert len(waiting) >= 3
