"""seeds/dfe_authorities.csv names every authority of DfE's indicators file, under the code
the landing folder, the neighbour groupings and kpi_values use."""

from __future__ import annotations

import csv

import yaml

from tests.conftest import DFE_REFERENCE_FILES, PROJECT_ROOT, query

SEED = PROJECT_ROOT / "seeds" / "dfe_authorities.csv"
PROPERTIES = PROJECT_ROOT / "seeds" / "_dfe_authorities.yml"


def authorities() -> dict[str, dict[str, str]]:
    with SEED.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["la_code", "la_name", "region_name"]
    by_code = {row["la_code"]: row for row in rows}
    assert len(by_code) == len(rows), "an LA code is listed twice"
    return by_code


def test_codes_are_three_digit_text_and_name_the_authority():
    listed = authorities()
    assert all(len(code) == 3 and code.isdigit() for code in listed)
    assert listed["383"] == {"la_code": "383", "la_name": "Leeds",
                             "region_name": "Yorkshire and The Humber"}  # fmt: skip
    assert listed["202"]["la_name"] == "Camden"
    assert listed["202"]["region_name"] == "Inner London"
    # DfE reports these pairs as one area (shared children's services): one row each here
    assert listed["314"]["la_name"] == "Kingston upon Thames"
    assert listed["318"]["la_name"] == "Richmond upon Thames"
    assert listed["941"]["la_name"] == "West Northamptonshire"


def test_every_authority_of_the_indicators_file_is_listed_with_its_latest_name():
    with DFE_REFERENCE_FILES["dfe_indicators"].open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["geographic_level"] == "Local authority"]
    latest: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: r["time_period"]):
        codes = [c.strip() for c in row["old_la_code"].split("/")]
        names = [n.strip() for n in row["la_name"].split(" / ")]
        for code, name in zip(codes, names, strict=True):
            latest[code] = {"la_code": code, "la_name": name, "region_name": row["region_name"]}
    assert authorities() == latest
    # a renamed authority carries the name of its latest census year
    assert latest["839"]["la_name"] == "Bournemouth, Christchurch and Poole"


def test_every_code_of_the_neighbour_groupings_is_listed():
    with DFE_REFERENCE_FILES["dfe_statistical_neighbours"].open(
        newline="", encoding="utf-8-sig"
    ) as f:
        rows = [row for row in csv.reader(f) if row and row[0].strip().isdigit()]
    # column 0 is the authority; SN1 ... SN10 are every other column from column 5
    codes = {row[0] for row in rows} | {row[i] for row in rows for i in range(5, 25, 2)}
    assert len({row[0] for row in rows}) >= 150
    assert codes - set(authorities()) == set()


def test_the_seed_is_described_typed_as_text_and_attributed():
    (seed,) = yaml.safe_load(PROPERTIES.read_text())["seeds"]
    assert seed["name"] == "dfe_authorities"
    assert seed["config"]["column_types"]["la_code"] == "varchar"
    assert [c["name"] for c in seed["columns"]] == ["la_code", "la_name", "region_name"]
    assert all(c["description"].strip() for c in seed["columns"])
    assert "Open Government Licence v3.0" in seed["description"]


def test_the_pipeline_loads_the_seed_with_codes_as_text(demo_home):
    rows = query(
        demo_home / "warehouse" / "warehouse.duckdb",
        "select la_code, la_name, typeof(la_code) from reference.dfe_authorities "
        "where la_code in ('383', '202') order by la_code",
    )
    assert rows == [("202", "Camden", "VARCHAR"), ("383", "Leeds", "VARCHAR")]
