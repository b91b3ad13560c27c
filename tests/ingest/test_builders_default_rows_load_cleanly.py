"""tests/builders.py: each kind's default row is a valid extract row, and a column the
contract does not have is refused, so fixtures built from them test what they mean to."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.contract import KINDS
from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.builders import BUILDERS, hr_staff, write_extract
from tests.conftest import query


def test_every_kinds_default_row_loads_without_quarantine(home: Path, monkeypatch):
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    settings = Settings.from_env()
    for kind, build in BUILDERS.items():
        write_extract(settings.landing, "383", kind, "2025-10-31", [build()])
    report = Ingestor(settings, "builders", log=lambda _: None).run(list(KINDS))
    assert sorted(report.loaded) == sorted(f"383/{kind}_20251031.csv" for kind in KINDS)
    assert report.quarantined == [] and report.rejected == []
    for kind in KINDS:
        assert query(settings.warehouse, f"select count(*) from raw.{kind}") == [(1,)], kind


def test_a_column_outside_the_contract_is_refused():
    with pytest.raises(AssertionError, match="no column"):
        hr_staff(employee_name="A Person")


def test_none_leaves_a_cell_empty_and_booleans_are_spelled_per_kind():
    row = hr_staff(registered_social_worker=False, swe_number=None)
    assert row["registered_social_worker"] == "false"
    assert "swe_number" not in row and "org_role" not in row  # unregistered: no role either
    assert BUILDERS["agency_assignments"]()["registered_social_worker"] == "1"
    assert BUILDERS["hr_establishment"](social_work_post=False)["social_work_post"] == "N"
    assert BUILDERS["payroll"](amount_gbp=12.5)["amount_gbp"] == "12.50"
