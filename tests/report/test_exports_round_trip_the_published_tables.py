"""`workforce export`: every published table, in csv, xlsx and parquet, as analysts open them.
(What the exports add for Excel and Power BI, labels, formats, the scorecard:
test_exports_label_and_format_for_excel.py.)"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.report.export import (
    EXCEL_MAX_CELL_TEXT,
    EXCEL_MAX_SHEET_NAME,
    ExportFormat,
    NoPublicationError,
    export_publication,
    sheet_names,
    xlsx_cell,
)
from orchestration.settings import Settings
from tests.conftest import query, run_workforce

TURNOVER = (
    "select value, period_end from kpi_values where la_code = '383' and kpi_code = "
    "'turnover_rate_fte' and breakdown = 'total' and period_type = 'census_year' "
    "order by period_end desc limit 1"
)


def published_counts(home: Path) -> dict[str, int]:
    """Rows per published table, less the `ALL` rows of kpi_values and
    kpi_values_for_publication: the demo loads one authority, whose figures they repeat."""
    db = home / "published" / "workforce.duckdb"
    tables = [name for (name,) in query(db, "select table_name from duckdb_tables()")]
    counts = {t: query(db, f'select count(*) from "{t}"')[0][0] for t in tables}
    for table in ("kpi_values", "kpi_values_for_publication"):
        counts[table] -= query(db, f"select count(*) from {table} where la_code = 'ALL'")[0][0]
    return counts


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


WORKBOOK_ONLY = ("contents", "scorecard")  # sheets of no published table


def xlsx_tables(path: Path) -> dict[str, list[dict]]:
    """The workbook's rows by table, sheets `<table> (2)`, ... joined back onto `<table>`."""
    workbook = openpyxl.load_workbook(path, read_only=True)
    tables: dict[str, list[dict]] = {}
    for sheet in workbook.worksheets:
        if sheet.title in WORKBOOK_ONLY:
            continue
        rows = sheet.iter_rows(values_only=True)
        header = next(rows)
        table = sheet.title.split(" (")[0]
        # read-only mode leaves out a row's trailing empty cells
        tables.setdefault(table, []).extend(
            dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True)) for row in rows
        )
    return tables


@pytest.fixture(scope="module")
def exports(demo_home: Path, tmp_path_factory) -> dict[str, object]:
    settings = Settings(home=demo_home)
    return {
        fmt.value: export_publication(settings, fmt, tmp_path_factory.mktemp(fmt.value))
        for fmt in ExportFormat
    }


@pytest.mark.parametrize("fmt", [f.value for f in ExportFormat])
def test_every_published_table_is_exported_with_all_its_rows(demo_home, exports, fmt):
    counts = published_counts(demo_home)
    assert {"kpi_values", "publications", "fct_workforce_census"} <= set(counts)
    done = exports[fmt]
    assert {t.table: t.rows for t in done.tables if t.table not in WORKBOOK_ONLY} == counts
    if fmt == "csv":
        files = {t.table: read_csv(t.path) for t in done.tables}
    elif fmt == "parquet":
        files = {
            t.table: duckdb.sql(f"select * from read_parquet('{t.path}')").fetchall()
            for t in done.tables
        }
    else:
        (path,) = {t.path for t in done.tables}
        files = xlsx_tables(path)
    assert {table: len(rows) for table, rows in files.items()} == counts
    assert all(t.path.is_relative_to(done.folder) for t in done.tables)


def test_a_kpi_value_round_trips_exactly(demo_home, exports):
    value, period_end = query(demo_home / "published" / "workforce.duckdb", TURNOVER)[0]
    key = {"la_code": "383", "kpi_code": "turnover_rate_fte", "breakdown": "total"}

    def pick(rows):
        (row,) = [
            r
            for r in rows
            if all(str(r[k]) == v for k, v in key.items())
            and r["period_type"] == "census_year"
            and str(r["period_end"])[:10] == period_end.isoformat()
        ]
        return row

    parquet = exports["parquet"].tables[0]
    assert parquet.table == "kpi_values"
    assert exports["xlsx"].tables[1].table == "kpi_values"  # after the scorecard
    (exact,) = duckdb.execute(
        f"select value from read_parquet('{parquet.path}') where la_code = '383' and "
        "kpi_code = 'turnover_rate_fte' and breakdown = 'total' and "
        "period_type = 'census_year' and period_end = ?",
        [period_end],
    ).fetchone()
    assert exact == value  # bit for bit

    csv_row = pick(read_csv(exports["csv"].tables[0].path))
    assert float(csv_row["value"]) == value  # the shortest text that reads back exactly
    assert csv_row["period_end"] == period_end.isoformat()

    xlsx_row = pick(xlsx_tables(exports["xlsx"].tables[0].path)["kpi_values"])
    assert xlsx_row["value"] == float(f"{value:.16g}")  # openpyxl writes 16 digits; Excel shows 15
    assert isinstance(xlsx_row["period_end"], dt.datetime)  # an Excel date, not text
    assert xlsx_row["period_end"].date() == period_end


