"""Checks of DfE's reference files as loaded (raw.dfe_indicators, raw.dfe_statistical_neighbours):
what the benchmarks rely on, read from the stored rows rather than from the file at the door.

- columns: the raw table has every column the contract names, and in the newest file each
  required column holds a value somewhere (an all-empty column is one DfE renamed or dropped);
- one row per key: per loaded file, one row per area and census year (indicators: each
  indicator a column, so one value per authority, year and indicator), one per authority
  (neighbours);
- codes known: every authority code of the newest file (DfE's combined areas such as
  `314 / 318` part by part) is an authority of seeds/dfe_authorities.csv.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.contract import REFERENCE_KINDS, ReferenceKind
from orchestration.settings import SEEDS_DIR
from orchestration.warehouse import reference_columns, table_columns

AUTHORITIES_SEED = SEEDS_DIR / "dfe_authorities.csv"


@dataclass(frozen=True)
class Shape:
    rows: str  # the rows the key (the contract's) and the codes apply to: not DfE's notes
    codes: tuple[str, ...]  # columns holding authority codes
    code_rows: str  # the rows where those columns hold one
    regions: tuple[str, ...] = ()  # columns holding a DfE region name


SHAPES = {
    "dfe_indicators": Shape(
        rows="true",
        codes=("old_la_code",),
        code_rows="geographic_level = 'Local authority'",
    ),
    "dfe_statistical_neighbours": Shape(
        rows="la_code is not null",
        codes=REFERENCE_KINDS["dfe_statistical_neighbours"].codes,
        code_rows="la_code is not null",
    ),
    # the agency rules' price caps: a region the authority list does not name caps nobody
    "agency_price_caps": Shape(rows="true", codes=(), code_rows="true", regions=("region",)),
}


@dataclass(frozen=True)
class FileFindings:
    errors: list[str]  # the benchmarks would be wrong: blocks publication
    unknown_codes: list[str]  # authorities the seed does not name: a warning


def description(kind: ReferenceKind) -> str:
    key = ", ".join(kind.key)
    return (
        f"The loaded DfE {kind.name} files: raw.{kind.name} has every column of the contract and "
        f"the newest file a value in each required one ({', '.join(kind.required)}); one row per "
        f"{key} in each file; every authority code (price caps: region) of the newest file is "
        "in seeds/dfe_authorities.csv (an unknown one is a warning, not a block)."
    )


def check_dfe_file(conn: duckdb.DuckDBPyConnection, kind: ReferenceKind) -> FileFindings:
    table = f"raw.{kind.name}"
    errors: list[str] = []
    have = set(table_columns(conn, "raw", kind.name))
    missing = [name for name, _ in reference_columns(kind) if name not in have]
    if missing:
        return FileFindings([f"{table} lacks the column(s) {', '.join(missing)}"], [])

    newest = f"extract_date = (select max(extract_date) from {table})"
    required = [c.name for c in kind.columns if c.required]
    empty = conn.execute(
        f"select {', '.join(f'count({c}) = 0' for c in required)}, count(*) "
        f"from {table} where {newest}"
    ).fetchone()
    if empty[-1]:  # a file is loaded
        errors += [
            f"{table}: column {column} is empty in every row of the newest file"
            for column, is_empty in zip(required, empty[:-1], strict=True)
            if is_empty
        ]

    shape = SHAPES[kind.name]
    key = ", ".join(kind.key)
    duplicated = conn.execute(
        f"select extract_date, {key}, count(*) from {table} where {shape.rows} "
        "group by all having count(*) > 1 order by all limit 5"
    ).fetchall()
    for row in duplicated:
        values = ", ".join("" if v is None else str(v) for v in row[1:-1])
        errors.append(f"{table}: {row[-1]} rows for {key} = {values} (file of {row[0]})")

    unknown: list[str] = []
    if shape.codes:
        unknown += authority_codes_unknown(conn, table, newest, shape)
    for column in shape.regions:
        unknown += [
            f"region {region!r}"
            for (region,) in conn.execute(
                f"select distinct {column} from {table} where {newest} and {column} not in "
                "(select region_name from read_csv(?, all_varchar = true)) order by 1",
                [str(AUTHORITIES_SEED)],
            ).fetchall()
        ]
    return FileFindings(errors, unknown)


def authority_codes_unknown(
    conn: duckdb.DuckDBPyConnection, table: str, newest: str, shape: Shape
) -> list[str]:
    """The authority codes of the newest file (combined areas part by part) the seed lacks."""
    codes = " union ".join(
        f"select {c} as code from {table} where {newest} and {shape.code_rows} and {c} is not null"
        for c in shape.codes
    )
    return [
        code
        for (code,) in conn.execute(
            f"""
            with parts as (
                select distinct trim(unnest(string_split(code, '/'))) as code from ({codes})
            )
            select code from parts
            where code not in (
                select la_code from read_csv(?, all_varchar = true)
            )
            order by code
            """,
            [str(AUTHORITIES_SEED)],
        ).fetchall()
    ]
