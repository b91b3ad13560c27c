"""Real councils' exports load as their systems write them.

`tests/corpus` (see its README) holds one small authority's extracts for census year 2025,
written by hand: tidily (`tidy`, 301) and in ten export styles (Excel, SQL Server, single-digit
dates, Windows-1252, quoted and padded, trailing zeros, whole numbers, currency, SWE numbers as
on the register, pandas), each style as its own authority holding the same records. All of
them land in one home and one `workforce run` publishes them. Each style must then publish
exactly the tidy authority's `kpi_values` and store exactly its raw values; no file may be
rejected and no row quarantined; and the tidy KPIs are worked out by hand here, so the
comparison is not of two equally wrong things.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.contract import KINDS, Personal
from tests.conftest import built_once, query, run_workforce

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
TIDY = "tidy"
# style -> its authority: the one folder under the style's folder
AUTHORITIES = {
    style.name: next(la.name for la in style.iterdir() if la.is_dir())
    for style in sorted(CORPUS.iterdir())
    if style.is_dir()
}
STYLES = [style for style in AUTHORITIES if style != TIDY]
YEAR = ("2024-10-01", "2025-09-30")
# Excel writes 30/37 to 15 significant digits (0.810810810810811), the HR system to ten
# places (0.8108108108): the same FTE to 2e-11. A value misread (an FTE cut to 4 places, a
# penny lost) is out by 1e-6 or more. Every other style must match the tidy values exactly.
RELATIVE_TOLERANCE = {"excel": 1e-9}

# One run over every style; it shares a worker with every test of this module.
pytestmark = pytest.mark.xdist_group("corpus")


@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory, worker_id) -> Path:
    """Every style's authority folder copied byte for byte into one landing folder, and one
    `workforce run`. Its exit code, time and output are kept beside the home (the tests say
    why it did not publish, rather than the fixture failing them all alike)."""

    def build(home: Path) -> None:
        for style, la in AUTHORITIES.items():
            shutil.copytree(CORPUS / style / la, home / "landing" / la)
        started = time.monotonic()
        result = run_workforce(home, "run")
        seconds = time.monotonic() - started
        (home.parent / "run-output.txt").write_text(result.stdout + result.stderr)
        (home.parent / "run.json").write_text(
            json.dumps({"exit_code": result.returncode, "seconds": round(seconds, 1)})
        )

    return built_once(tmp_path_factory, worker_id, "corpus", build)


def warehouse(home: Path) -> Path:
    return home / "warehouse" / "warehouse.duckdb"


def published(home: Path, la: str) -> Path:
    path = home / "published" / "workforce.duckdb"
    run = json.loads((home.parent / "run.json").read_text())
    assert path.exists(), (
        f"nothing published: `workforce run` exited {run['exit_code']}; "
        f"quarantined in {la}: {quarantined(home, la)}"
    )
    return path


def quarantined(home: Path, la: str) -> list[tuple]:
    """What the rules refused in the authority's files: per kind, column and rule, how many
    rows and one value as delivered (personal data is never shown)."""
    return query(
        warehouse(home),
        "select kind, column_name, rule, count(*), min(value) from audit.quarantine "
        "where la_code = ? group by all order by all",
        [la],
    )


# A KPI row's identity, and what is compared: everything but the authority (la_code), DfE's
# benchmarks of it (neighbour_median, rank, rank_of) and the publishing run.
IDENTITY = "kpi_code, breakdown, breakdown_value, period_type, period_start, period_end"
COMPARED = "value, numerator, denominator, unit, target, rag, national_value"


def kpis(db: Path, la: str) -> dict[tuple, tuple]:
    rows = query(db, f"select {IDENTITY}, {COMPARED} from kpi_values where la_code = ?", [la])
    return {row[:6]: row[6:] for row in rows}


def same(a, b, relative: float) -> bool:
    if isinstance(a, float | Decimal) and isinstance(b, float | Decimal):
        return math.isclose(float(a), float(b), rel_tol=relative, abs_tol=0)
    return a == b


@pytest.mark.parametrize("style", STYLES)
def test_each_style_publishes_the_tidy_authoritys_kpis(corpus_home: Path, style: str):
    la, tidy_la = AUTHORITIES[style], AUTHORITIES[TIDY]
    db = published(corpus_home, la)
    expected, got = kpis(db, tidy_la), kpis(db, la)
    assert expected, "the tidy authority published no KPIs"
    relative = RELATIVE_TOLERANCE.get(style, 0.0)
    differences = [
        (key, expected.get(key), got.get(key))
        for key in sorted(set(expected) | set(got), key=str)
        if key not in expected
        or key not in got
        or not all(same(a, b, relative) for a, b in zip(expected[key], got[key], strict=True))
    ]
    assert not differences, (
        f"{style} ({la}) publishes {len(differences)} KPI row(s) unlike the tidy authority "
        f"({tidy_la}); first: {differences[:5]}; quarantined in {la}: {quarantined(corpus_home, la)}"
    )


def stored(kind: str) -> list[str]:
    """The raw columns a style must store as the tidy authority does: all but the
    identifiers pseudonymised per authority (SWE numbers are national: compared)."""
    return [
        c.raw_name
        for c in KINDS[kind].stored_columns
        if not (c.personal is Personal.PSEUDONYMISE and c.national_namespace is None)
    ]


def raw_rows(home: Path, kind: str, la: str) -> list[tuple]:
    columns = ", ".join(["source_row", *stored(kind)])
    return query(
        warehouse(home), f"select {columns} from raw.{kind} where la_code = ? order by 1", [la]
    )


@pytest.mark.parametrize("style", STYLES)
def test_each_style_stores_the_tidy_authoritys_raw_values(corpus_home: Path, style: str):
    """Cell by cell, after typing: every column the pipeline keeps (SWE pseudonyms included,
    so `sw51234` and `SW51234` are one person, and the tidy authority's), every row."""
    relative = RELATIVE_TOLERANCE.get(style, 0.0)
    differences = []
    for kind in KINDS:
        tidy = raw_rows(corpus_home, kind, AUTHORITIES[TIDY])
        got = raw_rows(corpus_home, kind, AUTHORITIES[style])
        assert tidy, f"the tidy authority stored no {kind} rows"
        if len(got) != len(tidy):
            differences.append((kind, f"{len(got)} rows stored, the tidy authority {len(tidy)}"))
            continue
        for expected, row in zip(tidy, got, strict=True):
            for column, a, b in zip(["source_row", *stored(kind)], expected, row, strict=True):
                if not same(a, b, relative):
                    shown = "(personal data)" if column.endswith("_pseudonym") else (a, b)
                    differences.append((kind, f"row {row[0]}", column, shown))
    assert not differences, (
        f"{style} ({AUTHORITIES[style]}) stores {len(differences)} value(s) unlike the tidy "
        f"authority: {differences[:10]}; quarantined: {quarantined(corpus_home, AUTHORITIES[style])}"
    )


def test_the_agency_worker_who_joined_the_staff_is_one_person(corpus_home: Path):
    """A12 is the agency worker G03, spelled `SW51234` in hr_staff and `sw51234` in
    agency_assignments of the register style: one SWE pseudonym, in every style."""
    for style, la in AUTHORITIES.items():
        (staff,) = query(
            warehouse(corpus_home),
            "select swe_pseudonym from raw.hr_staff where la_code = ? and assignment_id = 'A12'",
            [la],
        )
        (agency,) = query(
            warehouse(corpus_home),
            "select swe_pseudonym from raw.agency_assignments "
            "where la_code = ? and assignment_id = 'G03'",
            [la],
        )
        assert staff == agency and staff[0], style


def test_no_corpus_file_is_refused(corpus_home: Path):
    """No hostile-input rule refuses a real export: the run publishes (exit 0), nothing is
    quarantined or rejected, and every corpus file is recorded as loaded."""
    run = json.loads((corpus_home.parent / "run.json").read_text())
    in_quarantine = {la: quarantined(corpus_home, la) for la in AUTHORITIES.values()}
    in_quarantine = {la: rows for la, rows in in_quarantine.items() if rows}
    assert not in_quarantine, f"quarantined, by authority: {in_quarantine}"
    rejected = sorted(p.name for p in (corpus_home / "rejected").glob("*"))
    assert not rejected, rejected
    files = dict(query(warehouse(corpus_home), "select file_name, status from audit.files"))
    delivered = {
        f"{la}/{path.name}": "loaded"
        for style, la in AUTHORITIES.items()
        for path in sorted((CORPUS / style / la).glob("*.csv"))
    }
    assert len(delivered) == len(AUTHORITIES) * len(KINDS)
    assert files == delivered
    assert run["exit_code"] == 0, (corpus_home.parent / "run-output.txt").read_text()[-4000:]


# The tidy authority (301) worked out by hand: census day 30 Sep 2025, year from 1 Oct 2024.
# FTEs are as written (30/37 = 0.8108108108). The contract keeps an FTE to at least six
# places (the census return's), so the published figures agree to 5e-7 (relative): an FTE
# cut to four places (0.8108) is 1.8e-6 out in the FTE in post.
F = Decimal("0.8108108108")
# In post (registered, org_role 1-6, started by and not ended on or before 30 Sep):
#   A01 1 + A02 F + A03 0.5 + A04 1 + A06 1 + A09 1 + A10 0.6 = 5.9108108108, 7 people.
#   Not: A05 (left 30 Jun), A08 (left on 30 Sep), A07 (not registered), A11 (left Aug 2024),
#   A12 (starts 13 Oct 2025).
INPOST = 1 + F + Decimal("0.5") + 1 + 1 + 1 + Decimal("0.6")
# Leavers in the year: A05 1 + A08 1 (A11 left in the year before).
LEAVERS = Decimal(2)
# Vacant on 30 Sep, social-work posts effective then (P10 is not one, P12 starts 1 Nov, P13
# closed 31 Mar; budget 9.1): P02 1 - F, P05 1 (A05 left; covered by agency G01), P07 1
# (A08 left), P11 1 (new, filled by A12 only on 13 Oct) = 3.1891891892.
VACANT = (1 - F) + 1 + 1 + 1
# Agency on 30 Sep: G01 1 + G02 0.5 (G03 ended 30 May).
AGENCY = Decimal("1.5")
# Children allocated on 30 Sep, by worker: E01 4, E02 3, E03 2, E04 2, E06 2 (CH012 from the
# leaver E05, CH003 also E01's), E10 1 (CH013 only from 1 Oct), AW01 3, AW02 1 = 18 cases
# over 1 + F + 0.5 + 1 + 1 + 0.6 + 1 + 0.5 FTE.
CASES, HOLDERS = 18, 1 + F + Decimal("0.5") + 1 + 1 + Decimal("0.6") + 1 + Decimal("0.5")
# Sickness days of CFSWs in the year: S01 5 + S02 3 x F + S03 1 + S06 5 (E05, a CFSW then) +
# S08 2 of its 5 (Mon 29, Tue 30 Sep in the year); not S04 (training), S05 (E07 is not a
# CFSW), S07 (unpaid). Over 253 working days per in-post FTE.
DAYS = 5 + Decimal("2.4324324324") + 1 + 5 + 2
# Timesheets by financial year: 2024-25 T001-T003 2035 + 2035 + 1650; 2025-26 T004 2035,
# G01 1942.50 + 1942.50 + 1968.75, G02 901.88 + 901.88 and a credit note of -48.75.
SPEND = {
    "2024-04-01": Decimal("5720.00"),
    "2025-04-01": Decimal("2035") + Decimal("5853.75") + Decimal("1803.76") - Decimal("48.75"),
}


def test_the_tidy_authoritys_kpis_match_the_hand_computation(corpus_home: Path):
    la = AUTHORITIES[TIDY]
    db = published(corpus_home, la)
    census = dict(
        query(
            db,
            "select kpi_code, value from kpi_values where la_code = ? and breakdown = 'total' "
            "and period_type = 'census_year' and period_start = ? and period_end = ?",
            [la, *YEAR],
        )
    )
    expected = {
        "inpost_fte": INPOST,
        "inpost_headcount": 7,
        "leavers_fte": LEAVERS,
        "turnover_rate_fte": 100 * LEAVERS / INPOST,  # 33.836...
        "vacancy_fte": VACANT,
        "vacancy_rate_fte": 100 * VACANT / (VACANT + INPOST),  # 3.1891891892 / 9.1: 35.046...
        "agency_fte": AGENCY,
        "agency_rate_fte": 100 * AGENCY / (AGENCY + INPOST),  # 20.240...
        "starters_fte": 1,  # A04, the ASYE
        "cases": CASES,
        "caseload_fte": CASES / HOLDERS,  # 2.807...
        "working_days_lost_fte": DAYS,
        "absence_rate_fte": 100 * DAYS / (INPOST * 253),  # 1.031...
    }
    for code, value in expected.items():
        assert census.get(code) == pytest.approx(float(value), rel=5e-7), code
    spend = dict(
        query(
            db,
            "select period_start::varchar, value from kpi_values where la_code = ? "
            "and kpi_code = 'agency_spend_gbp' and breakdown = 'total' "
            "and period_type = 'financial_year'",
            [la],
        )
    )
    assert spend == {start: pytest.approx(float(value), abs=1e-9) for start, value in SPEND.items()}


def test_fte_reaches_the_census_return_with_six_places(corpus_home: Path, tmp_path):
    """30/37 of a post, as the HR system writes it (0.8108108108; Excel's 0.810810810810811 is
    stored as the same value, see the raw values' test), is returned to DfE as 0.810811: read
    as written, rounded only where it is returned."""
    from lxml import etree

    home = tmp_path / "home"
    shutil.copytree(corpus_home, home)  # the census command writes into its home
    out = tmp_path / "return.xml"
    result = run_workforce(
        home, "census", "--la", AUTHORITIES[TIDY], "--year", "2025", "--out", str(out)
    )
    # written whether ready or not (the name says which): the 2022 encoding's SWE pattern is
    # older than the register's numbers
    (written,) = tmp_path.glob("return*.xml")
    ftes = [e.text for e in etree.parse(str(written)).iter("FTE")]
    assert "0.810811" in ftes, (ftes, result.stdout)
    assert all(f == "0" or len(f.split(".")[1]) == 6 for f in ftes), ftes  # 0: a leaver
