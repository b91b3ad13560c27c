"""Ingestion on its own: history, corrections, late files, re-delivery, rejections, pseudonyms."""

from __future__ import annotations

import hmac
import os
import stat
from pathlib import Path

import duckdb
import pytest

import orchestration.ingest.landing as landing_module
from orchestration.ingest.pseudonyms import pseudonym, register_pseudonym
from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.builders import hr_absence, hr_staff, write_extract
from tests.conftest import kept_file, query


def staff(assignment: str, fte: float = 1.0, end: str = "", employee: str = "EMP001") -> dict:
    """Only the columns an HR export must have, and a name to drop; dates as DD/MM/YYYY."""
    return hr_staff(
        assignment_id=assignment,
        employee_id=employee,
        full_name="Zoë Brontë",
        registered_social_worker="Y",
        team="Team 1",
        fte=fte,
        start_date="01/04/2020",  # DD/MM/YYYY is accepted
        end_date=end,
        **{column: None for column in ("date_of_birth", "gender", "ethnicity", "swe_number")},
    )


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


def test_a_batch_applied_at_once_writes_what_its_files_one_by_one_write(
    settings, home, tmp_path, monkeypatch
):
    """New snapshots and period files of one authority are applied in one statement per
    batch (`ingest_at_once`); the history, ledger and quarantine are those of applying the
    files one after another. The batch lands on history already loaded, and has a record
    that changes, leaves and comes back, one quarantined between two good versions (it keeps
    its version), one quarantined before it ever loaded, a quarantined duplicate, and two
    snapshots of the same bytes."""
    monkeypatch.setenv("WORKFORCE_PSEUDONYM_KEY", "one key for both homes")
    first = [staff("A1"), staff("A2"), staff("A3")]
    batch = {
        "2025-04-30": [staff("A1", 0.5), staff("A2"), staff("A4", fte=7)],  # A4 bad, A3 gone
        "2025-05-31": [staff("A1", 0.5), staff("A2", fte=7), staff("A3"), staff("A4")],
        "2025-06-30": [staff("A1"), staff("A2"), staff("A3"), staff("A3", 0.5)],  # A3 twice
        "2025-07-31": [staff("A2", 0.8), staff("A3", 0.5)],  # A1 gone
        "2025-08-31": [staff("A2", 0.8), staff("A3", 0.5)],  # July's bytes again
    }
    absences = {d: [hr_absence(absence_id=f"AB{d}")] for d in batch}

    def deliver(landing: Path) -> None:
        write_extract(landing, "383", "hr_staff", "2025-03-31", first)
        ingest(Settings(landing.parent), "first")
        for d, rows in batch.items():
            write_extract(landing, "383", "hr_staff", d, rows)
            write_extract(landing, "383", "hr_absence", d, absences[d])

    at_once = []
    original = Ingestor.ingest_at_once

    def spy(self, *args):
        applied = original(self, *args)
        at_once.append(applied)
        return applied

    monkeypatch.setattr(Ingestor, "ingest_at_once", spy)
    deliver(settings.landing)
    ingest(settings, "batch")
    assert at_once[-2:] == [True, True]  # the staff and the absence batches
    one_by_one = Settings(tmp_path / "one-by-one")
    monkeypatch.setattr(Ingestor, "ingest_at_once", lambda *args: False)
    deliver(one_by_one.landing)
    ingest(one_by_one, "batch")

    assert versions(settings) == [
        ("A1", 1.0, "2025-03-31", "2025-04-30"),
        ("A1", 0.5, "2025-04-30", "2025-06-30"),
        ("A1", 1.0, "2025-06-30", "2025-07-31"),
        ("A2", 1.0, "2025-03-31", "2025-07-31"),  # May's row was quarantined: kept
        ("A2", 0.8, "2025-07-31", None),
        ("A3", 1.0, "2025-03-31", "2025-04-30"),
        ("A3", 1.0, "2025-05-31", "2025-07-31"),  # June's two rows were quarantined: kept
        ("A3", 0.5, "2025-07-31", None),
        ("A4", 1.0, "2025-05-31", "2025-06-30"),  # April's row was quarantined
    ]
    for sql in (
        "select * from raw.hr_staff order by all",
        "select * from raw.hr_absence order by all",
        "select * exclude (received_at, landed_mtime_ns) from audit.files order by all",
        "select * exclude (recorded_at) from audit.quarantine order by all",
    ):
        assert query(settings.warehouse, sql) == query(one_by_one.warehouse, sql), sql
    assert len(query(settings.warehouse, "select * from audit.quarantine")) == 4


