"""The exports for people who open them in Excel or Power BI: each sheet an Excel table with
filters, widths and number formats; every code with its label beside it; the definitions and a
wide scorecard; no JSON blobs in cells; no `ALL` rows repeating the one authority loaded.

The demo's figures are read from its published file, never written here; the hand-made
publication at the end has figures small enough to check by hand."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.report.export import PERCENT, Export, export_publication, write_xlsx
from orchestration.report.export_views import ALL_LABEL
from orchestration.settings import Settings
from tests.conftest import PROJECT_ROOT, query

SEEDS = PROJECT_ROOT / "seeds"
CODE_LISTS = {  # kpi_values breakdown -> the CSWW code list (seeds/*.csv) its codes come from
    "leaving_reason": "csww_leaving_reasons",
    "start_origin": "csww_start_origins",
    "org_role": "csww_org_roles",
}
LABEL_OF = {"la_code": "la_name", "kpi_code": "kpi_label", "breakdown_value": "breakdown_label"}


def seed_labels(name: str) -> dict[str, str]:
    with (SEEDS / f"{name}.csv").open(newline="") as f:
        return {row["code"]: row["label"] for row in csv.DictReader(f)}


def rows_of(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]


def cells_of(sheet, column: str) -> list:
    """The cells (not their values) of one column, below the header."""
    header = [c.value for c in sheet[1]]
    at = header.index(column)
    return [row[at] for row in sheet.iter_rows(min_row=2)]


@pytest.fixture(scope="module")
def published(demo_home: Path) -> Path:
    return demo_home / "published" / "workforce.duckdb"


@pytest.fixture(scope="module")
def xlsx_export(demo_home: Path, tmp_path_factory) -> Export:
    return export_publication(Settings(home=demo_home), "xlsx", tmp_path_factory.mktemp("xlsx"))


@pytest.fixture(scope="module")
def workbook(xlsx_export: Export) -> openpyxl.Workbook:
    return openpyxl.load_workbook(xlsx_export.tables[0].path)


@pytest.fixture(scope="module")
def flat_files(demo_home: Path, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("flat")
    export_publication(Settings(home=demo_home), "csv", folder)
    export_publication(Settings(home=demo_home), "parquet", folder)
    return {path.name: path for path in folder.iterdir()}


def test_every_sheet_is_an_excel_table_with_filters_and_widths(workbook):
    assert workbook.sheetnames[:4] == ["contents", "scorecard", "kpi_values", "kpi_definitions"]
    for sheet in workbook.worksheets:
        (table,) = sheet.tables.values()
        header = [c.value for c in sheet[1]]
        rows = max(sheet.max_row, 2)  # a table keeps one row, empty if it has none
        assert table.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{rows}"
        assert table.autoFilter.ref == table.ref  # the filter buttons
        assert table.column_names == header
        assert sheet.freeze_panes == "A2"
        for letter, column in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", header, strict=False):
            width = sheet.column_dimensions[letter].width
            assert min(len(column), 56) + 2 <= width <= 100, (sheet.title, column, width)
    names = [t for s in workbook.worksheets for t in s.tables]
    assert len({n.lower() for n in names}) == len(names)
    kpi_values = workbook["kpi_values"]
    labels = kpi_values.column_dimensions["D"]  # kpi_label: as wide as the longest label
    longest = max(len(v) for v in (c.value for c in cells_of(kpi_values, "kpi_label")))
    assert labels.width == min(60, longest + 2)


def test_figures_carry_number_formats_by_what_they_are(workbook, published):
    expected = {  # kpi_code -> the format of its value: percentages 0.0"%", money £, counts whole
        "turnover_rate_fte": '0.0"%"',
        "caseload_fte": "0.0",
        "agency_spend_gbp": "£#,##0",
        "pay_cost_per_fte_gbp": "£#,##0",
        "inpost_headcount": "#,##0",
        "cases": "#,##0",
        "inpost_fte": "#,##0.0",
        "working_days_lost_fte": "#,##0.0",
    }
    sheet = workbook["kpi_values"]
    seen = set()
    for code, value, target in zip(
        cells_of(sheet, "kpi_code"),
        cells_of(sheet, "value"),
        cells_of(sheet, "target"),
        strict=True,
    ):
        assert value.data_type == "n" and isinstance(value.value, (int, float))
        if code.value in expected:
            assert value.number_format == expected[code.value], code.value
            seen.add(code.value)
        if target.value is not None:
            assert target.number_format == value.number_format
    assert seen == set(expected)
    for cell in cells_of(sheet, "period_end"):
        assert isinstance(cell.value, dt.datetime) and cell.number_format == "yyyy-mm-dd"

    census = workbook["fct_workforce_census"]
    assert {c.number_format for c in cells_of(census, "census_year")} == {"0"}  # not 2,025
    assert {c.number_format for c in cells_of(census, "cases")} == {"#,##0"}
    assert {c.number_format for c in cells_of(census, "inpost_fte")} == {"#,##0.0"}
    benchmarks = workbook["kpi_benchmarks"]
    assert {
        (k.value, c.number_format)
        for k, c in zip(
            cells_of(benchmarks, "kpi_code"), cells_of(benchmarks, "value"), strict=True
        )
        if c.value is not None
    } == {
        ("turnover_rate_fte", PERCENT),
        ("vacancy_rate_fte", PERCENT),
        ("agency_rate_fte", PERCENT),
        ("caseload_fte", "0.0"),
    }
    assert {c.number_format for c in cells_of(workbook["source_files"], "rows_loaded")} == {"#,##0"}
    # kpi_values_for_publication: a published figure is a number, a suppressed one stays `c`
    shared = cells_of(workbook["kpi_values_for_publication"], "value")
    assert all(c.data_type == "n" or c.value == "c" for c in shared)
    assert {
        c.number_format
        for c, k in zip(shared, cells_of(sheet, "kpi_code"), strict=True)
        if k.value == "turnover_rate_fte"
    } == {PERCENT}


def test_a_percentage_keeps_its_published_value_and_shows_a_percent_sign(workbook, published):
    """7.0 stays 7.0 (as kpi_values has it), shown as 7.0%: Excel's own 0.0% would show 700%."""
    ((value,),) = query(
        published,
        "select value from kpi_values where la_code = '383' and kpi_code = 'turnover_rate_fte' "
        "and breakdown = 'total' and period_type = 'census_year' order by period_end desc limit 1",
    )
    cells = [
        c
        for k, b, c in zip(
            cells_of(workbook["kpi_values"], "kpi_code"),
            cells_of(workbook["kpi_values"], "breakdown"),
            cells_of(workbook["kpi_values"], "value"),
            strict=True,
        )
        if k.value == "turnover_rate_fte" and b.value == "total" and c.value == value
    ]
    assert cells and cells[0].number_format == '0.0"%"' and 1 < value < 100


