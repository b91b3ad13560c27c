"""`workforce agency-return` on a hand-written home: three authorities of Yorkshire and The
Humber (Leeds 383, Bradford 380, Sheffield 373) and one of Inner London (Camden 202), every
snapshot dated 31 Oct 2025, a price caps file, and Leeds' timesheets around 2025Q3. Leeds holds
one case per rule and the near misses; every expected figure below is worked by hand.

One `workforce run` for the whole module (session-scoped, built once); the returns are written
into the home (each test to its own folder) and read back.
"""

from __future__ import annotations

import csv
import stat
import subprocess
from pathlib import Path

import pytest

from orchestration.agency_rules.run import ASSIGNMENT_COLUMNS
from tests.builders import (
    agency_assignments,
    agency_timesheets,
    hr_establishment,
    hr_staff,
    write_extract,
)
from tests.conftest import published_once, query, run_workforce

# the tests of this module write returns into one home (one writer at a time): one xdist worker
pytestmark = pytest.mark.xdist_group("agency_home")

SNAPSHOT = "2025-10-31"
QUARTER = "2025Q3"
CAPS = """region,role_category,cap_gbp_per_hour,applies_from,applies_to
Yorkshire and The Humber,SW,40.00,2025-04-01,
Yorkshire and The Humber,SSW,45.00,2025-04-01,
Yorkshire and The Humber,TM,55.00,2025-04-01,
Inner London,SW,30.00,2025-04-01,
"""

# permanent leavers, by SWE number: (authority, last day)
LEAVERS = {
    "SW1000002": ("380", "2025-04-30"),  # Bradford: 3 months later is 30 Jul 2025
    "SW1000003": ("202", "2025-05-31"),  # Camden, another region
    "SW1000004": ("383", "2025-06-15"),  # Leeds itself
    "SW1000006": ("373", "2025-06-30"),  # Sheffield: 3 months later is 30 Sep 2025
}


def leeds_assignment(assignment_id: str, swe: str, **values) -> dict:
    """A registered social worker within every rule unless told: SW at £30 + £4 an hour
    (cap £40), five years' PQE, a reference received, not in a project team, from 1 Jul 2025."""
    defaults = {
        "role_category": "SW",
        "hourly_pay_rate_gbp": 30,
        "hourly_oncosts_gbp": 4,
        "pqe_la_years": 5,
        "practice_reference_received": True,
        "project_team": False,
        "start_date": "2025-07-01",
    }
    return agency_assignments(
        assignment_id=assignment_id,
        agency_worker_id=f"W{assignment_id}",
        swe_number=swe,
        **{**defaults, **values},
    )


LEEDS_AGENCY = [
    # pay + on-costs exactly the cap, 35 + 5 = 40: not over
    leeds_assignment("A01", "SW2000001", hourly_pay_rate_gbp=35, hourly_oncosts_gbp=5),
    # 38 + 4.50 = 42.50 > 40, nobody signed it off
    leeds_assignment(
        "A02", "SW2000002", hourly_pay_rate_gbp=38, hourly_oncosts_gbp=4.5, start_date="2025-07-07"
    ),
    # a senior social worker (written in lower case) at 44 + 5 = 49 > 45, signed off
    leeds_assignment(
        "A03",
        "SW2000003",
        role_category="ssw",
        hourly_pay_rate_gbp=44,
        hourly_oncosts_gbp=5,
        cap_exceeded_approved_by="Director of Children's Services",
        start_date="2025-08-01",
    ),
    leeds_assignment("A04", "SW2000004", pqe_la_years=2.5, start_date="2025-07-14"),  # under 3
    leeds_assignment("A05", "SW2000005", pqe_la_years=3.0, start_date="2025-07-14"),  # 3.0: fine
    # left Bradford 30 Apr: 29 Jul is a day before 30 Jul, flagged
    leeds_assignment("A06", "SW1000002", start_date="2025-07-29"),
    # left Sheffield 30 Jun: 30 Sep is three months on, the boundary, not flagged
    leeds_assignment("A07", "SW1000006", start_date="2025-09-30"),
    # left Camden (Inner London) 31 May: another region, not flagged
    leeds_assignment("A08", "SW1000003", start_date="2025-07-01"),
    # left Leeds itself 15 Jun: flagged
    leeds_assignment("A09", "SW1000004", start_date="2025-07-01"),
    leeds_assignment("A10", "SW2000010", practice_reference_received=False),
    leeds_assignment("A11", "SW2000011", project_team=True),
    # ended the day before the quarter: not in its return
    leeds_assignment("A12", "SW2000012", start_date="2025-01-06", end_date="2025-06-30"),
    # an IRO: no cap covers the role; active since April
    leeds_assignment(
        "A13",
        "SW2000013",
        role_category="IRO",
        hourly_pay_rate_gbp=60,
        start_date="2025-04-01",
        end_date="2025-12-31",
    ),  # fmt: skip
    # not a registered social worker: the rules' return leaves it out
    agency_assignments(
        assignment_id="A14",
        agency_worker_id="WA14",
        registered_social_worker=False,
        start_date="2025-07-01",
    ),
]

