"""Hostile and careless deliveries, fed to `workforce run` on a published home.

Each case asserts the exit code, the message (file named; no personal value anywhere in the
home outside `landing/`, `archive/` and `raw`), and what was published: byte-identical where
the run did not publish, the same KPIs where it published around a rejected file.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.contract import KINDS
from orchestration.report.export import write_csv, write_xlsx
from tests.builders import case_allocations, hr_absence, hr_staff, write_extract
from tests.cli.test_bad_inputs_are_rejected_or_quarantined import staff_snapshot
from tests.conftest import query, run_workforce
from tests.personal_data import leaks

STAFF_COLUMNS = len(KINDS["hr_staff"].columns)  # the header of a contract-shaped staff file

KPIS = (
    "select la_code, kpi_code, breakdown, breakdown_value, period_type, period_end, value "
    "from kpi_values order by all"
)
SECRET_NAME = "Jane Secretname"
SECRET_SWE = "SW5550001234"
OUTSIDE_SECRET = "outside-the-home-secret"  # what a link in landing/ points at


def output(result) -> str:
    return result.stdout + result.stderr


def copy_home(hand_home: Path, folder: Path) -> Path:
    home = folder / "workforce-data"
    shutil.copytree(hand_home, home)
    return home


def csv_bytes(kind: str, rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c.name for c in KINDS[kind].columns])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def absence(absence_id: str) -> dict:
    return hr_absence(
        absence_id=absence_id,
        employee_id="EMPX01",
        start_date="2025-11-03",
        end_date="2025-11-04",
        working_days_lost=2,
    )


# --- files that must be refused, all delivered in one run -----------------------------------

LIMITS = """
limits:
  max_file_mb: 1
  max_inflated_mb: 5
  max_rows: 1000
  max_cell_chars: 1000
