"""Every plain spelling a real system writes is read as the value it spells, and what is not a
plain spelling of a value is refused with the rule it breaks: the row rules' own SQL
(`typed_sql`, `problems_sql`) over one-cell rows, no pipeline around them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from orchestration.config import DateWindow
from orchestration.contract import KINDS
from orchestration.ingest.landing import LandedFile
from orchestration.ingest.pseudonyms import register_pseudonym
from orchestration.ingest.rules import problems_sql, typed, typed_sql

KEY = b"k" * 32


def read(kind: str, column: str, cells: list[str]) -> list[tuple[object, list[str]]]:
    """Each cell of `column` in a row of `kind` (other columns empty): its typed value and
    the rules the row breaks on that column."""
    contract = KINDS[kind]
    conn = duckdb.connect()
    register_pseudonym(conn, KEY)
    table = {c.name: pa.array([None] * len(cells), pa.string()) for c in contract.columns}
    table[column] = pa.array(cells, pa.string())
    table["file_no"] = pa.array([0] * len(cells), pa.int32())
    table["source_row"] = pa.array(range(2, len(cells) + 2), pa.int32())
    conn.register("landed_text", pa.table(table))
    landed = LandedFile(Path("x.csv"), "x.csv", "383", kind, date(2025, 10, 31), "0")
    conn.execute(f"create temp table landed_typed as {typed_sql(contract, landed)}")
    values = conn.execute(
        f"select {typed(contract.column(column))} from landed_typed order by source_row"
    ).fetchall()
    problems = conn.execute(
        f"select source_row, rule from ({problems_sql(contract, landed, DateWindow())}) "
        "where column_name = ?",
        [column],
    ).fetchall()
    return [
        (value, [rule for row, rule in problems if row == i + 2])
        for i, (value,) in enumerate(values)
    ]


READ_AS_WRITTEN = {  # (kind, column): {cell as delivered: value}
    ("hr_staff", "fte"): {
        "0.8108108108": Decimal("0.8108108108"),  # 30/37 as an HR system computes it
        "0.810810810810811": Decimal("0.8108108108"),  # Excel's double, 15 significant digits
        "1.0000000000": Decimal(1),
        "1": Decimal(1),
        " 0.5 ": Decimal("0.5"),
        "+0.5": Decimal("0.5"),
        ".5": Decimal("0.5"),
        "0.123456": Decimal("0.123456"),  # six places survive (the census return's)
    },
    ("payroll", "amount_gbp"): {
        "42.5000000000": Decimal("42.5"),
        "1234.5000": Decimal("1234.5"),  # SQL Server's money type
        "£1,234.50": Decimal("1234.5"),
        "-£12.00": Decimal("-12"),
        "£-12.00": Decimal("-12"),
        "1,234,567.891": Decimal("1234567.891"),
        "-0.4567": Decimal("-0.4567"),  # four places kept, not rounded to pence
    },
    ("hr_absence", "working_days_lost"): {"12.3333333333": Decimal("12.3333333333")},
    ("hr_staff", "org_role"): {"05": 5, "5.0": 5, "5": 5},
    ("hr_staff", "gender"): {"NULL": None, "null": None, "2": 2},
    ("hr_staff", "start_date"): {
        "2025-09-30 00:00:00": date(2025, 9, 30),
        "30/09/2025": date(2025, 9, 30),
        "3/9/2025": date(2025, 9, 3),
        "30/09/2025 00:00": date(2025, 9, 30),
        "2025-09-30T00:00:00Z": date(2025, 9, 30),
    },
    ("hr_staff", "registered_social_worker"): {"TRUE": True, "False": False, "Y": True},
    ("hr_staff", "contract_type"): {"Permanent": "permanent", "FIXED_TERM": "fixed_term"},
    ("hr_absence", "absence_type"): {"sic": "SIC"},
    ("hr_staff", "swe_number"): {"SW12345": None, "sw1": None, "SW1234567890": None},
}


@pytest.mark.parametrize("kind, column", READ_AS_WRITTEN)
def test_a_plain_spelling_is_read_as_the_value_it_spells(kind, column):
    cases = READ_AS_WRITTEN[kind, column]
    results = read(kind, column, list(cases))
    if column == "swe_number":  # pseudonymised: no typed value, only no refusal
        assert [problems for _, problems in results] == [[] for _ in cases]
        return
    expected = [(value, []) for value in cases.values()]
    assert results == expected


REFUSED = {  # (kind, column): {cell: the rule's words}
    ("hr_staff", "fte"): {
        "1E-05": "must be a number written out in decimals",
        "0x1": "must be a number written out in decimals",
        "n/a": "must be a number written out in decimals",
        "0,5": "must be a number written out in decimals",
        "1.0000001": "must be more than 0 and at most 1",  # read as written, so over 1
    },
    ("payroll", "amount_gbp"): {
        "1,23": "an amount in pounds",  # a decimal comma, or a misplaced thousands comma?
        "1.234,50": "an amount in pounds",
        "(12.00)": "an amount in pounds",
        "€12.00": "an amount in pounds",
        "12.00-": "an amount in pounds",
        "£": "an amount in pounds",
    },
    ("hr_staff", "org_role"): {"5.5": "must be a whole-number code", "7": "unknown code"},
    ("hr_staff", "start_date"): {"9/30/2025": "must be a date", "epoch": "must be a date"},
    ("hr_staff", "contract_type"): {"perm": "unknown code"},
    ("hr_staff", "swe_number"): {
        "SW12345678901": "is not a Social Work England number",
        "12345": "is not a Social Work England number",
        "NULL1": "is not a Social Work England number",
    },
    ("hr_staff", "employee_id"): {"": "required value missing"},
}


@pytest.mark.parametrize("kind, column", REFUSED)
def test_what_is_not_a_plain_spelling_is_refused_by_its_rule(kind, column):
    cases = REFUSED[kind, column]
    results = read(kind, column, list(cases))
    for (value, problems), (cell, rule) in zip(results, cases.items(), strict=True):
        assert any(rule in p for p in problems), (cell, value, problems)


def test_null_is_a_word_in_free_text():
    """`NULL` is empty where a column holds codes, dates or numbers; in free text (a team, a
    job title) it is what was written."""
    [(value, problems)] = read("hr_staff", "job_title", ["NULL"])
    assert (value, problems) == ("NULL", [])


def test_the_same_swe_number_in_any_case_is_one_pseudonym():
    conn = duckdb.connect()
    register_pseudonym(conn, KEY)
    contract = KINDS["hr_staff"]
    table = {c.name: pa.array([None, None], pa.string()) for c in contract.columns}
    table["swe_number"] = pa.array(["sw12345", " SW12345 "], pa.string())
    table["file_no"] = pa.array([0, 0], pa.int32())
    table["source_row"] = pa.array([2, 3], pa.int32())
    conn.register("landed_text", pa.table(table))
    landed = LandedFile(Path("x.csv"), "x.csv", "383", "hr_staff", date(2025, 10, 31), "0")
    pseudonyms = conn.execute(
        f'select distinct "swe_number__pseudonym" from ({typed_sql(contract, landed)})'
    ).fetchall()
    assert len(pseudonyms) == 1 and pseudonyms[0][0]
