"""Property-based: whatever arrives, ingestion rejects cleanly or accounts for every row.

For random byte strings and random mutations of a valid extract, a file is either rejected
with a reason naming it, or loaded with every data row either in the raw table or in the
quarantine table, counted independently of the reader that loaded it. Parquet files of any
column types (nested, binary, decimal, timestamps with a zone) and workbooks with cells of
every type are drawn too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, example, given, settings
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


@contextmanager
def ingested(content: bytes, suffix: str = "csv") -> Iterator[tuple[Settings, object]]:
    """The content landed as an absence extract and ingested, in a home removed afterwards
    (each example is a home of its own, with a pseudonym key in it)."""
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "workforce-data"
        path = home / "landing" / "383" / f"hr_absence_20251031.{suffix}"
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
        settings = Settings(home=home)
        yield settings, Ingestor(settings, "property", log=lambda _: None).run(["hr_absence"])


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
    with ingested(content) as (settings, report):
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
@example(b"\n" + VALID.encode())  # a blank first line: pyarrow took row 2 for the header
def test_mutated_extracts_are_rejected_cleanly_or_fully_accounted_for(content):
    assert_clean_outcome(content)


# --- Parquet schemas and XLSX cells of every type ---------------------------------------------

COLUMNS = [
    "absence_id",
    "employee_id",
    "absence_type",
    "start_date",
    "end_date",
    "working_days_lost",
]
PARQUET_TYPES = {
    "string": (pa.string(), st.text(max_size=12)),
    "int64": (pa.int64(), st.integers(-(2**40), 2**40)),
    "float64": (pa.float64(), st.floats(allow_nan=True, allow_infinity=True)),
    "decimal": (pa.decimal128(12, 4), st.decimals(-(10**6), 10**6, places=4, allow_nan=False)),
    "bool": (pa.bool_(), st.booleans()),
    "date": (pa.date32(), st.dates()),
    "timestamp with zone": (
        pa.timestamp("us", tz="Europe/London"),
        st.datetimes(timezones=st.just(dt.UTC)),
    ),
    "binary": (pa.binary(), st.binary(max_size=8)),
    "list": (pa.list_(pa.string()), st.lists(st.text(max_size=4), max_size=3)),
    "struct": (pa.struct([("a", pa.string())]), st.fixed_dictionaries({"a": st.text(max_size=4)})),
}


@st.composite
def parquet_files(draw) -> bytes:
    rows = draw(st.integers(0, 4))
    columns = {}
    for name in COLUMNS:
        if draw(st.booleans()) and name != "absence_id":
            continue  # sometimes a column is missing altogether
        arrow_type, values = PARQUET_TYPES[draw(st.sampled_from(sorted(PARQUET_TYPES)))]
        cells = draw(st.lists(st.none() | values, min_size=rows, max_size=rows))
        columns[name] = pa.array(cells, arrow_type)
    out = io.BytesIO()
    pq.write_table(pa.table(columns), out)
    return out.getvalue()


XLSX_CELLS = (
    st.none()
    | st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12)  # what a sheet holds
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.dates(min_value=dt.date(1900, 3, 1))
    | st.datetimes(min_value=dt.datetime(1900, 3, 1))
    | st.times()
    | st.sampled_from(["=1+2", "#N/A", "SIC", "2025-01-01", "31/12/2025", "1.5", "-1"])
)


@st.composite
def xlsx_files(draw) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=7))
    sheet.append(header)
    for _ in range(draw(st.integers(0, 4))):
        sheet.append([draw(XLSX_CELLS) for _ in header])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def assert_clean_outcome_of(content: bytes, suffix: str) -> None:
    """A clean rejection naming the file, or every data row loaded or quarantined."""
    name = f"383/hr_absence_20251031.{suffix}"
    with ingested(content, suffix) as (settings, report):
        if report.rejected:
            ((rejected, reason),) = report.rejected
            assert rejected == name and reason.startswith(name)
            return
        assert report.loaded == [name]
        read, loaded, quarantined = query(
            settings.warehouse, "select rows_read, rows_loaded, rows_quarantined from audit.files"
        )[0]
        in_raw = query(settings.warehouse, "select count(*) from raw.hr_absence")[0][0]
        in_quarantine = query(
            settings.warehouse, "select count(distinct source_row) from audit.quarantine"
        )[0][0]
    assert in_raw == loaded
    assert in_quarantine == quarantined and loaded + quarantined == read


@PROPERTY
@given(parquet_files())
def test_parquet_of_any_schema_is_rejected_cleanly_or_fully_accounted_for(content):
    assert_clean_outcome_of(content, "parquet")


@PROPERTY
@given(xlsx_files())
def test_xlsx_cells_of_any_type_are_rejected_cleanly_or_fully_accounted_for(content):
    assert_clean_outcome_of(content, "xlsx")