def test_no_cell_holds_a_code_without_its_label_beside_it(workbook, published):
    authorities = dict(query(published, "select la_code, la_name from dfe_authorities"))
    kpis = dict(query(published, "select kpi_code, label from kpi_definitions"))
    for sheet in workbook.worksheets:
        header = [c.value for c in sheet[1]]
        if sheet.title == "scorecard":  # its columns are KPIs, headed by their labels
            assert not set(header) & set(kpis)
        for row in sheet.iter_rows(min_row=2, values_only=True):
            named = dict(zip(header, row, strict=True))
            for at, value in enumerate(row):
                column = header[at]
                beside = header[at + 1] if at + 1 < len(header) else None
                if value in kpis and column != "unit":  # `cases` is a unit too
                    assert column == "kpi_code", (sheet.title, column, value)
                    assert row[at + 1] == kpis[value] and beside in ("kpi_label", "label")
                if column == "la_code" and value is not None:
                    assert beside == "la_name", sheet.title
                    # DfE's benchmarks also name joint services, e.g. `314 / 318`
                    assert row[at + 1] == authorities.get(value, row[at + 1]), (sheet.title, value)
                    assert row[at + 1], (sheet.title, value)
                if column == "code":
                    assert beside == "label" and row[at + 1], sheet.title
                if column == "breakdown_value":
                    assert beside == "breakdown_label" and row[at + 1], sheet.title
                    if named["breakdown"] in CODE_LISTS:
                        labels = seed_labels(CODE_LISTS[named["breakdown"]])
                        assert row[at + 1] == labels.get(value, "Not recorded"), value
    kpi_values = rows_of(workbook["kpi_values"])
    assert {r["la_name"] for r in kpi_values} == {"Leeds"}
    breakdowns = {(r["breakdown"], r["breakdown_value"]): r["breakdown_label"] for r in kpi_values}
    assert breakdowns[("total", "total")] == "Total"
    assert breakdowns[("leaving_reason", "1")] == "Resignation"  # seeds/csww_leaving_reasons.csv
    assert breakdowns[("service_band", "<2y")] == "Under 2 years"
    assert breakdowns[("recruitment_route", "step_up")] == "Step Up to Social Work"