def test_files_staged_together_are_each_judged_on_their_own(settings):
    """One run's files of a kind and authority go through the row rules together: a key
    repeated within a file is a duplicate, the same key in two files is not; each file's
    quarantined rows are its own; an unreadable file is rejected without the others."""
    landing = settings.landing
    write_extract(landing, "383", "hr_staff", "2025-03-31", [staff("A1"), staff("A1", 0.5)])
    write_extract(landing, "383", "hr_staff", "2025-06-30", [staff("A1"), staff("A2", 0.5)])
    write_extract(landing, "383", "hr_staff", "2025-07-31", [staff("A1"), staff("A2", 0.5)])
    (landing / "383" / "hr_staff_20250731.csv").write_text("assignment_id,fte\nA1,1\n")
    write_extract(landing, "383", "hr_staff", "2025-09-30", [staff("A2", 0.5), staff("A3", 7)])
    report = ingest(settings)
    assert [name for name, _ in report.rejected] == ["383/hr_staff_20250731.csv"]
    assert "missing required column(s) employee_id" in report.rejected[0][1]
    assert report.quarantined == [
        ("383/hr_staff_20250331.csv", 2, 2),
        ("383/hr_staff_20250930.csv", 1, 2),
    ]
    assert query(
        settings.warehouse,
        "select file_name, source_row, column_name, rule from audit.quarantine order by all",
    ) == [
        ("383/hr_staff_20250331.csv", 2, "assignment_id", "duplicate key within the file"),
        ("383/hr_staff_20250331.csv", 3, "assignment_id", "duplicate key within the file"),
        ("383/hr_staff_20250930.csv", 3, "fte", "must be more than 0 and at most 1"),
    ]
    # A1 was in March's file only as a duplicate: nothing reliable, so it opens in June.
    assert versions(settings) == [
        ("A1", 1.0, "2025-06-30", "2025-09-30"),
        ("A2", 0.5, "2025-06-30", None),
    ]


