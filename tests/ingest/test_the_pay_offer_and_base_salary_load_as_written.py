"""The pay offer (`hr_pay_offer`) and the base salary of `hr_staff` load as a council's export
writes them, through ingestion on its own: codes in any case and with spaces, money with `£`
and commas, a row breaking the pay offer's conditional requirement quarantined with its file,
row, column and rule. Staging is the dbt model's own SQL over the raw tables; a warehouse
created before `base_salary_gbp` existed gains it without opening a version for every record."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import KINDS
from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from orchestration.warehouse import row_hash_sql
from tests.builders import hr_staff, write_extract
from tests.conftest import PROJECT_ROOT, query

STAGING = PROJECT_ROOT / "dbt_project" / "models" / "staging" / "hr"


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def ingest(settings: Settings, kinds: list[str], run_id: str = "run"):
    return Ingestor(settings, run_id, log=lambda _: None).run(kinds)


def staging(settings: Settings, model: str, sql: str) -> list[tuple]:
    """`sql` over the staging model `model`, its SQL read from dbt_project (sources: raw)."""
    text = (STAGING / f"{model}.sql").read_text()
    text = re.sub(r"\{\{\s*source\('\w+',\s*'(\w+)'\)\s*\}\}", r"raw.\1", text)
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return conn.execute(f"with {model} as ({text}) {sql}").fetchall()


PAY_OFFER = (
    "item,eligible,detail\n"
    "recruitment_bonus,All,\n"  # row 2
    "retention_bonus, some ,\n"  # row 3
    " Car_Allowance ,,\n"  # row 4: no eligible for an item that needs it
    "cost_swe,NONE,\n"  # row 5
    "other_allowances,,Lease car scheme\n"  # row 6: other_allowances needs no eligible
)


def test_the_pay_offer_loads_as_written_and_a_row_without_eligible_is_quarantined(settings):
    path = settings.landing / "383" / "hr_pay_offer_20250930.csv"
    path.parent.mkdir(parents=True)
    path.write_text(PAY_OFFER)
    report = ingest(settings, ["hr_pay_offer"])
    assert report.rejected == [] and report.loaded == ["383/hr_pay_offer_20250930.csv"]
    assert report.quarantined == [("383/hr_pay_offer_20250930.csv", 1, 5)]
    assert query(
        settings.warehouse,
        "select file_name, source_row, column_name, rule, value from audit.quarantine",
    ) == [
        (
            "383/hr_pay_offer_20250930.csv",
            4,
            "eligible",
            "required value missing (required unless item is other_allowances)",
            None,
        )
    ]
    assert query(
        settings.warehouse,
        "select rows_read, rows_loaded, rows_quarantined from audit.files "
        "where file_name = '383/hr_pay_offer_20250930.csv'",
    ) == [(5, 4, 1)]
    assert staging(
        settings,
        "stg_hr__pay_offer",
        "select la_code, item, eligible, detail, valid_from::varchar, valid_to, source_row "
        "from stg_hr__pay_offer order by source_row",
    ) == [
        ("383", "recruitment_bonus", "all", None, "2025-09-30", None, 2),
        ("383", "retention_bonus", "some", None, "2025-09-30", None, 3),
        ("383", "cost_swe", "none", None, "2025-09-30", None, 5),
        ("383", "other_allowances", None, "Lease car scheme", "2025-09-30", None, 6),
    ]
    # the corrected row comes as a new snapshot: the item opens its first version
    path.with_name("hr_pay_offer_20251031.csv").write_text(
        PAY_OFFER.replace(" Car_Allowance ,,", "car_allowance,Some,")
    )
    assert ingest(settings, ["hr_pay_offer"], "again").quarantined == []
    assert staging(
        settings,
        "stg_hr__pay_offer",
        "select item, eligible, valid_from::varchar from stg_hr__pay_offer "
        "where valid_from = '2025-10-31'",
    ) == [("car_allowance", "some", "2025-10-31")]


def test_base_salaries_load_as_money_is_written(settings):
    rows = [
        hr_staff(assignment_id="A1", employee_id="E1", base_salary_gbp="£41,250.00"),
        hr_staff(assignment_id="A2", employee_id="E2", base_salary_gbp=" 38500 "),
        hr_staff(assignment_id="A3", employee_id="E3", base_salary_gbp=None),
        hr_staff(assignment_id="A4", employee_id="E4", base_salary_gbp="-100"),
    ]
    write_extract(settings.landing, "383", "hr_staff", "2025-09-30", rows)
    report = ingest(settings, ["hr_staff"])
    assert report.quarantined == [("383/hr_staff_20250930.csv", 1, 4)]
    assert query(
        settings.warehouse, "select source_row, column_name, rule, value from audit.quarantine"
    ) == [(5, "base_salary_gbp", "must not be negative", "-100")]
    assert staging(
        settings,
        "stg_hr__staff",
        "select assignment_id, base_salary_gbp, qual_inst from stg_hr__staff order by 1",
    ) == [("A1", Decimal("41250.00"), None), ("A2", Decimal("38500"), None), ("A3", None, None)]


def test_an_older_warehouse_gains_base_salary_without_a_version_for_every_record(settings):
    rows = [hr_staff(assignment_id=a, employee_id=a, qual_inst="Uni") for a in ("A1", "A2")]
    write_extract(settings.landing, "383", "hr_staff", "2025-06-30", rows)
    ingest(settings, ["hr_staff"])
    # as a warehouse made before the column existed holds the rows: no column, hashed without
    kind = KINDS["hr_staff"]
    before = dataclasses.replace(
        kind, columns=tuple(c for c in kind.columns if c.name != "base_salary_gbp")
    )
    with duckdb.connect(str(settings.warehouse)) as conn:
        conn.execute("alter table raw.hr_staff drop column base_salary_gbp")
        conn.execute(f"update raw.hr_staff set row_hash = {row_hash_sql(before)}")

    # the next snapshot: A1 as before (its export has no salary yet), A2 with one
    rows[1] = hr_staff(assignment_id="A2", employee_id="A2", qual_inst="Uni", base_salary_gbp=40000)
    write_extract(settings.landing, "383", "hr_staff", "2025-09-30", rows)
    ingest(settings, ["hr_staff"], "again")
    assert query(
        settings.warehouse,
        "select assignment_id, base_salary_gbp::double, valid_from::varchar, valid_to::varchar "
        "from raw.hr_staff order by assignment_id, valid_from",
    ) == [
        ("A1", None, "2025-06-30", None),
        ("A2", None, "2025-06-30", "2025-09-30"),
        ("A2", 40000.0, "2025-09-30", None),
    ]
    assert staging(settings, "stg_hr__staff", "select distinct qual_inst from stg_hr__staff") == [
        ("Uni",)
    ]