"""


def deliver_hostile_files(landing: Path, outside: Path) -> dict[str, str]:
    """Every hostile file of the table below, each under its own name; returns
    {case: message expected}."""
    la = landing / "383"
    la.mkdir(parents=True, exist_ok=True)
    staff = hr_staff(
        assignment_id="A77", employee_id="EMPSECRET", full_name=SECRET_NAME, swe_number=SECRET_SWE
    )
    one_too_many = csv_bytes("hr_staff", [staff]).rstrip("\r\n") + f",{SECRET_NAME}\r\n"
    (la / "hr_staff_20251101.csv").write_text(one_too_many)

    table = {c: [None] for c in ("absence_id", "absence_type", "start_date", "end_date")}
    nested = pa.table(
        {
            **{c: pa.array(v, pa.string()) for c, v in table.items()},
            "employee_id": pa.array([[SECRET_NAME]], pa.list_(pa.string())),
            "working_days_lost": pa.array([1.0]),
        }
    )
    pq.write_table(nested, la / "hr_absence_20251101.parquet")
    binary = nested.set_column(
        nested.column_names.index("employee_id"),
        "employee_id",
        pa.array([SECRET_NAME.encode()], pa.binary()),
    )
    pq.write_table(binary, la / "hr_absence_20251102.parquet")
    struct = nested.set_column(
        nested.column_names.index("employee_id"),
        "employee_id",
        pa.array([{"name": SECRET_NAME}], pa.struct([("name", pa.string())])),
    )
    pq.write_table(struct, la / "hr_absence_20251103.parquet")
    # a good Parquet file of the same kind, in the same run: it loads
    pq.write_table(
        pa.Table.from_pylist([absence("S90")]).cast(
            pa.schema([(c, pa.string()) for c in absence("S90")])
        ),
        la / "hr_absence_20251104.parquet",
    )

    (la / "hr_absence_20251105.csv").write_text(
        "absence_id,employee_id,absence_type,start_date,end_date,working_days_lost,employee_id\n"
        "S91,EMPX01,SIC,2025-11-03,,1,EMPX02\n"
    )
    bomb = la / "hr_absence_20251106.xlsx"  # 6 MB of sheet that zips to a few KB
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", " " * 6_000_000)
    (la / "hr_absence_20251107.csv").write_text(
        csv_bytes("hr_absence", [absence("S92")]) + "x" * 1_100_000 + "\n"
    )
    (la / "hr_absence_20251108.csv").write_text(
        csv_bytes("hr_absence", [absence(f"S{i}") for i in range(1001)])
    )
    long_cell = absence("S93") | {"absence_type": "y" * 2000}
    (la / "hr_absence_20251109.csv").write_text(csv_bytes("hr_absence", [long_cell]))

    outside.write_text(f"absence_id,employee_id\n1,{OUTSIDE_SECRET}\n")
    os.symlink(outside, la / "hr_absence_20251110.csv")
    os.mkfifo(la / "hr_absence_20251111.csv")  # reading a pipe would wait forever
    arabic = landing / "\u0663\u0668\u0663"  # ٣٨٣: 383 in Arabic-Indic digits
    arabic.mkdir()
    (arabic / "hr_absence_20251112.csv").write_text(csv_bytes("hr_absence", [absence("S94")]))
    return {
        "one field too many (personal data in the row)": (
            "383/hr_staff_20251101.csv: malformed CSV: row 2 has "
            f"{STAFF_COLUMNS + 1} fields where the header has {STAFF_COLUMNS}"
        ),
        "Parquet list column": (
            "383/hr_absence_20251101.parquet: column employee_id is of Parquet type "
            "list<element: string>"
        ),
        "Parquet binary column": (
            "383/hr_absence_20251102.parquet: column employee_id is of Parquet type binary"
        ),
        "Parquet struct column": (
            "383/hr_absence_20251103.parquet: column employee_id is of Parquet type struct"
        ),
        "duplicated header column": (
            "383/hr_absence_20251105.csv: column(s) employee_id appear more than once"
        ),
        "XLSX inflating beyond the limit": (
            "383/hr_absence_20251106.xlsx: 6 MB once decompressed (rule: limits.max_inflated_mb 5"
        ),
        "file beyond the size limit": (
            "383/hr_absence_20251107.csv: 1 MB, more than a file may be (rule: limits.max_file_mb 1"
        ),
        "more rows than the limit": (
            "383/hr_absence_20251108.csv: 1,001 rows, more than a file may hold"
        ),
        "cell beyond the length limit": (
            "383/hr_absence_20251109.csv: row 2, column absence_type: a cell of 2,000 characters"
        ),
        "symbolic link to a file outside the home": (
            "383/hr_absence_20251110.csv: a symbolic link (rule: only regular files"
        ),
        "named pipe": "383/hr_absence_20251111.csv: not a regular file",
        "authority folder in Arabic-Indic digits": (
            "\u0663\u0668\u0663/hr_absence_20251112.csv: not in an authority folder"
        ),
    }


@pytest.fixture(scope="module")
def hostile_files_run(hand_home: Path, tmp_path_factory) -> tuple:
    folder = tmp_path_factory.mktemp("hostile")
    home = copy_home(hand_home, folder)
    (home / "workforce.yaml").write_text(LIMITS)
    expected = deliver_hostile_files(home / "landing", folder / "outside.csv")
    result = run_workforce(home)
    return home, result, expected


HOSTILE_CASES = [
    "one field too many (personal data in the row)",
    "Parquet list column",
    "Parquet binary column",
    "Parquet struct column",
    "duplicated header column",
    "XLSX inflating beyond the limit",
    "file beyond the size limit",
    "more rows than the limit",
    "cell beyond the length limit",
    "symbolic link to a file outside the home",
    "named pipe",
    "authority folder in Arabic-Indic digits",
]


@pytest.mark.parametrize("case", HOSTILE_CASES)
def test_a_hostile_file_is_rejected_naming_it_and_the_rest_loads(hostile_files_run, case):
    home, result, expected = hostile_files_run
    assert result.returncode == 2, output(result)
    assert expected[case] in output(result)
    (note,) = [
        n for n in (home / "rejected").glob("*.reason.txt") if expected[case] in n.read_text()
    ]
    assert "kept as archive/" in note.read_text() or "nothing was read" in note.read_text()


def test_the_run_around_the_hostile_files_loads_the_good_one_and_publishes_the_same_kpis(
    hostile_files_run, hand_home
):
    home, result, expected = hostile_files_run
    assert set(HOSTILE_CASES) == set(expected)
    loaded = query(
        home / "warehouse/warehouse.duckdb",
        "select status, rows_loaded from audit.files "
        "where file_name = '383/hr_absence_20251104.parquet'",
    )
    assert loaded == [("loaded", 1)]
    assert query(home / "published/workforce.duckdb", KPIS) != []
    # S90 is one more absence in November, outside the census year: the census KPIs stand
    census = KPIS.replace("order by all", "where period_type = 'census_year' order by all")
    assert query(home / "published/workforce.duckdb", census) == query(
        hand_home / "published/workforce.duckdb", census
    )


def test_hostile_files_leave_no_personal_data_and_no_followed_link(hostile_files_run):
    home, _, _ = hostile_files_run
    assert leaks(home, {SECRET_NAME, SECRET_SWE, "EMPSECRET", OUTSIDE_SECRET}) == []
    # the link's target was never opened, so it is not even in the archive
    archived = b"".join(p.read_bytes() for p in (home / "archive").rglob("*") if p.is_file())
    assert OUTSIDE_SECRET.encode() not in archived


def test_a_second_run_skips_the_hostile_files_and_does_not_wedge(hostile_files_run, tmp_path):
    home = tmp_path / "again"
    shutil.copytree(hostile_files_run[0], home, symlinks=True, ignore=ignore_fifo)
    os.mkfifo(home / "landing" / "383" / "hr_absence_20251111.csv")
    again = run_workforce(home)
    assert again.returncode == 0, output(again)
    # every hostile file was dealt with by the first run, and a pipe is hashed by what it is,
    # never opened: nothing is new, so no run starts
    assert "Nothing new since run" in " ".join(output(again).split())


def ignore_fifo(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "hr_absence_20251111.csv"]


# --- cells that must not be coerced, all in one snapshot ------------------------------------

EXACT = "max_quarantine_share: 1.0\n"  # every bad row quarantined, the rest published
FORMULA_TEAM = '=HYPERLINK("http://example.invalid/?leak=1","Assessment 1")'


def coerced(**values) -> dict:
    return hr_staff(**{"post_id": "", "fte": 1.0, "start_date": "2020-01-01", **values})


CELLS = {  # case: (row, message)
    "org_role 5.5 is not rounded to 6": (
        coerced(assignment_id="C1", employee_id="EMPC01", org_role="5.5"),
        "row 14, column org_role: '5.5' must be a whole-number code",
    ),
    "org_role 0x5 is not read as 5": (
        coerced(assignment_id="C2", employee_id="EMPC02", org_role="0x5"),
        "row 15, column org_role: '0x5' must be a whole-number code",
    ),
    "gender 2.4 is not rounded to 2": (
        coerced(assignment_id="C3", employee_id="EMPC03", gender="2.4"),
        "row 16, column gender: '2.4' must be a whole-number code",
    ),
    "FTE 1E-05 in exponent notation is not read": (
        coerced(assignment_id="C4", employee_id="EMPC04", fte="1E-05"),
        "row 17, column fte: '1E-05' must be a number written out in decimals",
    ),
    "a start date in 1800": (
        coerced(assignment_id="C5", employee_id="EMPC05", start_date="1800-01-01"),
        "row 18, column start_date: '1800-01-01' is outside the plausible dates",
    ),
    "an end date in 2999": (
        coerced(assignment_id="C6", employee_id="EMPC06", end_date="2999-12-31"),
        "row 19, column end_date: '2999-12-31' is outside the plausible dates",
    ),
    "a start date of 'epoch'": (
        coerced(assignment_id="C7", employee_id="EMPC07", start_date="epoch"),
        "row 20, column start_date: 'epoch' must be a date",
    ),
    "a start date of 'infinity'": (
        coerced(assignment_id="C8", employee_id="EMPC08", start_date="infinity"),
        "row 21, column start_date: 'infinity' must be a date",
    ),
    "an SWE number of the wrong form": (
        coerced(assignment_id="C9", employee_id="EMPC09", swe_number="SW12345678901"),
        "row 22, column swe_number: '(personal data)' is not a Social Work England number",
    ),
    "free text that is a formula, in a quarantined cell": (
        coerced(assignment_id="C10", employee_id="EMPC10", contract_type="=1+2"),
        "row 23, column contract_type: '=1+2' unknown code",
    ),
    "FTE 1.0000001 is read as written, over 1, not rounded to 1": (
        coerced(assignment_id="C11", employee_id="EMPC11", fte="1.0000001"),
        "row 24, column fte: '1.0000001' must be more than 0 and at most 1",
    ),
    "an FTE with a decimal comma is not guessed at": (
        coerced(assignment_id="C12", employee_id="EMPC12", fte="0,5"),
        "row 25, column fte: '0,5' must be a number written out in decimals",
    ),
}


@pytest.fixture(scope="module")
def coerced_cells_run(hand_home: Path, tmp_path_factory) -> tuple:
    home = copy_home(hand_home, tmp_path_factory.mktemp("coerced"))
    (home / "workforce.yaml").write_text(EXACT)
    rows = staff_snapshot(
        hr_staff(
            assignment_id="A13",
            employee_id="EMPX13",
            post_id="",
            org_role=5,
            team=FORMULA_TEAM,
            fte=1.0,
            start_date="2020-01-01",
        )
    )
    rows += [row for row, _ in CELLS.values()]
    # a correction of the October snapshot: the census year's basis, so its teams are published
    write_extract(home / "landing", "383", "hr_staff", "2025-10-31", rows)
    result = run_workforce(home)
    return home, result


def quarantined(home: Path) -> list[str]:
    """The run's quarantined rows, worded as the console words them."""
    rows = query(
        home / "warehouse/warehouse.duckdb",
        "select file_name, source_row, column_name, rule, value from audit.quarantine",
    )
    return [
        f"{name} row {row}, column {column}: {value!r} {rule}"
        for name, row, column, rule, value in rows
    ]


