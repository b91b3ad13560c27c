"""DfE benchmarks: the DfE indicators and statistical neighbour files delivered into landing/,
each authority's statistical-neighbour median and national rank (kpi_benchmarks), and the same
figures on an authority's headline rows of kpi_values.

Expected figures are worked out by hand from reference/ (see the comments), never
recomputed here with the model's logic.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.run import Ingestor
from orchestration.settings import Settings
from tests.cli.test_pipeline_matches_the_hand_computation import write_hand_fixture
from tests.conftest import (
    DFE_REFERENCE_FILES,
    drop_dfe_reference_files,
    query,
    run_workforce,
)
from tests.dbt.dbt_cli import run_dbt

BENCHMARKED = ("agency_rate_fte", "caseload_fte", "turnover_rate_fte", "vacancy_rate_fte")


@pytest.fixture(scope="module")
def delivered_home(tmp_path_factory) -> Path:
    """Two authorities' extracts (383 Leeds, 202 Camden; census year 2025) and both DfE files
    dropped at the landing root, one run."""
    home = tmp_path_factory.mktemp("dfe") / "workforce-data"
    write_hand_fixture(home / "landing")
    drop_dfe_reference_files(home / "landing")
    result = run_workforce(home)
    assert result.returncode == 0, result.stdout + result.stderr
    return home


def published(home: Path) -> Path:
    return home / "published/workforce.duckdb"


# --- (a) Leeds, census year 2024, worked out by hand ---------------------------------------------
#
# New_Statistical_Neighbour_Groupings_April_2021.csv, row "383,Leeds": SN1..SN10 =
#   373 Sheffield, 841 Darlington, 381 Calderdale, 351 Bury, 808 Stockton-on-Tees, 350 Bolton,
#   831 Derby, 392 North Tyneside, 382 Kirklees, 344 Wirral.
# csww_indicators_2017_to_2025.csv, time_period 2024, their published values:
#
#   neighbour            turnover  agency  vacancy  caseload
#   373 Sheffield            10.7     2.8      3.5      15.3
#   841 Darlington           11.5    11.8      1.1      13.3
#   381 Calderdale            9.6     7.5      4.8      12.9
#   351 Bury                 26.2    31.5     31.5      15.0
#   808 Stockton-on-Tees     13.9    12.4      9.8      17.9
#   350 Bolton               15.2    24.0     21.4      20.2
#   831 Derby                 4.6     0.4      1.8      13.9
#   392 North Tyneside       12.8    12.4      4.0      19.0
#   382 Kirklees             13.6     0.0      8.9      19.2
#   344 Wirral               11.8    18.9     17.3      15.2
#   (Leeds itself)            9.0     5.2      7.2      14.5
#   (England)                13.9    16.2     17.3      15.4
#
# Ten values each, so the median is the mean of the 5th and 6th in order:
#   turnover 4.6 9.6 10.7 11.5 [11.8 12.8] 13.6 13.9 15.2 26.2   -> (11.8 + 12.8) / 2 = 12.3
#   agency   0.0 0.4 2.8 7.5 [11.8 12.4] 12.4 18.9 24.0 31.5     -> (11.8 + 12.4) / 2 = 12.1
#   vacancy  1.1 1.8 3.5 4.0 [4.8 8.9] 9.8 17.3 21.4 31.5        -> (4.8 + 8.9) / 2  = 6.85
#   caseload 12.9 13.3 13.9 15.0 [15.2 15.3] 17.9 19.0 19.2 20.2 -> (15.2 + 15.3) / 2 = 15.25
#
# Rank = (number of local authorities with a strictly lower 2024 value) + 1, out of the
# authorities with a number that year (151 local-authority rows in 2024, minus symbols):
#   turnover  9.0: 11 lower (4.6 5.2 6.1 6.7 8.0 8.1 8.1 8.1 8.2 8.2 8.9) -> 12; of 151 - 2
#             (Sunderland `u`, Isles of Scilly `z`) = 149
#   agency    5.2: 16 lower (0.0 x4, 0.4 0.9 1.1 1.3 2.0 2.8 2.9 3.0 3.6 3.7 3.8 4.2) -> 17,
#             shared with the other authority at 5.2; of 151 - 4 (Sunderland `low`,
#             Birmingham `u`, Kensington and Chelsea `x`, Westminster `x`) = 147
#   vacancy   7.2: 24 lower (0.0 0.4 0.7 1.1 1.3 1.8 2.0 2.4 2.5 2.7 3.5 3.5 3.7 4.0 4.2 4.8
#             4.9 4.9 5.1 5.2 5.9 6.2 6.9 6.9) -> 25; of 151 (no symbols)
#   caseload 14.5: 52 lower (9.6 ... 14.4; 4 authorities at 14.5 share the rank) -> 53; of
#             151 - 1 (Birmingham `u`) = 150
LEEDS_2024 = {
    # kpi: (value, national_value, neighbour_median, rank, rank_of)
    "turnover_rate_fte": (9.0, 13.9, 12.3, 12, 149),
    "agency_rate_fte": (5.2, 16.2, 12.1, 17, 147),
    "vacancy_rate_fte": (7.2, 17.3, 6.85, 25, 151),
    "caseload_fte": (14.5, 15.4, 15.25, 53, 150),
}


def test_leeds_2024_neighbour_median_and_rank_match_the_hand_working(delivered_home: Path):
    rows = query(
        published(delivered_home),
        "select kpi_code, la_name, period_start::varchar, period_end::varchar, value,"
        " value_symbol, value_status, national_value, neighbour_median, neighbours_with_value,"
        " rank, rank_of from kpi_benchmarks where la_code = '383' and census_year = 2024",
    )
    assert sorted(r[0] for r in rows) == sorted(LEEDS_2024)
    for kpi, name, start, end, value, symbol, status, national, median, n, rank, of in rows:
        assert (name, start, end, symbol, status, n) == (
            "Leeds",
            "2023-10-01",
            "2024-09-30",
            None,
            "published",
            10,
        ), kpi
        expected = LEEDS_2024[kpi]
        assert (value, national) == pytest.approx(expected[:2]), kpi
        assert median == pytest.approx(expected[2]), kpi
        assert (rank, of) == expected[3:], kpi


def test_kpi_benchmarks_has_one_row_per_authority_kpi_and_year_of_the_dfe_file(
    delivered_home: Path,
):
    # 1,355 local-authority rows in the DfE file (2017-2025) x 4 KPIs
    assert query(
        published(delivered_home),
        "select count(*), count(distinct la_code), min(census_year), max(census_year),"
        " list(distinct kpi_code order by kpi_code) from kpi_benchmarks",
    ) == [(1355 * 4, 156, 2017, 2025, list(BENCHMARKED))]


def test_a_suppressed_value_is_null_keeps_its_symbol_and_is_not_ranked(delivered_home: Path):
    # Reference file, 2024: Sunderland agency_rate_fte `low`, Westminster `x`.
    rows = query(
        published(delivered_home),
        "select la_code, value, value_symbol, value_status, rank, rank_of from kpi_benchmarks"
        " where census_year = 2024 and kpi_code = 'agency_rate_fte' and la_code in ('394', '213')"
        " order by la_code",
    )
    assert rows == [
        ("213", None, "x", "unavailable", None, None),
        ("394", None, "low", "rounds to zero", None, None),
    ]


# --- (b) suppression symbols, on a small hand-made DfE file ------------------------------------

INDICATORS_HEADER = (
    "time_period,time_identifier,geographic_level,country_code,country_name,old_la_code,"
    "new_la_code,la_name,turnover_rate_fte,vacancy_rate_fte,agency_rate_fte,caseload_fte"
)
# Authority 101's neighbours are 102-108 and 110-112 (the last three have no row: not counted).
# turnover_rate_fte in 2024: 101 10.0; 102 `c`, 103 `x`, 104 `low`, 108 `u`; 105 12.0,
# 106 14.0, 107 20.0, 109 12.0 (not a neighbour of 101).
INDICATORS_ROWS = [
    "2024,Reporting year,National,E92000001,England,,,,15.0,16.0,17.0,18.0",
    "2024,Reporting year,Local authority,E92000001,England,101,E0000101,Alpha,10.0,5,5,5",
    "2024,Reporting year,Local authority,E92000001,England,102,E0000102,Beta,c,5,5,5",
    "2024,Reporting year,Local authority,E92000001,England,103,E0000103,Gamma,x,5,5,5",
    "2024,Reporting year,Local authority,E92000001,England,104,E0000104,Delta,low,5,5,5",
    "2024,Reporting year,Local authority,E92000001,England,105,E0000105,Epsilon,12.0,5,5,5",
    "2024,Reporting year,Local authority,E92000001,England,106,E0000106,Zeta,14.0,5,5,5",
    '2024,Reporting year,Local authority,E92000001,England,107,E0000107,"Eta, City of",20.0,5,5,5',
    "2024,Reporting year,Local authority,E92000001,England,108,E0000108,Theta,u,5,5,5",
    "2024,Reporting year,Local authority,E92000001,England,109,E0000109,Iota,12.0,5,5,5",
]
SNP_HEADER = "LA num,LA Name,LA number,GOInd,GOReg," + ",".join(f"SN{n},SNP" for n in range(1, 11))


def neighbours_row(la: str, name: str, neighbours: list[str]) -> str:
    return f"{la},{name},{la},1,Somewhere," + ",".join(f"{n},Close" for n in neighbours) + ","


def write_small_dfe_files(landing: Path, extract_date: str = "20250101") -> None:
    landing.mkdir(parents=True, exist_ok=True)
    (landing / f"dfe_indicators_{extract_date}.csv").write_text(
        "\n".join([INDICATORS_HEADER, *INDICATORS_ROWS]) + "\n", encoding="utf-8"
    )
    # as DfE publishes it: UTF-8 BOM, repeated SNP, a trailing empty column, note rows
    rows = [
        SNP_HEADER + ",",
        neighbours_row(
            "101", "Alpha", ["102", "103", "104", "105", "106", "107", "108", "110", "111", "112"]
        ),  # fmt: skip
        neighbours_row(
            "105", "Epsilon", ["101", "102", "103", "104", "106", "107", "108", "109", "110", "111"]
        ),  # fmt: skip
        "," * 25,
        ",Old SNs:" + "," * 24,
    ]
    (landing / f"dfe_statistical_neighbours_{extract_date}.csv").write_bytes(
        "\ufeff".encode() + ("\r\n".join(rows) + "\r\n").encode()
    )


def build_benchmarks(warehouse: Path) -> None:
    run_dbt(
        "build", "--quiet", "--select", "+kpi_benchmarks", "--indirect-selection", "cautious",
        warehouse=warehouse, work_dir=warehouse.parent,
    )  # fmt: skip


@pytest.fixture(scope="module")
def small_warehouse(tmp_path_factory) -> Path:
    """The small files loaded by ingestion (in process), then corrected, then an older file
    delivered late; dbt builds kpi_benchmarks from what is loaded."""
    home = tmp_path_factory.mktemp("small") / "workforce-data"
    settings = Settings(home)
    landing = settings.landing
    kinds = ["dfe_indicators", "dfe_statistical_neighbours"]

    # An older, different file: the newest extract date must win downstream.
    landing.mkdir(parents=True)
    (landing / "dfe_indicators_20240101.csv").write_text(
        INDICATORS_HEADER + "\n" + INDICATORS_ROWS[1].replace(",10.0,", ",99.0,") + "\n"
    )
    first = Ingestor(settings, "run-1", log=lambda _: None).run(kinds)
    assert first.loaded == ["dfe_indicators_20240101.csv"]

    # The newest file first delivered with a wrong figure, then corrected (same name, same date).
    write_small_dfe_files(landing)
    wrong = landing / "dfe_indicators_20250101.csv"
    right = wrong.read_text()
    wrong.write_text(right.replace("Epsilon,12.0", "Epsilon,13.0"))
    second = Ingestor(settings, "run-2", log=lambda _: None).run(kinds)
    assert sorted(second.loaded) == [
        "dfe_indicators_20250101.csv",
        "dfe_statistical_neighbours_20250101.csv",
    ]
    wrong.write_text(right)
    third = Ingestor(settings, "run-3", log=lambda _: None).run(kinds)
    assert third.corrected == ["dfe_indicators_20250101.csv"]
    assert sorted(third.skipped) == [
        "dfe_indicators_20240101.csv",
        "dfe_statistical_neighbours_20250101.csv",
    ]
    build_benchmarks(settings.warehouse)
    return settings.warehouse


def test_raw_keeps_every_cell_as_text_with_its_file_date_and_row(small_warehouse: Path):
    with duckdb.connect(str(small_warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select old_la_code, turnover_rate_fte, extract_date::varchar, source_row"
            " from raw.dfe_indicators where old_la_code in ('102', '104') order by 1"
        ).fetchall()
        neighbours = conn.execute(
            "select la_code, la_name, sn1, closeness1, sn10, closeness10, source_row"
            " from raw.dfe_statistical_neighbours order by source_row"
        ).fetchall()
        files = conn.execute(
            "select file_name, la_code, status from audit.files order by run_id, file_name"
        ).fetchall()
    assert rows == [("102", "c", "2025-01-01", 4), ("104", "low", "2025-01-01", 6)]
    # BOM and repeated SNP headers read by position; the blank line left out, the note kept
    assert neighbours == [
        ("101", "Alpha", "102", "Close", "112", "Close", 2),
        ("105", "Epsilon", "101", "Close", "111", "Close", 3),
        (None, "Old SNs:", None, None, None, None, 5),
    ]
    assert files == [
        ("dfe_indicators_20240101.csv", None, "loaded"),
        ("dfe_indicators_20250101.csv", None, "superseded"),
        ("dfe_statistical_neighbours_20250101.csv", None, "loaded"),
        ("dfe_indicators_20250101.csv", None, "loaded"),
    ]


def test_symbols_give_a_null_value_keep_the_symbol_and_the_median_is_over_the_rest(
    small_warehouse: Path,
):
    with duckdb.connect(str(small_warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select la_code, value, value_symbol, value_status, national_value,"
            " neighbour_median, neighbours_with_value, rank, rank_of from marts.kpi_benchmarks"
            " where kpi_code = 'turnover_rate_fte' order by la_code"
        ).fetchall()
    assert rows == [
        # 101's neighbours with a number: 105 12.0, 106 14.0, 107 20.0 (the corrected file's
        # 12.0, not 13.0; the newest file's 10.0 for 101, not the older file's 99.0)
        # -> median 14.0 of 3. Ranked lowest first: 101 10.0 -> 1; 105 and 109 12.0 share 2;
        # 106 14.0 -> 4; 107 20.0 -> 5; of 5 with a number.
        ("101", 10.0, None, "published", 15.0, 14.0, 3, 1, 5),
        ("102", None, "c", "suppressed", 15.0, None, 0, None, None),
        ("103", None, "x", "unavailable", 15.0, None, 0, None, None),
        ("104", None, "low", "rounds to zero", 15.0, None, 0, None, None),
        # 105's neighbours with a number: 101 10.0, 106 14.0, 107 20.0, 109 12.0
        # -> (12.0 + 14.0) / 2 = 13.0 of 4
        ("105", 12.0, None, "published", 15.0, 13.0, 4, 2, 5),
        ("106", 14.0, None, "published", 15.0, None, 0, 4, 5),
        ("107", 20.0, None, "published", 15.0, None, 0, 5, 5),
        ("108", None, "u", "low reliability", 15.0, None, 0, None, None),
        ("109", 12.0, None, "published", 15.0, None, 0, 2, 5),
    ]


def test_no_dfe_files_means_an_empty_kpi_benchmarks(tmp_path: Path):
    settings = Settings(tmp_path / "workforce-data")
    Ingestor(settings, "run-1", log=lambda _: None).run([])  # creates the raw tables only
    build_benchmarks(settings.warehouse)
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from marts.kpi_benchmarks").fetchone() == (0,)


# --- (c) delivery through `workforce run` ------------------------------------------------------


# The hand fixture's own 2025 figures (tests/cli/test_pipeline_matches_the_hand_computation.py):
#   383 turnover 100 x 1.8 / 4.4 = 40.9, agency 100 x 1.6 / 6.0 = 26.7 (26.67), vacancy
#   100 x 3.4 / 7.8 = 43.6, caseload 7 / 2.9 = 2.4; 202 turnover 0.0, agency 0.0, vacancy
#   100 x 1 / 2 = 50.0, caseload 4 / 1 = 4.0.
# Ranked among the OTHER authorities' 2025 figures in csww_indicators_2017_to_2025.csv (151
# local-authority rows; symbols left out), 1 = lowest, ties share the better rank, out of the
# others with a number plus the authority itself:
#   383 turnover 40.9: 147 others with a number (Isles of Scilly `z`, Kensington and Chelsea `x`,
#       Westminster `x`), every one lower (highest 34.9) -> 148 of 148 (DfE's own figure for
#       Leeds, 7.0, ranks 10th in kpi_benchmarks: not this)
#   383 agency 26.7: 147 others (Sunderland `low`, K&C `x`, Westminster `x`); 17 at or above it
#       (27.7 28.3 28.5 28.9 29.0 29.0 29.2 29.3 29.4 31.3 31.3 31.5 32.6 34.9 39.8 41.7
#       100.0), so 130 lower -> 131 of 148
#   383 vacancy 43.6: 148 others (K&C, Westminster `x`), one above (100.0) -> 148 of 149
#   383 caseload 2.4: 148 others, none lower (lowest 6.0) -> 1 of 149
#   202 turnover 0.0: one other at 0.0 shares the rank -> 1 of 148
#   202 agency 0.0: five others at 0.0 share it -> 1 of 148
#   202 vacancy 50.0: one above (100.0) -> 148 of 149;  202 caseload 4.0 -> 1 of 149
OWN_RANKS_2025 = {
    ("202", "agency_rate_fte"): (1, 148),
    ("202", "caseload_fte"): (1, 149),
    ("202", "turnover_rate_fte"): (1, 148),
    ("202", "vacancy_rate_fte"): (148, 149),
    ("383", "agency_rate_fte"): (131, 148),
    ("383", "caseload_fte"): (1, 149),
    ("383", "turnover_rate_fte"): (148, 148),
    ("383", "vacancy_rate_fte"): (148, 149),
}


def test_kpi_values_ranks_the_authoritys_own_figure_among_the_other_authorities(
    delivered_home: Path,
):
    db = published(delivered_home)
    rows = query(
        db,
        "select v.la_code, v.kpi_code, v.neighbour_median, v.rank, v.rank_of,"
        " b.neighbour_median from kpi_values v join kpi_benchmarks b"
        " on v.la_code = b.la_code and v.kpi_code = b.kpi_code and v.period_end = b.period_end"
        " where v.breakdown = 'total' and v.period_type = 'census_year' order by 1, 2",
    )
    # both authorities' census year 2025 (the extracts' year), the four KPIs each
    assert [(la, kpi) for la, kpi, *_ in rows] == [
        (la, kpi) for la in ("202", "383") for kpi in BENCHMARKED
    ]
    for la, kpi, median, rank, of, b_median in rows:
        assert median == b_median and median is not None, (la, kpi)
        assert (rank, of) == OWN_RANKS_2025[la, kpi], (la, kpi)
    # Leeds 2025 from the reference file, by hand: turnover 7 (row "2025,...,383,..."), ranked
    # 10th of 148 among DfE's figures: the rank of DfE's figure stays in kpi_benchmarks
    assert query(
        db,
        "select b.value, b.rank, b.rank_of from kpi_benchmarks b where la_code = '383'"
        " and census_year = 2025 and kpi_code = 'turnover_rate_fte'",
    ) == [(7.0, 10, 148)]
    # nowhere else: not for ALL, other KPIs, breakdowns or other periods
    assert query(
        db,
        "select count(*) from kpi_values where (neighbour_median is not null or rank is not null"
        " or rank_of is not null) and not (la_code <> 'ALL' and breakdown = 'total'"
        " and period_type = 'census_year' and kpi_code in"
        " ('turnover_rate_fte', 'vacancy_rate_fte', 'agency_rate_fte', 'caseload_fte'))",
    ) == [(0,)]
    assert query(
        db, "select count(*) from kpi_values where la_code = 'ALL' and neighbour_median is null"
    ) == query(db, "select count(*) from kpi_values where la_code = 'ALL'")


def test_the_dfe_files_are_recorded_archived_and_published_as_sources(delivered_home: Path):
    files = query(
        delivered_home / "warehouse/warehouse.duckdb",
        "select file_name, la_code, kind, extract_date::varchar, status, archived_path, file_id"
        " from audit.files where kind like 'dfe%' order by kind",
    )
    assert [row[:5] for row in files] == [
        ("dfe_indicators_20251201.csv", None, "dfe_indicators", "2025-12-01", "loaded"),
        (
            "dfe_statistical_neighbours_20251201.csv",
            None,
            "dfe_statistical_neighbours",
            "2025-12-01",
            "loaded",
        ),
    ]
    for (*_, archived, sha), source in zip(files, DFE_REFERENCE_FILES.values(), strict=True):
        assert (delivered_home / "archive" / archived).read_bytes() == source.read_bytes()
        assert archived.startswith("dfe/") and sha in archived
    (sources,) = query(published(delivered_home), "select source_files from publications")[-1]
    assert {f["file_name"] for f in sources} >= {
        "dfe_indicators_20251201.csv",
        "dfe_statistical_neighbours_20251201.csv",
    }


def test_redelivery_loads_nothing_and_a_file_missing_a_column_is_rejected(
    delivered_home: Path, tmp_path: Path
):
    home = tmp_path / "again"
    shutil.copytree(delivered_home, home)
    before = published(home).read_bytes()
    # the same two DfE files again (new copies, same bytes), and a newer groupings file without
    # its SN7 column
    drop_dfe_reference_files(home / "landing")
    source = DFE_REFERENCE_FILES["dfe_statistical_neighbours"].read_text(encoding="utf-8-sig")
    broken = "\n".join(line.replace("SN7,", "SNX,", 1) for line in source.splitlines())
    (home / "landing/dfe_statistical_neighbours_20251215.csv").write_text(broken)

    result = run_workforce(home)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "0 file(s) loaded, 14 already loaded, 1 rejected" in result.stderr
    message = " ".join(result.stderr.split())
    assert "dfe_statistical_neighbours_20251215.csv: missing required column(s) SN7" in message
    # the rest still publishes: nothing changed, so the very same file
    assert published(home).read_bytes() == before
    reason = query(
        home / "warehouse/warehouse.duckdb",
        "select reason from audit.files where status = 'rejected'",
    )
    assert len(reason) == 1 and "SN7" in reason[0][0]