# Leeds' timesheets: July 1,000 + 1,500.50; August 2,000 - 100 (a credit note); September
# 1,234.56; June and October fall outside the quarter
LEEDS_TIMESHEETS = [
    agency_timesheets(timesheet_id="T1", assignment_id="A01", week_ending="2025-07-04", charge_gbp=1000),
    agency_timesheets(timesheet_id="T2", assignment_id="A02", week_ending="2025-07-25", charge_gbp=1500.50),
    agency_timesheets(timesheet_id="T3", assignment_id="A03", week_ending="2025-08-01", charge_gbp=2000),
    agency_timesheets(timesheet_id="T4", assignment_id="A01", week_ending="2025-08-29", charge_gbp=-100),
    agency_timesheets(timesheet_id="T5", assignment_id="A04", week_ending="2025-09-26", charge_gbp=1234.56),
    agency_timesheets(timesheet_id="T6", assignment_id="A12", week_ending="2025-06-27", charge_gbp=999),
    agency_timesheets(timesheet_id="T7", assignment_id="A13", week_ending="2025-10-03", charge_gbp=888),
]  # fmt: skip


def staff(la: str) -> list[dict]:
    """One social worker in post since 2020, and the authority's permanent leavers."""
    rows = [hr_staff(assignment_id=f"{la}-P", employee_id=f"E{la}P", post_id="P1")]
    for swe, (authority, last_day) in LEAVERS.items():
        if authority == la:
            rows.append(
                hr_staff(
                    assignment_id=f"{la}-{swe}",
                    employee_id=f"E{swe}",
                    swe_number=swe,
                    start_date="2019-01-07",
                    end_date=last_day,
                    leaving_reason="1",
                )
            )
    return rows


def other_agency(la: str) -> list[dict]:
    """Bradford: one SW over the cap (41 > 40) unsigned; Sheffield: one within; Camden: one SW
    at 31 over Inner London's 30, unsigned."""
    pay = {"380": 41, "373": 30, "202": 31}[la]
    return [
        agency_assignments(
            assignment_id=f"{la}-G1",
            agency_worker_id=f"W{la}",
            swe_number=f"SW3000{la}",
            role_category="SW",
            hourly_pay_rate_gbp=pay,
            hourly_oncosts_gbp=0,
            pqe_la_years=4,
            practice_reference_received=True,
            start_date="2025-07-01",
        )
    ]


def write_home(landing: Path) -> None:
    for la in ("383", "380", "373", "202"):
        write_extract(landing, la, "hr_staff", SNAPSHOT, staff(la))
        write_extract(landing, la, "hr_establishment", SNAPSHOT, [hr_establishment(post_id="P1")])
        write_extract(landing, la, "hr_absence", SNAPSHOT, [])
        agency = LEEDS_AGENCY if la == "383" else other_agency(la)
        write_extract(landing, la, "agency_assignments", SNAPSHOT, agency)
    write_extract(landing, "383", "agency_timesheets", SNAPSHOT, LEEDS_TIMESHEETS)
    (landing / "agency_price_caps_20250401.csv").write_text(CAPS, encoding="utf-8")


@pytest.fixture(scope="session")
def agency_home(tmp_path_factory, worker_id) -> Path:
    return published_once(tmp_path_factory, worker_id, "agency_rules", write_home)


@pytest.fixture(scope="session")
def written(agency_home: Path) -> subprocess.CompletedProcess:
    """The return for Leeds 2025Q3 in the home's default folder. Session-scoped, so that the
    module's tests stay in the one xdist group `agency_home` (a module-scoped fixture would put
    those using it in a group of their own, beside the others writing into the same home)."""
    return run_workforce(agency_home, "agency-return", "--la", "383", "--quarter", QUARTER)


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def folder(home: Path) -> Path:
    return home / "agency-returns"


def test_the_return_is_written_owner_only_and_says_what_it_found(agency_home, written):
    assert written.returncode == 0, written.stdout + written.stderr
    assignments = folder(agency_home) / "agency-return-383-2025Q3-assignments.csv"
    summary = folder(agency_home) / "agency-return-383-2025Q3-summary.csv"
    for path in (assignments, summary):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(folder(agency_home).stat().st_mode) == 0o700
    out = written.stdout
    assert "12 agency assignment(s)" in out
    assert "over_cap_not_approved: 1" in out and "reengaged_within_3_months: 2" in out
    assert "agency_cost_gbp 2025-07: £2500.50" in out
    assert str(assignments) in out and str(summary) in out
    assert "SW1000002" not in out  # numbers go to the file only