def test_a_late_file_replays_history_while_the_files_staged_with_it_wait(settings):
    """The replays of a late file stage archived snapshots on their own; the files staged in
    the same batch as the late file keep their rows."""
    landing = settings.landing
    write_extract(landing, "383", "hr_staff", "2025-03-31", [staff("A1"), staff("A2")])
    write_extract(landing, "383", "hr_staff", "2025-09-30", [staff("A1"), staff("A2")])
    ingest(settings)
    write_extract(landing, "383", "hr_staff", "2025-06-30", [staff("A1")])  # late
    write_extract(landing, "383", "hr_staff", "2025-12-31", [staff("A2", 0.5), staff("A3")])
    report = ingest(settings, "late and next")
    assert report.loaded == ["383/hr_staff_20250630.csv", "383/hr_staff_20251231.csv"]
    assert versions(settings) == [
        ("A1", 1.0, "2025-03-31", "2025-12-31"),
        ("A2", 1.0, "2025-03-31", "2025-06-30"),
        ("A2", 1.0, "2025-09-30", "2025-12-31"),
        ("A2", 0.5, "2025-12-31", None),
        ("A3", 1.0, "2025-12-31", None),
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


def test_a_file_recorded_as_it_stands_is_not_read_again(settings, monkeypatch):
    """A run's cost follows what was delivered: files the ledger recorded with the size and
    modification time they still have are not hashed again (as the sensor does); a touched
    file is hashed, and found already loaded."""
    landing = settings.landing
    kept = write_extract(landing, "383", "hr_staff", "2025-09-30", [staff("A1")])
    refused = write_extract(landing, "383", "hr_absence", "2025-09-30", [])
    refused.write_bytes(b"")  # an empty file: rejected, and recorded so
    first = ingest(settings)
    assert first.loaded == [kept.relative_to(landing).as_posix()] and len(first.rejected) == 1

    hashed: list[str] = []
    real = landing_module.sha256_of
    monkeypatch.setattr(landing_module, "sha256_of", lambda p: hashed.append(p.name) or real(p))
    both = sorted(p.relative_to(landing).as_posix() for p in (kept, refused))
    assert sorted(ingest(settings, "again").skipped) == both
    assert hashed == []
    os.utime(kept)  # touched, same bytes
    assert sorted(ingest(settings, "touched").skipped) == both
    assert hashed == [kept.name]


def test_a_corrected_period_file_replaces_its_rows(settings):
    rows = [
        hr_absence(
            absence_id="S1",
            employee_id="EMP001",
            start_date="2025-01-06",
            end_date=None,
            working_days_lost=3,
        )
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


@pytest.mark.parametrize("key", [b"short key", "ключ".encode() * 20], ids=["short", "long"])
def test_the_sql_pseudonym_is_the_hmac_the_census_recomputes(key: bytes):
    """Ingestion pseudonymises in SQL; the census return recomputes SWE pseudonyms in Python
    (`pseudonym`): both must be HMAC-SHA256, for any key length and any text."""
    values = ["383:EMP001", "SWE:SW123456", "383:Zoë Brontë £", "", None]
    with duckdb.connect() as conn:
        register_pseudonym(conn, key)
        in_sql = conn.execute(
            "select pseudonym(v) from unnest(?::varchar[]) with ordinality t(v, i) order by i",
            [values],
        ).fetchall()
    assert [p for (p,) in in_sql] == [None if v is None else pseudonym(key, v) for v in values]
    assert pseudonym(key, "383:EMP001") == hmac.new(key, b"383:EMP001", "sha256").hexdigest()[:32]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("383/hr_staff_20250930.csv", b"", "empty file"),
        (
            "383/hr_staff_20250930.csv",
            b"assignment_id,employee_id\nA1,E1\n",
            "missing required column(s) registered_social_worker",
        ),
        ("383/hr_staff_20990930.csv", b"x\n1\n", "extract date 2099-09-30 is in the future"),
        (
            "383/hr_staff_20250930.csv",
            b"assignment_id,employee_id,registered_social_worker,service_area,team,fte,contract_type,start_date\n"
            b'A1,E1,1,Assessment,"T,1,permanent,2020-01-01\n',
            "malformed CSV",
        ),
        ("383/hr_staff_20250930.xlsx", b"PK\x03\x04 not really a workbook", "not a readable XLSX"),
        ("383/hr_staff_20250930.parquet", b"PAR1 truncated", "not a readable Parquet file"),
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
    notes = list(settings.rejected.glob(f"*_{path.name}.reason.txt"))
    assert len(notes) == 1 and message in notes[0].read_text()
    # the bytes are kept with the rest of what was delivered, in the archive
    assert kept_file(settings.home, notes[0]).read_bytes() == content
    # The same bytes again are not rejected twice.
    assert ingest(settings, "again").rejected == []


HEADER = "assignment_id,employee_id,registered_social_worker,org_role,service_area,team,fte,contract_type,start_date,end_date"
GOOD = "A1,E1,1,5,Assessment,T,1,permanent,2020-01-01,"


@pytest.mark.parametrize(
    ("kind", "header", "bad_row", "column", "rule", "value"),
    [
        (
            "hr_staff",
            HEADER,
            "A2,E2,1,5,Assessment,T,one,permanent,2020-01-01,",
            "fte",
            "must be a number",
            "one",
        ),
        (
            "hr_staff",
            HEADER,
            "A2,E2,1,5,Assessment,T,1.5,permanent,2020-01-01,",
            "fte",
            "must be more than 0 and at most 1",
            "1.5",
        ),
        (
            "hr_staff",
            HEADER,
            "A2,E2,1,5,Assessment,T,0,permanent,2020-01-01,",
            "fte",
            "must be more than 0 and at most 1",
            "0",
        ),
        (
            "hr_staff",
            HEADER,
            "A2,E2,1,5,Assessment,T,1,permanent,2020-01-01,2019-12-31",
            "end_date",
            "must not be before start_date",
            "2019-12-31",
        ),
        (
            "hr_staff",
            HEADER,
            "A2,E2,1,9,Assessment,T,1,permanent,2020-01-01,",
            "org_role",
            "unknown code (allowed: 1, 2, 3, 4, 5, 6)",
            "9",
        ),
        (
            "hr_staff",
            HEADER,
            "A2,E2,1,5,Assessment,T,1,zero_hours,2020-01-01,",
            "contract_type",
            "unknown code",
            "zero_hours",
        ),
        (
            "hr_staff",
            HEADER,
            "A2,E2,maybe,5,Assessment,T,1,permanent,2020-01-01,",
            "registered_social_worker",
            "must be a boolean",
            "maybe",
        ),
        (
            "hr_staff",
            HEADER,
            "A2,E2,1,5,Assessment,T,1,permanent,2020-13-01,",
            "start_date",
            "must be a date",
            "2020-13-01",
        ),
        (
            "hr_staff",
            HEADER,
            "A2,,1,5,Assessment,T,1,permanent,2020-01-01,",
            "employee_id",
            "required value missing",
            "(personal data)",
        ),
        (
            "agency_timesheets",
            "timesheet_id,assignment_id,week_ending,hours,charge_gbp",
            "T2,G404,2025-09-26,37,1500",
            "assignment_id",
            "refers to an agency assignment not in any agency_assignments extract",
            "G404",
        ),
        (
            "case_allocations",
            "allocation_id,child_id,worker_id,worker_source,team,case_type,allocation_start",
            "L2,C2,E404,employee,T,CIN,2025-01-01",
            "worker_id",
            "refers to a worker not in any hr_staff or agency_assignments extract",
            "(personal data)",
        ),
    ],
)
def test_a_bad_row_is_quarantined_with_file_row_column_rule_and_the_rest_loads(
    settings, kind, header, bad_row, column, rule, value
):
    landing = settings.landing / "383"
    landing.mkdir(parents=True)
    # The references the good rows need: a worker E1 and an agency assignment G1.
    (landing / "hr_staff_20250901.csv").write_text(f"{HEADER}\n{GOOD}\n")
    (landing / "agency_assignments_20250901.csv").write_text(
        "assignment_id,agency_worker_id,registered_social_worker,agency_name,service_area,team,"
        "cover_reason,fte,start_date,hourly_charge_gbp\nG1,W1,1,Ag,Assessment,T,vacancy,1,2025-01-01,45\n"
    )
    good = {
        "hr_staff": GOOD,
        "agency_timesheets": "T1,G1,2025-09-26,37,1500",
        "case_allocations": "L1,C1,E1,employee,T,CIN,2025-01-01",
    }[kind]
    (landing / f"{kind}_20250930.csv").write_text(f"{header}\n{good}\n{bad_row}\n")
    report = Ingestor(settings, "run", log=lambda _: None).run(
        ["hr_staff", "agency_assignments", kind]
    )
    assert report.rejected == []
    assert report.quarantined == [(f"383/{kind}_20250930.csv", 1, 2)]
    (row,) = query(
        settings.warehouse,
        "select file_name, source_row, column_name, rule, value from audit.quarantine",
    )
    assert row[:3] == (f"383/{kind}_20250930.csv", 3, column)
    assert rule in row[3] and row[4] == value
    read, loaded, quarantined = query(
        settings.warehouse,
        "select rows_read, rows_loaded, rows_quarantined from audit.files where file_name = ?",
        [f"383/{kind}_20250930.csv"],
    )[0]
    assert (read, loaded, quarantined) == (2, 1, 1)


def test_a_quarantined_snapshot_row_keeps_the_records_last_good_version(settings):
    write_extract(settings.landing, "383", "hr_staff", "2025-06-30", [staff("A1"), staff("A2")])
    write_extract(settings.landing, "383", "hr_staff", "2025-09-30", [staff("A1", 7), staff("A2")])
    ingest(settings)
    # A1's September row is unusable (fte 7): A1 is not taken to have vanished.
    assert versions(settings) == [("A1", 1.0, "2025-06-30", None), ("A2", 1.0, "2025-06-30", None)]


def test_a_snapshot_much_smaller_than_the_last_is_rejected_as_partial(settings):
    write_extract(
        settings.landing, "383", "hr_staff", "2025-06-30", [staff(f"A{i}") for i in range(10)]
    )
    write_extract(
        settings.landing, "383", "hr_staff", "2025-09-30", [staff(f"A{i}") for i in range(4)]
    )
    report = ingest(settings)
    ((name, reason),) = report.rejected
    assert name == "383/hr_staff_20250930.csv"
    assert "4 rows where 383/hr_staff_20250630.csv had 10: a likely partial export" in reason
    (settings.home / "workforce.yaml").write_text("max_snapshot_drop_share: 0.7\n")
    write_extract(
        settings.landing, "383", "hr_staff", "2025-09-30", [staff(f"A{i}") for i in range(5)]
    )
    assert ingest(settings, "again").loaded == ["383/hr_staff_20250930.csv"]


def test_a_vendor_export_loads_through_the_authoritys_column_mapping(settings):
    (settings.home / "mappings").mkdir(parents=True)
    (settings.home / "mappings" / "383.yaml").write_text(
        "hr_staff:\n"
        "  columns: {Assignment No: assignment_id, Person Ref: employee_id, SW Registered: registered_social_worker,\n"
        "            Role: org_role, Service: service_area, Team Name: team, FTE: fte,\n"
        "            Contract: contract_type, Start: start_date, Sex: gender, Reason For Leaving: leaving_reason,\n"
        "            Leave Date: end_date}\n"
        "  values:\n"
        "    gender: {Male: '1', Female: '2'}\n"
        "    contract_type: {Permanent: permanent}\n"
        "    leaving_reason: {Resignation: '1'}\n"
    )
    path = settings.landing / "383" / "hr_staff_20250930.csv"
    path.parent.mkdir(parents=True)
    path.write_text(
        "Assignment No,Person Ref,SW Registered,Role,Service,Team Name,FTE,Contract,Start,Sex,Reason For Leaving,Leave Date\n"
        "A1,E1,Y,5,Assessment,T,1,Permanent,01/04/2020,Female,Resignation,31/08/2025\n"
    )
    report = ingest(settings)
    assert report.loaded == ["383/hr_staff_20250930.csv"] and report.quarantined == []
    row = query(
        settings.warehouse,
        "select gender, contract_type, leaving_reason, end_date::varchar from raw.hr_staff",
    )
    assert row == [(2, "permanent", 1, "2025-08-31")]


@pytest.mark.parametrize("suffix", ["xlsx", "parquet"])
def test_xlsx_and_parquet_extracts_load_like_csv(settings, suffix):
    import pandas as pd

    frame = pd.DataFrame([staff("A1"), staff("A2", 0.5)])
    path = settings.landing / "383" / f"hr_staff_20250930.{suffix}"
    path.parent.mkdir(parents=True)
    if suffix == "xlsx":
        frame["start_date"] = pd.Timestamp("2020-04-01")  # a real spreadsheet date cell
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    assert ingest(settings).loaded == [f"383/hr_staff_20250930.{suffix}"]
    assert query(
        settings.warehouse, "select fte::double, start_date::varchar from raw.hr_staff order by 1"
    ) == [
        (0.5, "2020-04-01"),
        (1.0, "2020-04-01"),
    ]


def test_rows_sharing_a_key_are_all_quarantined_since_neither_can_be_trusted(settings):
    path = settings.landing / "383" / "hr_staff_20250930.csv"
    path.parent.mkdir(parents=True)
    duplicate = "A1,E9,1,5,Assessment,T,0.5,permanent,2020-01-01,"
    other = "A3,E3,1,5,Assessment,T,1,permanent,2020-01-01,"
    path.write_text(f"{HEADER}\n{GOOD}\n{duplicate}\n{other}\n")
    report = ingest(settings)
    assert report.quarantined == [("383/hr_staff_20250930.csv", 2, 3)]
    rows = query(
        settings.warehouse,
        "select source_row, column_name, rule, value from audit.quarantine order by 1",
    )
    assert rows == [
        (2, "assignment_id", "duplicate key within the file", "A1"),
        (3, "assignment_id", "duplicate key within the file", "A1"),
    ]
    assert [key for key, *_ in versions(settings)] == ["A3"]


def test_two_versions_side_by_side_in_landing_do_not_replace_each_other_on_every_run(settings):
    first = write_extract(settings.landing, "383", "hr_staff", "2025-09-30", [staff("A1")])
    second = first.with_name("hr_staff_20250930_resent.csv")
    second.write_text(first.read_text().replace(",1.0,", ",0.5,"))
    report = ingest(settings)
    assert report.loaded == [first.relative_to(settings.landing).as_posix()]
    assert report.corrected == [second.relative_to(settings.landing).as_posix()]
    again = ingest(settings, "again")
    assert again.loaded == again.corrected == [] and len(again.skipped) == 2
    assert versions(settings) == [("A1", 0.5, "2025-09-30", None)]