def test_the_kpi_definitions_sheet_defines_every_published_kpi(workbook, published):
    expected = query(
        published, "select kpi_code, label, unit, description, is_headline from kpi_definitions"
    )
    sheet = rows_of(workbook["kpi_definitions"])
    assert [c.value for c in workbook["kpi_definitions"][1]][:4] == [
        "kpi_code",
        "label",
        "unit",
        "description",
    ]
    assert sorted(
        (r["kpi_code"], r["label"], r["unit"], r["description"], r["is_headline"]) for r in sheet
    ) == sorted(expected)
    published_codes = {c for (c,) in query(published, "select distinct kpi_code from kpi_values")}
    assert published_codes <= {r["kpi_code"] for r in sheet}


def test_the_scorecard_holds_each_authority_and_years_headline_figures(workbook, published):
    headline = query(
        published,
        "select kpi_code, label from kpi_definitions where is_headline "
        "order by scorecard_order nulls last, kpi_code",
    )
    targeted = {code for (code,) in query(published, "select kpi_code from kpi_targets")}
    assert targeted
    sheet = workbook["scorecard"]
    header = [c.value for c in sheet[1]]
    expected = ["la_code", "la_name", "census_year"]
    for code, label in headline:
        expected += [label, f"{label}: target", f"{label}: RAG"] if code in targeted else [label]
    assert header == expected
    figures, targets = {}, {}
    for la, year, code, value, target, rag in query(
        published,
        "select la_code, year(period_end), kpi_code, value, target, rag from kpi_values "
        "where period_type = 'census_year' and breakdown = 'total' and la_code <> 'ALL'",
    ):
        figures[(la, year, code)] = value
        targets[(la, year, code)] = (target, rag)
    rows = rows_of(sheet)
    assert {(r["la_code"], r["census_year"]) for r in rows} == {(la, y) for la, y, _ in figures}
    assert len(rows) >= 3
    for row in rows:
        for code, label in headline:
            assert row[label] == pytest.approx(
                figures[(row["la_code"], row["census_year"], code)], rel=1e-15
            )
            if code in targeted:
                key = (row["la_code"], row["census_year"], code)
                assert (row[f"{label}: target"], row[f"{label}: RAG"]) == targets[key]
    assert any(row["Turnover rate (FTE): RAG"] for row in rows)
    formats = {label: {c.number_format for c in cells_of(sheet, label)} for _, label in headline}
    assert formats["Turnover rate (FTE)"] == {PERCENT}
    targets_shown = {c.number_format for c in cells_of(sheet, "Turnover rate (FTE): target")}
    assert targets_shown == {PERCENT}
    assert formats["Social workers in post (FTE)"] == {"#,##0.0"}


