"""The `assert_all_authorities_add_up` test (dbt_project/tests/) holds ALL to the sum of the
authorities' counts: it fails on a penny out in a national total of a billion pounds, and not
on the last digits that adding 150 authorities' figures in another order moves."""

from __future__ import annotations

import math
import re

import duckdb
import pytest

from orchestration.settings import DBT_PROJECT_DIR

TEST_SQL = DBT_PROJECT_DIR / "tests" / "assert_all_authorities_add_up.sql"


def failing_rows(values: dict[str, float]) -> list[tuple]:
    """The dbt test's SQL over a kpi_values of one count (agency spend) and its definition."""
    sql = re.sub(r"\{\{ config\(.*?\) \}\}", "", TEST_SQL.read_text(), flags=re.S)
    sql = sql.replace("{{ ref('kpi_values') }}", "kpi_values").replace(
        "{{ ref('kpi_definitions') }}", "kpi_definitions"
    )
    with duckdb.connect() as conn:
        conn.execute(
            "create table kpi_definitions as select 'agency_spend_gbp' as kpi_code, "
            "false as is_rate, 'sum' as all_authorities"
        )
        conn.execute(
            "create table kpi_values (la_code varchar, kpi_code varchar, breakdown varchar, "
            "breakdown_value varchar, period_type varchar, period_start date, value double)"
        )
        conn.executemany(
            "insert into kpi_values values (?, 'agency_spend_gbp', 'total', 'total', "
            "'financial_year', date '2023-04-01', ?)",
            list(values.items()),
        )
        return conn.execute(sql).fetchall()


def national(spends: list[float], all_value: float) -> dict[str, float]:
    return {**{f"{100 + i:03d}": v for i, v in enumerate(spends)}, "ALL": all_value}


# 150 authorities' spends in pounds and pence, ten million or so each: 1.6 billion in all
SPENDS = [round(10_000_000 + 61_803.39 * i + (i * 37 % 100) / 100, 2) for i in range(150)]
EXACT = math.fsum(SPENDS)


def ulps_from(value: float, steps: int) -> float:
    for _ in range(steps):
        value = math.nextafter(value, math.inf)
    return value


def test_the_last_digits_of_a_billion_summed_in_another_order_pass():
    # adding the same figures in another order moves the last digits: in a hub of 150
    # authorities, ALL's agency spend was 1.2e-6 from the authorities' sum (5 units in the
    # last place of 1.13e9)
    assert failing_rows(national(SPENDS, EXACT)) == []
    assert failing_rows(national(SPENDS, ulps_from(EXACT, 6))) == []
    assert ulps_from(EXACT, 6) - EXACT > 1e-6  # beyond the absolute bound this test once had


@pytest.mark.parametrize("out_by", [0.01, -0.01, 1.0, 7_534_292.56])
def test_a_total_out_by_a_penny_or_an_authority_fails(out_by):
    rows = failing_rows(national(SPENDS, EXACT + out_by))
    assert len(rows) == 1 and rows[0][0] == "agency_spend_gbp", rows
