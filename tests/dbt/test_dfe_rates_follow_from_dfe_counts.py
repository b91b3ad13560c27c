"""The project's KPI model reproduces DfE's published rates from DfE's published counts.

Rows of the DfE indicators file (reference/, DfE's own copy) are written into
`marts.fct_workforce_census` as if the pipeline had counted them, then the project's own
`kpi_values` dbt model turns them into rates, which must match DfE's to 0.1.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse import create_schemas
from tests.conftest import REFERENCE
from tests.dbt.dbt_cli import run_dbt

# (time_period, la_name): England, and authorities of different sizes and regions. DfE rounds
# counts to 1 dp before publishing them, so for small counts (a handful of agency staff) the
# rate recomputed from the rounded counts can be more than 0.1 away; these rows are not such.
ROWS = [
    ("2022", None),  # England
    ("2024", "Leeds"),
    ("2022", "Camden"),
    ("2020", "Manchester"),
    ("2025", "Kent"),
    ("2025", "Leicestershire"),
    ("2021", "Herefordshire, County of"),
    ("2019", "Lambeth"),
    ("2018", "Northumberland"),
]
COUNTS = [
    "inpost_fte",
    "inpost_headcount",
    "starters_fte",
    "leavers_fte",
    "agency_fte",
    "agency_cover_fte",
    "vacancy_fte",
    "case_holders_fte",
    "cases",
    "working_days_lost_fte",
]
RATES = [
    "turnover_rate_fte",
    "agency_rate_fte",
    "agency_cover_rate_fte",
    "vacancy_rate_fte",
    "vacancy_agency_cover_rate_fte",
    "caseload_fte",
    "absence_rate_fte",
]


def dfe_rows() -> list[dict]:
    with (REFERENCE / "csww_indicators_2017_to_2025.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    chosen = []
    for year, name in ROWS:
        level = "National" if name is None else "Local authority"
        (row,) = [
            r
            for r in rows
            if r["time_period"] == year
            and r["geographic_level"] == level
            and (name is None or r["la_name"] == name)
        ]
        row["la_code"] = "000" if name is None else row["old_la_code"]
        chosen.append(row)
    return chosen


def dbt(*args: str, warehouse: Path) -> None:
    run_dbt(*args, "--quiet", warehouse=warehouse, work_dir=warehouse.parent)


@pytest.fixture(scope="module")
def rates_from_dfe_counts(tmp_path_factory) -> tuple[list[dict], dict]:
    warehouse = tmp_path_factory.mktemp("dfe") / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        create_schemas(conn)
    # every model and seed on an empty warehouse; their tests run elsewhere (tests/dbt)
    dbt(
        "build",
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
        warehouse=warehouse,
    )
    rows = dfe_rows()
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("delete from marts.fct_workforce_census")
        for row in rows:
            year = int(row["time_period"])
            conn.execute(
                "insert into marts.fct_workforce_census by name select ? as la_code, "
                "? as census_year, make_date(? - 1, 10, 1) as period_start_date, "
                "make_date(?, 9, 30) as census_date, "
                + ", ".join(f"?::double as {c}" for c in COUNTS),
                [row["la_code"], year, year, year, *[float(row[c]) for c in COUNTS]],
            )
    dbt("run", "--select", "kpi_values", warehouse=warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        computed = {
            (la, code): value
            for la, code, value in conn.execute(
                "select la_code, kpi_code, value from marts.kpi_values "
                "where breakdown = 'total' and period_type = 'census_year'"
            ).fetchall()
        }
    return rows, computed


@pytest.mark.parametrize("rate", RATES)
def test_rates_from_published_counts_match_the_published_rates(rates_from_dfe_counts, rate):
    rows, computed = rates_from_dfe_counts
    for row in rows:
        published = float(row[rate])
        ours = computed[(row["la_code"], rate)]
        assert ours == pytest.approx(published, abs=0.1), (
            row["la_name"] or "England",
            row["time_period"],
        )
