"""Ingestion on its own: history, corrections, late files, re-delivery, rejections, pseudonyms."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from orchestration.ingest import Ingestor
from orchestration.settings import Settings
from tests.conftest import query, write_extract


def staff(assignment: str, fte: float = 1.0, end: str = "", employee: str = "EMP001") -> dict:
    return {
        "assignment_id": assignment,
        "employee_id": employee,
        "full_name": "Zoë Brontë",
        "registered_social_worker": "Y",
        "org_role": "5",
        "service_area": "Assessment",
        "team": "Team 1",
        "fte": str(fte),
        "contract_type": "permanent",
        "start_date": "01/04/2020",  # DD/MM/YYYY is accepted
        "end_date": end,
    }


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def ingest(settings: Settings, run_id: str = "run"):
    return Ingestor(settings, run_id, log=lambda _: None).run(
        ["hr_staff", "hr_absence"], unrecognised=True
    )


def versions(settings: Settings) -> list[tuple]:
    return query(
        settings.warehouse,
        "select record_key, fte::double, valid_from::varchar, valid_to::varchar "
        "from raw.hr_staff order by record_key, valid_from",
    )


def test_snapshots_are_stored_as_versions_that_change_only_when_a_record_does(settings):
    landing = settings.landing
    write_extract(landing, "383", "hr_staff", "2025-03-31", [staff("A1"), staff("A2")])
    write_extract(landing, "383", "hr_staff", "2025-06-30", [staff("A1"), staff("A2", 0.5)])
    write_extract(landing, "383", "hr_staff", "2025-09-30", [staff("A2", 0.5)])  # A1 gone
    report = ingest(settings)
    assert len(report.loaded) == 3
    assert versions(settings) == [
        ("A1", 1.0, "2025-03-31", "2025-09-30"),
        ("A2", 1.0, "2025-03-31", "2025-06-30"),
        ("A2", 0.5, "2025-06-30", None),
    ]


def test_a_late_file_is_placed_in_history_and_later_snapshots_are_replayed(settings):
    landing = settings.landing
    write_extract(landing, "383", "hr_staff", "2025-03-31", [staff("A1"), staff("A2")])
    write_extract(landing, "383", "hr_staff", "2025-09-30", [staff("A1"), staff("A2")])
    ingest(settings)
    # June arrives after September: A2 was absent in June only.
    write_extract(landing, "383", "hr_staff", "2025-06-30", [staff("A1")])
    report = ingest(settings, "late")
    assert report.loaded == ["383/hr_staff_20250630.csv"]
    assert versions(settings) == [
        ("A1", 1.0, "2025-03-31", None),
        ("A2", 1.0, "2025-03-31", "2025-06-30"),
        ("A2", 1.0, "2025-09-30", None),
    ]


def test_identical_redelivery_is_a_no_op_and_a_changed_file_is_a_correction(settings):
    landing = settings.landing
    path = write_extract(landing, "383", "hr_staff", "2025-09-30", [staff("A1")])
    ingest(settings)
    os.utime(path)  # touched, same bytes
    assert ingest(settings, "again").skipped == ["383/hr_staff_20250930.csv"]
    write_extract(landing, "383", "hr_staff", "2025-09-30", [staff("A1", 0.6)])
    report = ingest(settings, "corrected")
    assert report.corrected == ["383/hr_staff_20250930.csv"]
    assert versions(settings) == [("A1", 0.6, "2025-09-30", None)]
    statuses = query(settings.warehouse, "select status from audit.files order by received_at")
    assert statuses == [("superseded",), ("loaded",)]


def test_a_corrected_period_file_replaces_its_rows(settings):
    rows = [
        {
            "absence_id": "S1",
            "employee_id": "EMP001",
            "absence_type": "SIC",
            "start_date": "2025-01-06",
            "working_days_lost": "3",
        }
    ]
    write_extract(settings.landing, "383", "hr_absence", "2025-03-31", rows)
    ingest(settings)
    rows[0]["working_days_lost"] = "4"
    write_extract(settings.landing, "383", "hr_absence", "2025-03-31", rows)
    ingest(settings, "corrected")
    assert query(settings.warehouse, "select working_days_lost::double from raw.hr_absence") == [
        (4.0,)
    ]


def test_a_windows_1252_file_keeps_its_accents_and_names_are_dropped(settings):
    path = settings.landing / "383" / "hr_staff_20250930.csv"
    path.parent.mkdir(parents=True)
    header = "assignment_id,employee_id,full_name,registered_social_worker,service_area,team,fte,contract_type,start_date,job_title\n"
    path.write_bytes(
        (
            header
            + "A1,E1,Zoë Brontë,1,Assessment,Équipe 1,1,permanent,2020-01-01,Senior £ grade\n"
        ).encode("cp1252")
    )
    assert ingest(settings).loaded
    team, title = query(settings.warehouse, "select team, job_title from raw.hr_staff")[0]
    assert (team, title) == ("Équipe 1", "Senior £ grade")
    columns = [
        c
        for (c,) in query(
            settings.warehouse,
            "select column_name from information_schema.columns where table_name = 'hr_staff'",
        )
    ]
    assert "full_name" not in columns and "employee_id" not in columns


def test_identifiers_are_keyed_pseudonyms_and_the_key_file_is_owner_only(settings, monkeypatch):
    write_extract(settings.landing, "383", "hr_staff", "2025-09-30", [staff("A1")])
    ingest(settings)
    (pseudonym,) = query(settings.warehouse, "select employee_pseudonym from raw.hr_staff")[0]
    assert len(pseudonym) == 32 and "EMP001" not in pseudonym
    assert stat.S_IMODE(settings.key_file.stat().st_mode) == 0o600
    # Another key gives another pseudonym: without the key the pseudonym cannot be recomputed.
    other = settings.home.parent / "other"
    monkeypatch.setenv("WORKFORCE_HOME", str(other))
    monkeypatch.setenv("WORKFORCE_PSEUDONYM_KEY", "a different secret")
    other_settings = Settings.from_env()
    write_extract(other_settings.landing, "383", "hr_staff", "2025-09-30", [staff("A1")])
    ingest(other_settings)
    assert (
        query(other_settings.warehouse, "select employee_pseudonym from raw.hr_staff")[0][0]
        != pseudonym
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("383/hr_staff_20250930.csv", b"", "empty file"),
        (
            "383/hr_staff_20250930.csv",
            b"assignment_id,employee_id\nA1,E1\n",
            "missing required column(s) registered_social_worker",
        ),
        (
            "383/hr_staff_20250930.csv",
            b"assignment_id,employee_id,registered_social_worker,service_area,team,fte,contract_type,start_date\n"
            b"A1,E1,1,Assessment,T,1,permanent,2020-01-01\nA2,E2,maybe,Assessment,T,one,permanent,2020-13-01\n",
            "row 3, column fte: 'one' must be a number",
        ),
        (
            "383/hr_staff_20250930.csv",
            b"assignment_id,employee_id,registered_social_worker,service_area,team,fte,contract_type,start_date\n"
            b"A1,E1,1,Assessment,T,1,permanent,2020-01-01\nA1,E2,1,Assessment,T,1,permanent,2020-01-01\n",
            "rows 2, 3, column assignment_id: duplicate key A1",
        ),
        ("383/hr_staf_20250930.csv", b"x\n1\n", "unknown kind 'hr_staf'"),
        ("383/hr_staff_20251331.csv", b"x\n1\n", "'20251331' in the file name is not a date"),
        ("hr_staff_20250930.csv", b"x\n1\n", "not in an authority folder"),
        ("383/hr_staff_20250930.csv", b"\x81\x8d\x8f\x90\x9d,\xff\n", "unreadable encoding"),
    ],
)
def test_a_bad_file_is_rejected_with_a_reason_and_kept(settings, name, content, message):
    path = settings.landing / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    report = ingest(settings)
    assert len(report.rejected) == 1
    rejected_name, reason = report.rejected[0]
    assert rejected_name == name and message in reason and name in reason
    kept = list(settings.rejected.glob(f"*_{path.name}"))
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert message in kept[0].with_name(kept[0].name + ".reason.txt").read_text()
    # The same bytes again are not rejected twice.
    assert ingest(settings, "again").rejected == []