def test_every_assignment_carries_its_flags_and_real_swe_number(agency_home, written):
    assert written.returncode == 0, written.stdout + written.stderr
    columns, rows = read_csv(folder(agency_home) / "agency-return-383-2025Q3-assignments.csv")
    assert columns == list(ASSIGNMENT_COLUMNS)
    assert columns == [
        "assignment_id", "swe_number", "role_category", "start_date", "end_date",
        "project_team", "hourly_pay_rate_gbp", "hourly_oncosts_gbp", "price_cap_gbp",
        "over_cap", "cap_exceeded_approved_by", "under_3_years_pqe",
        "reengaged_within_3_months", "practice_reference_received",
    ]  # fmt: skip
    by_id = {row["assignment_id"]: row for row in rows}
    # A12 ended before the quarter, A14 is not a registered social worker
    assert sorted(by_id) == [f"A{n:02d}" for n in (*range(1, 12), 13)]

    def flags(assignment: str, *names: str) -> tuple[str, ...]:
        return tuple(by_id[assignment][name] for name in names)

    cap = ("price_cap_gbp", "over_cap", "cap_exceeded_approved_by")
    assert flags("A01", "hourly_pay_rate_gbp", "hourly_oncosts_gbp", *cap) == (
        "35.00", "5.00", "40.00", "0", ""
    )  # fmt: skip
    assert flags("A02", "hourly_oncosts_gbp", *cap) == ("4.50", "40.00", "1", "")
    assert flags("A03", "role_category", *cap) == (
        "SSW", "45.00", "1", "Director of Children's Services"
    )  # fmt: skip
    assert flags("A13", "role_category", "end_date", *cap) == ("IRO", "2025-12-31", "", "", "")
    assert flags("A04", "under_3_years_pqe") == ("1",)
    assert flags("A05", "under_3_years_pqe") == ("0",)
    reengaged = {a: by_id[a]["reengaged_within_3_months"] for a in ("A06", "A07", "A08", "A09")}
    assert reengaged == {"A06": "1", "A07": "0", "A08": "0", "A09": "1"}
    assert flags("A10", "practice_reference_received") == ("0",)
    assert flags("A11", "project_team") == ("1",)
    # the real numbers, recovered from the archived delivery
    assert by_id["A06"]["swe_number"] == "SW1000002"
    assert by_id["A01"]["swe_number"] == "SW2000001"
    assert flags("A01", "start_date", "end_date") == ("2025-07-01", "")
    # everything else within every rule
    clean = [a for a in by_id if a not in ("A02", "A03", "A04", "A06", "A09", "A10", "A11")]
    for assignment in clean:
        row = by_id[assignment]
        assert row["over_cap"] in ("0", ""), assignment
        assert row["under_3_years_pqe"] == "0", assignment
        assert row["reengaged_within_3_months"] == "0", assignment
        assert row["practice_reference_received"] == "1", assignment
        assert row["project_team"] == "0", assignment


def test_the_summary_counts_each_rule_and_the_cost_of_each_month(agency_home, written):
    assert written.returncode == 0, written.stdout + written.stderr
    columns, rows = read_csv(folder(agency_home) / "agency-return-383-2025Q3-summary.csv")
    assert columns == ["measure", "month", "value"]
    assert [(r["measure"], r["month"], r["value"]) for r in rows] == [
        ("over_cap_not_approved", "", "1"),
        ("over_cap_approved", "", "1"),
        ("under_3_years_pqe", "", "1"),
        ("reengaged_within_3_months", "", "2"),
        ("no_practice_reference", "", "1"),
        ("project_team_workers", "", "1"),
        ("agency_cost_gbp", "2025-07", "2500.50"),
        ("agency_cost_gbp", "2025-08", "1900.00"),
        ("agency_cost_gbp", "2025-09", "1234.56"),
    ]


def test_another_folder_is_taken_and_unknown_authorities_or_empty_quarters_are_refused(
    agency_home, tmp_path
):
    out = tmp_path / "returns"
    other = run_workforce(
        agency_home, "agency-return", "--la", "380", "--quarter", "2025q3", "--out", str(out)
    )
    assert other.returncode == 0, other.stdout + other.stderr
    _, rows = read_csv(out / "agency-return-380-2025Q3-assignments.csv")
    assert [(r["assignment_id"], r["swe_number"], r["over_cap"]) for r in rows] == [
        ("380-G1", "SW3000380", "1")
    ]
    assert stat.S_IMODE((out / "agency-return-380-2025Q3-summary.csv").stat().st_mode) == 0o600

    for args, says in (
        (("--la", "999", "--quarter", QUARTER), "Authority 999 has no agency rules data"),
        (("--la", "201", "--quarter", QUARTER), "Authority 201 has no agency rules data"),
        (("--la", "383", "--quarter", "2024Q4"), "no agency assignment or timesheet in quarter"),
        (("--la", "383", "--quarter", "2026Q1"), "no agency assignment or timesheet in quarter"),
        (("--la", "383", "--quarter", "2025-07"), "is not a quarter"),
    ):
        refused = run_workforce(agency_home, "agency-return", *args, "--out", str(tmp_path / "x"))
        assert refused.returncode == 1, (args, refused.stdout + refused.stderr)
        assert says in " ".join((refused.stdout + refused.stderr).split()), args
        assert not (tmp_path / "x").exists()