def test_no_cell_holds_json_and_publications_count_their_files(workbook, published):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(min_row=2, values_only=True):
            for value in row:
                if isinstance(value, str):
                    assert len(value) < 1_000, (sheet.title, value[:80])
                    assert not value.startswith(("[{", "{")), (sheet.title, value[:80])
    files = dict(query(published, "select run_id, len(source_files) from publications"))
    sheet = rows_of(workbook["publications"])
    assert {r["run_id"]: r["source_files_count"] for r in sheet} == files
    (contents,) = [r for r in rows_of(workbook["contents"]) if r["sheet"] == "publications"]
    assert "source_files" in contents["notes"] and "csv and parquet" in contents["notes"]


def test_all_rows_are_left_out_when_one_authority_is_loaded(workbook, published):
    (repeats,) = query(published, "select count(*) from kpi_values where la_code = 'ALL'")[0]
    assert repeats  # the published file holds them; the export does not repeat them
    for name in (
        "kpi_values",
        "kpi_values_for_publication",
        "kpi_values_by_authority",
        "scorecard",
    ):
        assert {r["la_code"] for r in rows_of(workbook[name])} == {"383"}
    (kept,) = query(published, "select count(*) from kpi_values_by_authority")[0]
    assert len(rows_of(workbook["kpi_values_by_authority"])) == kept  # it has no ALL to leave out
    contents = {r["sheet"]: r for r in rows_of(workbook["contents"])}
    assert f"{repeats:,} rows of ALL left out" in contents["kpi_values"]["notes"]
    assert "383 Leeds" in contents["kpi_values"]["notes"]
    for sheet in workbook.sheetnames[1:]:
        assert contents[sheet]["rows"] == len(rows_of(workbook[sheet]))


def test_csv_and_parquet_keep_the_tidy_tables_and_add_the_labels(flat_files, published):
    published_types = dict(
        query(
            published,
            "select column_name, data_type from duckdb_columns() where table_name = 'kpi_values'",
        )
    )
    parquet = flat_files["kpi_values.parquet"]
    with duckdb.connect() as conn:
        exported = dict(
            conn.execute(
                f"select column_name, column_type from (describe select * from '{parquet}')"
            ).fetchall()
        )
        ((all_rows, resignation),) = conn.execute(
            f"select count(*) filter (where la_code = 'ALL'), any_value(breakdown_label) filter "
            f"(where breakdown = 'leaving_reason' and breakdown_value = '1') from '{parquet}'"
        ).fetchall()
    assert {k: v for k, v in exported.items() if k in published_types} == published_types
    assert set(exported) - set(published_types) == {"la_name", "kpi_label", "breakdown_label"}
    columns = list(exported)
    for code, label in LABEL_OF.items():
        assert columns[columns.index(code) + 1] == label
    assert all_rows == 0 and resignation == "Resignation"
    with flat_files["kpi_values.csv"].open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:4] == ["la_code", "la_name", "kpi_code", "kpi_label"]
    assert {r["la_name"] for r in rows} == {"Leeds"}
    with flat_files["kpi_definitions.csv"].open(encoding="utf-8-sig", newline="") as f:
        definitions = list(csv.DictReader(f))
    assert list(definitions[0])[:2] == ["kpi_code", "label"]
    assert "national_column" in definitions[0]  # the tidy table keeps every column
    assert json.loads(
        next(iter(csv.DictReader(flat_files["publications.csv"].open(encoding="utf-8-sig"))))[
            "source_files"
        ]
    )


# --- a hand-made publication: two authorities, so ALL stays ------------------------------------


