"""Defects found in review, each pinned by a test that failed before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.contract import KINDS, Type
from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.conftest import query

VENDOR_HEADER = "Assignment No,Person Ref,SW Registered,Service,Team Name,FTE,Contract,Start,Sex\n"
MAPPING = (
    "hr_staff:\n"
    "  columns: {Assignment No: assignment_id, Person Ref: employee_id,\n"
    "            SW Registered: registered_social_worker, Service: service_area,\n"
    "            Team Name: team, FTE: fte, Contract: contract_type, Start: start_date,\n"
    "            Sex: gender}\n"
    "  values:\n"
    "    gender: {Male: '1', Female: '2'}\n"
    "    contract_type: {Permanent: permanent}\n"
)


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def vendor_snapshot(settings: Settings, extract_date: str, rows: list[str]) -> None:
    path = settings.landing / "383" / f"hr_staff_{extract_date}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(VENDOR_HEADER + "".join(f"{row}\n" for row in rows))


def ingest(settings: Settings, run_id: str):
    return Ingestor(settings, run_id, log=lambda _: None).run(["hr_staff"])


def test_a_late_file_replays_later_snapshots_through_the_authoritys_column_mapping(settings):
    (settings.home / "mappings").mkdir(parents=True)
    (settings.home / "mappings" / "383.yaml").write_text(MAPPING)
    vendor_snapshot(settings, "20250930", ["A1,E1,Y,Assessment,T,1,Permanent,01/04/2020,Female"])
    assert ingest(settings, "first").loaded == ["383/hr_staff_20250930.csv"]

    # a snapshot older than the loaded one: the loaded one is replayed after it, and it is a
    # vendor export too, so the replay must read it through the mapping
    vendor_snapshot(
        settings,
        "20250630",
        [
            "A1,E1,Y,Assessment,T,0.5,Permanent,01/04/2020,Female",
            "A2,E2,Y,Assessment,T,1,Permanent,01/04/2021,Male",
        ],
    )
    late = ingest(settings, "late")
    assert late.rejected == [] and late.loaded == ["383/hr_staff_20250630.csv"]
    assert query(
        settings.warehouse,
        "select record_key, fte::double, gender, valid_from::varchar, valid_to::varchar "
        "from raw.hr_staff order by record_key, valid_from",
    ) == [
        ("A1", 0.5, 2, "2025-06-30", "2025-09-30"),
        ("A1", 1.0, 2, "2025-09-30", None),
        ("A2", 1.0, 1, "2025-06-30", "2025-09-30"),  # gone from the later snapshot
    ]


def test_a_late_files_quarantined_rows_are_its_own_not_those_of_the_snapshots_replayed(settings):
    (settings.home / "mappings").mkdir(parents=True)
    (settings.home / "mappings" / "383.yaml").write_text(MAPPING)
    vendor_snapshot(settings, "20250930", ["A1,E1,Y,Assessment,T,2,Permanent,01/04/2020,Female"])
    ingest(settings, "first")
    vendor_snapshot(
        settings,
        "20250630",
        [
            "A1,E1,Y,Assessment,T,1,Permanent,01/04/2020,Female",
            "A2,E2,Y,Assessment,T,1,Permanent,not a date,Male",
        ],
    )
    ingest(settings, "late")
    assert query(
        settings.warehouse,
        "select run_id, file_name, source_row, column_name from audit.quarantine order by all",
    ) == [
        ("first", "383/hr_staff_20250930.csv", 2, "fte"),
        ("late", "383/hr_staff_20250630.csv", 3, "start_date"),
    ]


def test_every_contract_type_is_its_own_member_so_codes_are_never_typed_as_free_text():
    assert Type.CODE is not Type.TEXT
    assert len(set(Type)) == 8
    code_columns = [c for kind in KINDS.values() for c in kind.columns if c.codes]
    assert {c.type for c in code_columns} == {Type.CODE, Type.INT_CODE}
    # a code list column keeps its delivered text in raw; a numeric code is an integer
    assert Type.CODE.sql == "VARCHAR" and Type.INT_CODE.sql == "INTEGER"


def test_references_between_kinds_are_contract_data_and_order_the_ingestion_assets():
    assert KINDS["agency_timesheets"].refers_to == ["agency_assignments"]
    assert KINDS["case_allocations"].refers_to == ["hr_staff", "agency_assignments"]
    from orchestration.defs import defs

    graph = defs.get_repository_def().asset_graph
    import dagster as dg

    parents = graph.get(dg.AssetKey(["raw", "case_allocations"])).parent_keys
    assert parents == {dg.AssetKey(["raw", "hr_staff"]), dg.AssetKey(["raw", "agency_assignments"])}


def test_a_file_changed_while_it_is_read_is_hashed_archived_and_loaded_as_one_content(
    tmp_path, monkeypatch
):
    import hashlib

    import orchestration.ingest.run as ingest_run
    from orchestration.ingest.run import Ingestor
    from orchestration.settings import Settings
    from tests.conftest import query

    header = "absence_id,employee_id,absence_type,start_date,end_date,working_days_lost\n"
    first, second = (
        header + "S1,E1,SIC,2025-01-06,,1\n",
        header + "S1,E1,SIC,2025-01-06,,1\nS2,E2,SIC,2025-02-03,,2\n",
    )
    settings = Settings(tmp_path / "workforce-data")
    path = settings.landing / "383" / "hr_absence_20251031.csv"
    path.parent.mkdir(parents=True)
    path.write_text(first)
    hashed = ingest_run.hashed

    def hashed_then_rewritten(found, identity, status):
        landed = hashed(found, identity, status)  # hashed here, as the first content
        found.write_text(second)  # the export is still being written
        return landed

    monkeypatch.setattr(ingest_run, "hashed", hashed_then_rewritten)
    Ingestor(settings, "race", log=lambda _: None).run(["hr_absence"])
    sha = hashlib.sha256(second.encode()).hexdigest()
    files = query(settings.warehouse, "select file_id, rows_read, archived_path from audit.files")
    assert files == [(sha, 2, f"383/hr_absence/{sha}.csv")]
    assert (settings.archive / files[0][2]).read_text() == second
