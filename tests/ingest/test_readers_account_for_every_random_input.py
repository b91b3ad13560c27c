"""Property-based: whatever bytes arrive, ingestion rejects cleanly or accounts for every row.

For random byte strings and random mutations of a valid extract, a file is either rejected
with a reason naming it, or loaded with every data row either in the raw table or in the
quarantine table, counted independently of the reader that loaded it.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.conftest import query

HEADER = "absence_id,employee_id,absence_type,start_date,end_date,working_days_lost\n"
VALID = HEADER + "".join(
    f"S{i},E{i % 7},{kind},2025-0{1 + i % 9}-0{1 + i % 8},{end},{i % 5}\n"
    for i, (kind, end) in enumerate(
        [("SIC", "2025-09-30"), ("MAT", ""), ("SIC", "31/12/2025"), ("OTH", ""), ("TRN", "")] * 4
    )
)


def ingest_bytes(content: bytes) -> tuple[Settings, object]:
    home = Path(tempfile.mkdtemp()) / "workforce-data"
    path = home / "landing" / "383" / "hr_absence_20251031.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    settings = Settings(home=home)
    report = Ingestor(settings, "property", log=lambda _: None).run(["hr_absence"])
    return settings, report


def data_rows(content: bytes) -> int:
    """Rows as Python's own csv module counts them (blank lines are not rows)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    rows = [r for r in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in r)]
    return max(len(rows) - 1, 0)


def assert_clean_outcome(content: bytes) -> None:
    settings, report = ingest_bytes(content)
    if report.rejected:
        ((name, reason),) = report.rejected
        assert name == "383/hr_absence_20251031.csv" and name in reason
        return
    assert report.loaded == ["383/hr_absence_20251031.csv"]
    read, loaded, quarantined = query(
        settings.warehouse, "select rows_read, rows_loaded, rows_quarantined from audit.files"
    )[0]
    in_raw = query(settings.warehouse, "select count(*) from raw.hr_absence")[0][0]
    in_quarantine = query(
        settings.warehouse, "select count(distinct source_row) from audit.quarantine"
    )[0][0]
    assert in_raw == loaded and in_quarantine == quarantined
    assert in_raw + in_quarantine == read == data_rows(content)


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.binary(max_size=400))
def test_random_bytes_are_rejected_cleanly_or_fully_accounted_for(content):
    assert_clean_outcome(content)


@st.composite
def mutated_extracts(draw) -> bytes:
    data = bytearray(VALID.encode())
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        mutation = draw(
            st.sampled_from(["delete", "insert", "truncate", "duplicate_line", "latin1"])
        )
        if mutation == "delete" and data:
            del data[position : position + draw(st.integers(1, 5))]
        elif mutation == "insert":
            data[position:position] = draw(
                st.sampled_from([b",", b'"', b"\n", b"\xa3", b"x", b"-1", b"\r\n"])
            )
        elif mutation == "truncate":
            del data[position:]
        elif mutation == "duplicate_line":
            lines = bytes(data).split(b"\n")
            line = draw(st.sampled_from(lines))
            data = bytearray(b"\n".join([*lines, line]))
        elif mutation == "latin1":
            data = bytearray(
                bytes(data)
                .decode("utf-8", "replace")
                .replace("SIC", "SÍC")
                .encode("cp1252", "replace")
            )
    return bytes(data)


@PROPERTY
@given(mutated_extracts())
def test_mutated_extracts_are_rejected_cleanly_or_fully_accounted_for(content):
    assert_clean_outcome(content)