@pytest.fixture
def two_authorities() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("create table dfe_authorities (la_code varchar, la_name varchar)")
    conn.execute("insert into dfe_authorities values ('383', 'Leeds'), ('202', 'Camden')")
    conn.execute(
        "create table kpi_definitions (kpi_code varchar, unit varchar, description varchar, "
        "is_rate boolean, national_column varchar, label varchar, is_headline boolean, "
        "scorecard_order integer)"
    )
    conn.execute(
        "insert into kpi_definitions values "
        "('turnover_rate_fte', 'percent', 'leavers / in post', true, 'turnover_rate_fte', "
        "'Turnover rate (FTE)', true, 1), "
        "('leavers_fte', 'fte', 'leavers', false, 'leavers_fte', 'Leavers (FTE)', false, null), "
        "('agency_spend_gbp', 'gbp', 'spend', false, null, 'Agency spend', true, null)"
    )
    conn.execute("create table csww_leaving_reasons (code varchar, label varchar)")
    conn.execute(
        "insert into csww_leaving_reasons values ('1', 'Resignation'), ('5', 'Retirement')"
    )
    conn.execute(
        "create table kpi_breakdowns (breakdown varchar, label varchar, code_list varchar)"
    )
    conn.execute(
        "insert into kpi_breakdowns values ('total', 'Total', null), "
        "('leaving_reason', 'Reason for leaving', 'csww_leaving_reasons')"
    )
    conn.execute("create table kpi_targets (kpi_code varchar, target double)")
    conn.execute("insert into kpi_targets values ('turnover_rate_fte', 15)")
    conn.execute(
        "create table kpi_values (la_code varchar, kpi_code varchar, breakdown varchar, "
        "breakdown_value varchar, period_type varchar, period_end date, value double)"
    )
    conn.execute(
        "insert into kpi_values values "
        "('383', 'turnover_rate_fte', 'total', 'total', 'census_year', '2025-09-30', 10.0), "
        "('202', 'turnover_rate_fte', 'total', 'total', 'census_year', '2025-09-30', 30.0), "
        "('ALL', 'turnover_rate_fte', 'total', 'total', 'census_year', '2025-09-30', 25.0), "
        "('383', 'leavers_fte', 'leaving_reason', '5', 'census_year', '2025-09-30', 2.5), "
        "('383', 'leavers_fte', 'leaving_reason', 'not_recorded', 'census_year', "
        "'2025-09-30', 1.0), "
        "('202', 'agency_spend_gbp', 'total', 'total', 'financial_year', '2025-03-31', 1234.5)"
    )
    conn.execute("alter table kpi_values add column target double")
    conn.execute("alter table kpi_values add column rag varchar")
    conn.execute(  # below 15 is green, more than 2 past it red
        "update kpi_values set target = 15, rag = if(value < 15, 'green', 'red') "
        "where kpi_code = 'turnover_rate_fte'"
    )
    return conn


def test_with_two_authorities_all_stays_and_is_named(two_authorities, tmp_path):
    path = tmp_path / "two.xlsx"
    write_xlsx(two_authorities, ["kpi_values", "kpi_definitions"], path)
    workbook = openpyxl.load_workbook(path)
    rows = rows_of(workbook["kpi_values"])
    assert [(r["la_code"], r["la_name"]) for r in rows[:3]] == [
        ("383", "Leeds"),
        ("202", "Camden"),
        ("ALL", ALL_LABEL),
    ]
    assert [r["breakdown_label"] for r in rows[3:5]] == ["Retirement", "Not recorded"]
    spend = cells_of(workbook["kpi_values"], "value")[5]
    assert (spend.value, spend.number_format) == (1234.5, "£#,##0")
    # one column per headline KPI, in scorecard order, with its target and RAG where it has a
    # target; ALL after the authorities
    scorecard = rows_of(workbook["scorecard"])
    turnover = "Turnover rate (FTE)"
    assert list(scorecard[0]) == [
        "la_code",
        "la_name",
        "census_year",
        turnover,
        f"{turnover}: target",
        f"{turnover}: RAG",
        "Agency spend",
    ]
    assert [
        (
            r["la_code"],
            r["census_year"],
            r[turnover],
            r[f"{turnover}: target"],
            r[f"{turnover}: RAG"],
        )
        for r in scorecard
    ] == [
        ("202", 2025, 30.0, 15.0, "red"),
        ("383", 2025, 10.0, 15.0, "green"),
        ("ALL", 2025, 25.0, 15.0, "red"),
    ]
    shown = cells_of(workbook["scorecard"], turnover) + cells_of(
        workbook["scorecard"], f"{turnover}: target"
    )
    assert {c.number_format for c in shown} == {'0.0"%"'}
    assert all(r["Agency spend"] is None for r in scorecard)  # a financial-year figure
    definitions = workbook["kpi_definitions"]
    assert [c.value for c in definitions[1]][:2] == ["kpi_code", "label"]
    assert "national_column" not in [c.value for c in definitions[1]]