def test_source_files_are_json_in_csv_and_counted_in_xlsx(demo_home, exports):
    published = query(
        demo_home / "published" / "workforce.duckdb",
        "select run_id, [f.file_name for f in source_files] from publications",
    )
    by_run = dict(published)
    csv_path = next(t.path for t in exports["csv"].tables if t.table == "publications")
    for row in read_csv(csv_path):
        files = json.loads(row["source_files"])
        assert [f["file_name"] for f in files] == by_run[row["run_id"]]
        assert all(len(f["sha256"]) == 64 for f in files)
        assert json.loads(row["failed_checks"]) is not None
    sheet = xlsx_tables(exports["xlsx"].tables[0].path)["publications"]
    assert {row["run_id"]: row["source_files_count"] for row in sheet} == {
        run: len(files) for run, files in by_run.items()
    }
    assert all("source_files" not in row for row in sheet)  # tens of KB of JSON: not in a cell


def test_csv_is_utf8_with_a_bom_for_excel(exports):
    for exported in exports["csv"].tables:
        assert exported.path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_cli_writes_under_home_and_prints_table_rows_and_path(demo_home):
    done = run_workforce(demo_home, "export", "--format", "parquet")
    assert done.returncode == 0, done.stdout + done.stderr
    run_id = query(
        demo_home / "published" / "workforce.duckdb",
        "select max(published_run_id) from kpi_values",
    )[0][0]
    folder = demo_home / "exports" / run_id
    for table, rows in published_counts(demo_home).items():
        path = folder / f"{table}.parquet"
        assert path.exists()
        assert f"{table}: {rows:,} rows -> {path}" in done.stdout


def test_a_table_too_long_for_one_sheet_continues_on_the_next(demo_home, tmp_path):
    counts = published_counts(demo_home)
    done = export_publication(Settings(home=demo_home), "xlsx", tmp_path, max_sheet_rows=500)
    kpi = next(t for t in done.tables if t.table == "kpi_values")
    assert len(kpi.sheets) == math.ceil(counts["kpi_values"] / 500) > 1
    assert kpi.sheets[:2] == ("kpi_values", "kpi_values (2)")
    assert any("do not fit one Excel sheet" in w for w in done.warnings)
    assert len(xlsx_tables(kpi.path)["kpi_values"]) == counts["kpi_values"]


def test_sheet_names_fit_excel():
    taken: set[str] = set()
    long = "a_table_name_much_longer_than_excel_allows"
    names = sheet_names(long, taken)
    first, second = next(names), next(names)
    assert len(first) == len(second) == EXCEL_MAX_SHEET_NAME
    assert second.endswith(" (2)")
    assert next(sheet_names(long.upper(), taken)).endswith(" (3)")  # Excel ignores case
    assert next(sheet_names("a/b[c]", set())) == "a_b_c_"


def test_text_longer_than_an_excel_cell_is_cut_with_a_note():
    value, cut = xlsx_cell("x" * 40_000)
    assert cut and len(value) == EXCEL_MAX_CELL_TEXT and "40,000 characters" in value
    assert xlsx_cell("short") == ("short", False)


def test_no_publication_is_a_clear_error(tmp_path):
    home = tmp_path / "workforce-data"
    with pytest.raises(NoPublicationError, match="No publication to export"):
        export_publication(Settings(home=home), "csv")
    done = run_workforce(home, "export", "--format", "csv")
    assert done.returncode == 1
    assert "No publication to export" in done.stderr
    assert str(home / "published" / "workforce.duckdb") in done.stderr
    assert not home.exists()  # nothing written


def test_an_unknown_format_is_rejected(tmp_path):
    done = run_workforce(tmp_path / "workforce-data", "export", "--format", "json")
    assert done.returncode == 2
    assert "--format" in done.stderr