@pytest.mark.parametrize("case", CELLS)
def test_a_cell_is_never_coerced_into_a_value_it_does_not_spell(coerced_cells_run, case):
    home, result = coerced_cells_run
    assert result.returncode == 0, output(result)
    assert any(f"383/hr_staff_20251031.csv {CELLS[case][1]}" in q for q in quarantined(home))


def test_only_the_spelled_rows_load(coerced_cells_run):
    home, _ = coerced_cells_run
    in_raw = query(
        home / "warehouse/warehouse.duckdb",
        "select count(*) from raw.hr_staff where la_code = '383' and valid_from <= '2025-10-31' "
        "and (valid_to is null or valid_to > '2025-10-31')",
    )
    assert in_raw == [(12,)]  # the 12 good rows of the snapshot, none of the 12 above
    assert leaks(home) == []


def test_formula_text_is_written_as_text_in_the_audit_trail(coerced_cells_run):
    home, _ = coerced_cells_run
    (run_id,) = query(
        home / "warehouse/warehouse.duckdb", "select distinct run_id from audit.quarantine"
    )[0]
    quarantine = (home / "audit" / "runs" / run_id / "quarantine.csv").read_text()
    assert ",'=1+2" in quarantine and ",=1+2" not in quarantine


def test_formula_text_is_written_as_text_in_csv_and_xlsx_exports(tmp_path):
    conn = duckdb.connect()
    conn.execute("create table kpi_values (breakdown_value varchar, value double)")
    texts = [FORMULA_TEAM, "+1", "-1", "@SUM(A1)", "\tx", "\rx", "Assessment 1"]
    conn.executemany("insert into kpi_values values (?, -1.5)", [[t] for t in texts])
    write_csv(conn, "kpi_values", tmp_path / "kpi_values.csv")
    with (tmp_path / "kpi_values.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert [r[0] for r in rows] == ["'" + t for t in texts[:-1]] + ["Assessment 1"]
    assert {r[1] for r in rows} == {"-1.5"}  # numbers are never touched
    write_xlsx(conn, ["kpi_values"], tmp_path / "kpi.xlsx", 1000)
    sheet = openpyxl.load_workbook(tmp_path / "kpi.xlsx")["kpi_values"]
    (cell,) = [c for c in sheet["A"] if c.value == FORMULA_TEAM]
    assert cell.data_type == "s"  # a string cell, not a formula


# --- implausible figures, blocked like any failed check --------------------------------------


def camden_staff(count: int) -> list[dict]:
    return [
        hr_staff(
            assignment_id=f"B{i}", employee_id=f"EMPY{i:02d}", post_id="", start_date="2020-01-01"
        )
        for i in range(1, count + 1)
    ]


@pytest.fixture(scope="module")
def implausible_run(hand_home: Path, tmp_path_factory) -> tuple:
    home = copy_home(hand_home, tmp_path_factory.mktemp("implausible"))
    published = home / "published/workforce.duckdb"
    before = published.read_bytes()
    landing = home / "landing"
    # 10,000 children allocated to one worker
    write_extract(
        landing,
        "383",
        "case_allocations",
        "2025-11-30",
        [
            case_allocations(
                allocation_id=f"L{i}",
                child_id=f"CHILDZ{i:05d}",
                worker_id="EMPX01",
                worker_source="employee",
                allocation_start="2025-05-01",
            )
            for i in range(10_000)
        ],
    )
    # Camden grows to 40 staff, then a snapshot cut to 65% of its rows
    write_extract(landing, "202", "hr_staff", "2025-11-30", camden_staff(40))
    write_extract(landing, "202", "hr_staff", "2025-12-31", camden_staff(26))
    result = run_workforce(home)
    return home, result, published.read_bytes() == before


def test_a_caseload_no_worker_could_hold_blocks_publication(implausible_run):
    home, result, unchanged = implausible_run
    assert result.returncode == 3, output(result)
    assert (
        "plausibility - max_caseload: authority 383 (383/case_allocations_20251130.csv): "
        in output(result)
    )
    assert "up to 10,000 children" in output(result)
    assert "(bound: plausibility.max_caseload 60 in workforce.yaml)" in output(result)
    assert unchanged


def test_a_snapshot_cut_to_two_thirds_blocks_publication(implausible_run):
    home, result, unchanged = implausible_run
    assert (
        "max_headline_movement_share: authority 202 (202/hr_staff_20251231.csv): in post "
        "40 -> 26 people, 40.0 -> 26.0 FTE since 202/hr_staff_20251130.csv (bound: a change "
        "of at most 25%" in output(result)
    )
    assert leaks(home) == []


@pytest.fixture(scope="module")
def implausible_rerun(implausible_run) -> tuple:
    """A plain rerun of the blocked home, nothing new landed: what was judged failing must not
    publish now (its authorities stay in the build scope until a run publishes)."""
    home, _, _ = implausible_run
    published = home / "published/workforce.duckdb"
    before = published.read_bytes()
    result = run_workforce(home)
    return result, published.read_bytes() == before


def test_a_rerun_of_implausible_figures_blocks_again(implausible_rerun):
    result, unchanged = implausible_rerun
    assert result.returncode == 3, output(result)
    assert "0 file(s) loaded" in result.stderr
    assert "plausibility - max_caseload: authority 383" in output(result)
    assert "Nothing changed" not in result.stderr
    assert unchanged


@pytest.fixture(scope="module")
def widened_run(implausible_run, tmp_path_factory) -> tuple:
    """The implausible deliveries again, with the bounds widened, in a home whose path SQL
    would misread (an apostrophe), and a new file to ingest there: the run publishes."""
    home = tmp_path_factory.mktemp("widened") / "o'brien's files"
    shutil.copytree(implausible_run[0], home)
    write_extract(home / "landing", "383", "hr_absence", "2025-11-30", [absence("S95")])
    (home / "workforce.yaml").write_text(
        "plausibility:\n  max_caseload: 20000\n  max_headline_movement_share: 0.5\n"
        "  rate_margin: 10\n"
    )
    return home, run_workforce(home)


def test_a_council_may_widen_the_bounds(widened_run):
    _, result = widened_run
    assert result.returncode == 0, output(result)


# --- a home whose path SQL would misread ------------------------------------------------------


def test_a_home_with_an_apostrophe_in_its_path_runs_and_exports(widened_run):
    home, result = widened_run
    assert "'" in home.name and result.returncode == 0, output(result)
    for command in (["export", "--format", "parquet"], ["report", "--la", "383"]):
        done = run_workforce(home, *command)
        assert done.returncode == 0, output(done)