def test_the_published_kpis_count_each_rule_without_personal_data(agency_home):
    published = agency_home / "published" / "workforce.duckdb"
    rows = dict(
        (code, (value, median))
        for code, value, median in query(
            published,
            "select kpi_code, value, neighbour_median from kpi_values where la_code = '383' "
            "and period_type = 'quarter' and period_start = '2025-07-01'",
        )
    )
    assert rows["agency_rules_assignments"] == (12, 1)  # Bradford 1 and Sheffield 1
    assert rows["agency_rules_over_cap_not_approved"] == (1, 0.5)  # Bradford 1, Sheffield 0
    assert rows["agency_rules_over_cap_approved"][0] == 1
    assert rows["agency_rules_under_3_years_pqe"][0] == 1
    assert rows["agency_rules_reengaged_within_3_months"][0] == 2
    assert rows["agency_rules_no_practice_reference"][0] == 1
    assert rows["agency_rules_project_team_workers"][0] == 1
    # within cap: 9 of the 11 with a cap (A13's IRO has none)
    assert rows["agency_rules_within_cap_percent"][0] == pytest.approx(100 * 9 / 11)
    # Camden is in another region: no neighbour, no median
    (camden,) = query(
        published,
        "select value, neighbour_median from kpi_values where la_code = '202' and "
        "kpi_code = 'agency_rules_over_cap_not_approved' and period_start = '2025-07-01'",
    )
    assert camden == (1, None)
    # the published marts hold counts, never a pseudonym or an identifier
    for table in ("fct_agency_rules_by_quarter", "fct_agency_cost_by_month"):
        columns = {c for (c,) in query(published, f"select column_name from (describe {table})")}
        assert not {c for c in columns if "pseudonym" in c or c.endswith("_id")}, table
    (sign_off,) = query(
        published,
        "select role_category, approved_by, assignments from fct_agency_cap_sign_offs "
        "where la_code = '383' and quarter = '2025Q3'",
    )
    assert sign_off == ("SSW", "Director of Children's Services", 1)


def test_the_board_pack_shows_the_agency_rules_without_names(agency_home, tmp_path):
    import html
    import re

    pack = tmp_path / "pack.html"
    result = run_workforce(agency_home, "report", "--la", "383", "--out", str(pack))
    assert result.returncode == 0, result.stdout + result.stderr
    page = pack.read_text(encoding="utf-8")
    section = page[page.index('<section id="agency-rules"') :]
    section = section[: section.index("</section>")]

    def table(table_id: str) -> list[list[str]]:
        body = re.search(rf'<table id="{table_id}">(.*?)</table>', section, re.S)[1]
        return [
            [html.unescape(re.sub(r"<[^>]+>", " ", cell)).split() for cell in cells]
            for cells in (re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
                          for row in re.findall(r"<tr>(.*?)</tr>", body, re.S))
        ]  # fmt: skip

    rules = table("agency-rules-table")
    # quarters 2025Q1 (A12 alone) to 2025Q4, the newest extract's; 2025Q4 is "this quarter"
    assert [" ".join(c) for c in rules[0][1:]] == [
        "2025Q1", "2025Q2", "2025Q3", "2025Q4 this quarter"
    ]  # fmt: skip
    by_rule = {" ".join(row[0]): [" ".join(c) for c in row[1:]] for row in rules[1:]}
    assert by_rule["Agency assignments over the price cap without sign-off"][2] == "1"
    assert (
        by_rule["Agency workers re-engaged within 3 months of leaving a permanent post"][2] == "2"
    )
    assert by_rule["Active in the quarter"] == ["1", "2", "12", "12"]
    costs = {" ".join(row[0]): " ".join(row[1]) for row in table("agency-rules-cost-table")[1:]}
    assert costs["July 2025"] == "£2,500" and costs["October 2025"] == "£888"
    sign_offs = table("agency-rules-sign-offs")[1:]
    # A03, signed off, is active in 2025Q3 and 2025Q4 (this quarter, first)
    assert [[" ".join(c) for c in row] for row in sign_offs] == [
        ["2025Q4", "SSW", "Director of Children's Services", "1"],
        ["2025Q3", "SSW", "Director of Children's Services", "1"],
    ]
    assert "SW1000002" not in page and "A06" not in section
