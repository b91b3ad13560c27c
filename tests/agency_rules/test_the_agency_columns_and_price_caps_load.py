"""The agency rules' inputs at the door (no pipeline run): the new agency_assignments columns
are optional, typed and checked like the others; a warehouse from before them gains them
without opening a version for an unchanged record; the price caps file loads like DfE's files
and a bad one is rejected naming row and column."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import KINDS, Kind
from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from orchestration.warehouse import create_schemas, row_hash_sql
from tests.builders import agency_assignments, write_extract
from tests.conftest import query

NEW_COLUMNS = (
    "role_category", "hourly_pay_rate_gbp", "hourly_oncosts_gbp", "project_team", "pqe_la_years",
    "cap_exceeded_approved_by", "practice_reference_received",
)  # fmt: skip


@pytest.fixture
def settings(home: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def ingest(settings: Settings, *kinds: str):
    return Ingestor(settings, "agency-rules", log=lambda _: None).run(list(kinds))


def without_columns(path: Path, columns: tuple[str, ...]) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    fields = [f for f in rows[0] if f not in columns]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def test_the_columns_are_optional_typed_and_checked(settings):
    old = write_extract(
        settings.landing, "383", "agency_assignments", "2025-09-30", [agency_assignments()]
    )
    without_columns(old, NEW_COLUMNS)
    report = ingest(settings, "agency_assignments")
    assert report.rejected == [] and report.quarantined == []
    assert query(settings.warehouse, f"select {', '.join(NEW_COLUMNS)} from raw.agency_assignments") == [
        (None,) * len(NEW_COLUMNS)
    ]  # fmt: skip

    write_extract(
        settings.landing,
        "383",
        "agency_assignments",
        "2025-10-31",
        [
            agency_assignments(
                role_category="ssw",  # codes compare case-insensitively, stored as listed
                hourly_pay_rate_gbp=38.5,
                hourly_oncosts_gbp=4.25,
                project_team=True,
                pqe_la_years="3.0",
                cap_exceeded_approved_by="Director of Children's Services",
                practice_reference_received=False,
            ),
            agency_assignments(assignment_id="G2", agency_worker_id="W2", role_category="XX"),
            agency_assignments(assignment_id="G3", agency_worker_id="W3", hourly_pay_rate_gbp=-1),
            agency_assignments(assignment_id="G4", agency_worker_id="W4", pqe_la_years="-0.5"),
            agency_assignments(assignment_id="G5", agency_worker_id="W5", project_team="maybe"),
        ],
    )
    report = ingest(settings, "agency_assignments")
    assert report.quarantined == [("383/agency_assignments_20251031.csv", 4, 5)]
    (row,) = query(
        settings.warehouse,
        f"select {', '.join(NEW_COLUMNS)} from raw.agency_assignments "
        "where record_key = 'G1' and valid_to is null",
    )
    assert row == ("SSW", 38.5, 4.25, True, 3, "Director of Children's Services", False)
    rules = dict(
        query(
            settings.warehouse,
            "select column_name, rule from audit.quarantine where file_name like '%20251031%'",
        )
    )
    assert set(rules) == {"role_category", "hourly_pay_rate_gbp", "pqe_la_years", "project_team"}
    assert "SW, SSW, AP, TM, IRO" in rules["role_category"]
    assert "must not be negative" in rules["hourly_pay_rate_gbp"]


def test_a_warehouse_from_before_the_columns_gains_them_and_keeps_its_versions(settings):
    path = write_extract(
        settings.landing, "383", "agency_assignments", "2025-09-30", [agency_assignments()]
    )
    without_columns(path, NEW_COLUMNS)
    ingest(settings, "agency_assignments")
    # as a warehouse built before the columns existed holds the table and its row hashes
    before = Kind(
        "agency_assignments",
        snapshot=True,
        key=("assignment_id",),
        columns=tuple(c for c in KINDS["agency_assignments"].columns if c.name not in NEW_COLUMNS),
    )
    with duckdb.connect(str(settings.warehouse)) as conn:
        for column in NEW_COLUMNS:
            conn.execute(f"alter table raw.agency_assignments drop column {column}")
        conn.execute(f"update raw.agency_assignments set row_hash = {row_hash_sql(before)}")
        create_schemas(conn)  # what the next run does first
        assert conn.execute(
            f"select {', '.join(NEW_COLUMNS)} from raw.agency_assignments"
        ).fetchall() == [(None,) * len(NEW_COLUMNS)]
    # the same record, delivered again in a later snapshot without the columns: no new version
    later = write_extract(
        settings.landing, "383", "agency_assignments", "2025-10-31", [agency_assignments()]
    )
    without_columns(later, NEW_COLUMNS)
    assert ingest(settings, "agency_assignments").rejected == []
    assert query(settings.warehouse, "select valid_from, valid_to from raw.agency_assignments") == [
        (date(2025, 9, 30), None)
    ]


CAPS_HEADER = "region,role_category,cap_gbp_per_hour,applies_from,applies_to\n"


def test_the_price_caps_load_like_dfe_files_and_a_bad_one_is_rejected(settings):
    settings.landing.mkdir(parents=True)
    (settings.landing / "agency_price_caps_20250401.csv").write_text(
        CAPS_HEADER
        + "Yorkshire and The Humber,SW,40.00,2025-04-01,\n"
        + "Yorkshire and The Humber,iro,62.5,2025-04-01,2026-03-31\n",
        encoding="utf-8",
    )
    report = ingest(settings, "agency_price_caps")
    assert report.rejected == [] and len(report.loaded) == 1
    assert query(
        settings.warehouse,
        "select region, role_category, cap_gbp_per_hour, applies_from, applies_to "
        "from raw.agency_price_caps order by source_row",
    ) == [
        ("Yorkshire and The Humber", "SW", "40.00", "2025-04-01", None),
        ("Yorkshire and The Humber", "iro", "62.5", "2025-04-01", "2026-03-31"),
    ]
    for name, body, says in (
        ("20250501", "Yorkshire and The Humber,XX,40,2025-04-01,\n", "column role_category"),
        ("20250502", "Yorkshire and The Humber,SW,forty,2025-04-01,\n", "column cap_gbp_per_hour"),
        ("20250503", "Yorkshire and The Humber,SW,40,01/04/2025,\n", "column applies_from"),
        ("20250504", "Yorkshire and The Humber,SW,40,2025-04-01,\n" * 2, "duplicate key"),
    ):
        (settings.landing / f"agency_price_caps_{name}.csv").write_text(
            CAPS_HEADER + body, encoding="utf-8"
        )
        report = ingest(settings, "agency_price_caps")
        ((file, reason),) = report.rejected
        assert name in file, file
        assert "row 2" in reason or "row 3" in reason, reason
        assert says in reason, reason