def test_an_export_to_a_folder_keeps_stable_names_and_names_its_run_inside(
    xlsx_export, workbook, published
):
    """A link or a Power BI source on `--out` survives the next publication: the workbook is
    workforce.xlsx whatever the run; the run is named on the contents sheet."""
    ((run_id,),) = query(published, "select max(published_run_id) from kpi_values")
    assert xlsx_export.tables[0].path.name == "workforce.xlsx"
    assert xlsx_export.run_id == run_id
    first = rows_of(workbook["contents"])[0]
    assert first["sheet"] == "contents" and run_id in first["notes"]


def test_recruitment_figures_show_whole_days_percentages_and_future_months(tmp_path):
    """Time to hire is a median of days elapsed: whole days (working days lost, summed over
    FTE, keep their decimal); offer acceptance is a percentage; the starters expected and the
    projection are months after the publication, each with its dates and period type."""
    conn = duckdb.connect()
    conn.execute(
        "create table kpi_definitions (kpi_code varchar, unit varchar, is_rate boolean, "
        "label varchar)"
    )
    conn.execute(
        "insert into kpi_definitions values "
        "('time_to_hire_days', 'days', false, 'Time to hire (median days)'), "
        "('working_days_lost_fte', 'days', false, 'Working days lost to sickness'), "
        "('offer_acceptance_percent', 'percent', true, 'Offers accepted'), "
        "('pipeline_starters_fte', 'fte', false, 'Starters expected (FTE)'), "
        "('pipeline_starters_headcount', 'headcount', false, 'Starters expected (people)')"
    )
    conn.execute(
        "create table kpi_values (la_code varchar, kpi_code varchar, breakdown varchar, "
        "breakdown_value varchar, period_type varchar, period_start date, period_end date, "
        "value double)"
    )
    conn.execute(
        "insert into kpi_values values "
        "('383', 'time_to_hire_days', 'total', 'total', 'census_year', '2024-10-01', "
        "'2025-09-30', 92.5), "
        "('383', 'working_days_lost_fte', 'total', 'total', 'census_year', '2024-10-01', "
        "'2025-09-30', 1234.5), "
        "('383', 'offer_acceptance_percent', 'total', 'total', 'census_year', '2024-10-01', "
        "'2025-09-30', 83.3), "
        "('383', 'pipeline_starters_fte', 'total', 'total', 'month', '2026-03-01', "
        "'2026-03-31', 2.5), "
        "('383', 'pipeline_starters_headcount', 'total', 'total', 'month', '2026-03-01', "
        "'2026-03-31', 3)"
    )
    path = tmp_path / "recruitment.xlsx"
    write_xlsx(conn, ["kpi_values"], path)
    sheet = openpyxl.load_workbook(path)["kpi_values"]
    shown = {
        row["kpi_code"]: (row["value"], cell.number_format)
        for row, cell in zip(rows_of(sheet), cells_of(sheet, "value"), strict=True)
    }
    assert shown == {
        "time_to_hire_days": (92.5, "#,##0"),  # the cell keeps the half day
        "working_days_lost_fte": (1234.5, "#,##0.0"),
        "offer_acceptance_percent": (83.3, PERCENT),
        "pipeline_starters_fte": (2.5, "#,##0.0"),
        "pipeline_starters_headcount": (3, "#,##0"),
    }
    future = rows_of(sheet)[3]
    assert (future["kpi_label"], future["period_type"]) == ("Starters expected (FTE)", "month")
    assert (future["period_start"], future["period_end"]) == (
        dt.datetime(2026, 3, 1),
        dt.datetime(2026, 3, 31),
    )
    assert {c.number_format for c in cells_of(sheet, "period_end")} == {"yyyy-mm-dd"}
