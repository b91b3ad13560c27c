"""qual_inst is an optional contract column: a file without it loads (the item is then null,
and the census return reports it missing), a file with it keeps it in the raw layer."""

from __future__ import annotations

import csv
from pathlib import Path

from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.builders import agency_assignments, hr_staff, write_extract
from tests.conftest import query


def without_column(path: Path, column: str) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    fields = [f for f in rows[0] if f != column]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def test_extracts_load_with_and_without_qual_inst(home: Path, monkeypatch):
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    settings = Settings.from_env()
    old = write_extract(settings.landing, "383", "hr_staff", "2025-10-31", [hr_staff()])
    without_column(old, "qual_inst")
    write_extract(
        settings.landing,
        "383",
        "agency_assignments",
        "2025-10-31",
        [agency_assignments(qual_inst="University of Kent")],
    )
    report = Ingestor(settings, "qual-inst", log=lambda _: None).run(
        ["hr_staff", "agency_assignments"]
    )
    assert report.rejected == [] and report.quarantined == [] and len(report.loaded) == 2
    assert query(settings.warehouse, "select qual_inst from raw.hr_staff") == [(None,)]
    assert query(settings.warehouse, "select qual_inst from raw.agency_assignments") == [
        ("University of Kent",)
    ]


def test_a_warehouse_from_before_the_column_gains_it(tmp_path: Path):
    import duckdb

    from orchestration.warehouse import create_schemas

    with duckdb.connect(str(tmp_path / "old.duckdb")) as conn:
        create_schemas(conn)
        conn.execute("alter table raw.hr_staff drop column qual_inst")
        conn.execute(
            "insert into raw.hr_staff (la_code, record_key, row_hash, valid_from, "
            "file_id, source_row) values ('383', 'A1', 'h', '2025-10-31', 'f', 2)"
        )
        create_schemas(conn)
        assert conn.execute("select record_key, qual_inst from raw.hr_staff").fetchall() == [
            ("A1", None)
        ]
