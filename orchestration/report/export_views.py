"""What an export shows of each published table: the table's own columns, each code with its
label beside it, and no `ALL` rows that only repeat the one authority loaded.

Labels come from the published file itself (its authorities, KPI definitions, breakdowns
and CSWW code lists), so they are always the ones the exported figures were published with:

- `la_code` gets `la_name` (`ALL`: "All authorities loaded");
- `kpi_code` gets `kpi_label` (in `kpi_definitions`, its own `label` moves beside the code);
- `breakdown_value` gets `breakdown_label`: the label of a CSWW code where kpi_breakdowns names
  the breakdown's code list (leaving reasons, start origins, org roles, ...), the label
  kpi_breakdown_values gives the value (recruitment routes, service bands, ...), and otherwise
  the value itself (service areas and teams are names already).

The workbook shows a list or struct as text a cell can hold (`Mode.xlsx`): a list of values
joined with `; `, a list of records by its length (`publications.source_files`, one record
per file behind a run, runs to tens of kilobytes: the csv and parquet exports and the
`source_files` table hold the files themselves).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import duckdb

ALL = "ALL"
ALL_LABEL = "All authorities loaded"

VALUE_LABELS = {"total": "Total", "not_recorded": "Not recorded"}  # in any breakdown

# Columns the workbook leaves out, and why (the csv and parquet exports keep them).
WORKBOOK_LEAVES_OUT: dict[tuple[str, str], str | None] = {
    ("kpi_definitions", "national_column"): (
        "national_column (the column of DfE's national figures each KPI is read from) is in "
        "the csv and parquet exports"
    ),
    ("kpi_definitions", "census_numerator"): (
        "census_numerator and census_denominator (a headline rate's inputs as expressions over "
        "fct_workforce_census, for the check of the published file) are in the csv and parquet "
        "exports"
    ),
    ("kpi_definitions", "census_denominator"): None,  # said with census_numerator
}


class Mode(StrEnum):
    parquet = "parquet"  # the published column types as they are
    csv = "csv"  # nested values as JSON text, times in UTC
    xlsx = "xlsx"  # as csv, but lists as short text a cell holds


@dataclass(frozen=True)
class Lookups:
    """The label tables one export reads, made once as temporary tables of its connection."""

    authorities: bool  # temp.export_authorities (la_code, la_name)
    kpis: bool  # temp.export_kpis (kpi_code, kpi_label)
    only_authority: str | None  # the la_code when kpi_values holds one authority (and ALL)

    @classmethod
    def read(cls, conn: duckdb.DuckDBPyConnection) -> Lookups:
        tables = relations(conn)
        authorities = "dfe_authorities" in tables
        if authorities:
            conn.execute(
                "create or replace temp table export_authorities as "
                "select la_code::varchar as la_code, any_value(la_name) as la_name "
                "from main.dfe_authorities group by all union all select ?, ?",
                [ALL, ALL_LABEL],
            )
        kpis = "kpi_definitions" in tables and {"kpi_code", "label"} <= set(
            columns(conn, "kpi_definitions")
        )
        if kpis:
            conn.execute(
                "create or replace temp table export_kpis as select kpi_code, "
                "any_value(label) as kpi_label from main.kpi_definitions group by all"
            )
        labels = breakdown_labels(conn, tables)
        conn.execute(
            "create or replace temp table export_breakdowns "
            "(breakdown varchar, code varchar, label varchar)"
        )
        if labels:  # a publication without the breakdown seeds has none
            conn.executemany("insert into temp.export_breakdowns values (?, ?, ?)", labels)
        only = None
        if "kpi_values" in tables and "la_code" in columns(conn, "kpi_values"):
            loaded = conn.execute(
                "select distinct la_code from main.kpi_values where la_code <> ? order by 1", [ALL]
            ).fetchall()
            only = loaded[0][0] if len(loaded) == 1 else None
        return cls(authorities=authorities, kpis=kpis, only_authority=only)

    def authority_name(self, conn: duckdb.DuckDBPyConnection, la_code: str) -> str:
        if not self.authorities:
            return la_code
        row = conn.execute(
            "select la_name from temp.export_authorities where la_code = ?", [la_code]
        ).fetchone()
        return f"{la_code} {row[0]}" if row else la_code


def breakdown_labels(conn: duckdb.DuckDBPyConnection, tables: set[str]) -> list[tuple[str, ...]]:
    """(breakdown, value, label) for every value the published breakdown seeds label: the codes
    of the CSWW code list kpi_breakdowns names for a breakdown, and kpi_breakdown_values; one
    label a value (the code list's first), so that the join adds no rows."""
    labels: list[tuple[str, ...]] = []
    if "kpi_breakdowns" in tables and "code_list" in columns(conn, "kpi_breakdowns"):
        code_lists = conn.execute(
            "select breakdown, code_list from main.kpi_breakdowns where code_list is not null"
        ).fetchall()
        for breakdown, table in code_lists:
            if table in tables:
                rows = conn.execute(f"select code, label from main.{quote(table)}").fetchall()
                labels += [(breakdown, str(code), label) for code, label in rows]
    if "kpi_breakdown_values" in tables:
        labels += conn.execute(
            "select breakdown, breakdown_value, label from main.kpi_breakdown_values"
        ).fetchall()
    first = {}
    for breakdown, value, label in labels:
        first.setdefault((breakdown, value), label)
    return [(breakdown, value, label) for (breakdown, value), label in first.items()]


@dataclass
class TableView:
    """One published table as an export shows it."""

    table: str
    sql: str  # select of the exported columns, in the published row order
    notes: list[str] = field(default_factory=list)  # how it differs from the published table
    # columns holding one KPI's figures (the scorecard's): formatted as that KPI's values are
    kpi_columns: dict[str, str] = field(default_factory=dict)


def relations(conn: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'main'"
        ).fetchall()
    }


def columns(conn: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """The table's columns and their types, in order."""
    return dict(
        conn.execute(
            "select column_name, data_type from duckdb_columns() where database_name = "
            "current_database() and schema_name = 'main' and table_name = ? order by column_index",
            [table],
        ).fetchall()
    )


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def is_nested(data_type: str) -> bool:
    kind = data_type.upper()
    return kind.endswith("]") or kind.startswith(("STRUCT", "MAP", "UNION"))


def column_expressions(name: str, data_type: str, mode: Mode) -> list[tuple[str, str]]:
    """(expression over `t`, exported name) for one published column."""
    column, kind = f"t.{quote(name)}", data_type.upper()
    if mode is Mode.parquet:
        return [(column, name)]
    if mode is Mode.xlsx and kind.endswith("[]") and not is_nested(kind[:-2]):
        return [(f"array_to_string({column}::varchar[], '; ')", name)]
    if mode is Mode.xlsx and kind.endswith("]"):
        return [(f"len({column})", f"{name}_count")]
    if is_nested(kind):
        return [(f"to_json({column})::varchar", name)]
    if kind == "TIMESTAMP WITH TIME ZONE":
        return [(f"timezone('UTC', {column})", name)]
    if kind in ("UUID", "INTERVAL", "BLOB", "BIT", "TIME", "TIME WITH TIME ZONE"):
        return [(f"{column}::varchar", name)]
    return [(column, name)]


def table_view(
    conn: duckdb.DuckDBPyConnection, table: str, lookups: Lookups, mode: Mode
) -> TableView:
    types = columns(conn, table)
    names = list(types)
    selected: list[tuple[str, str]] = []
    joins: list[str] = []
    notes: list[str] = []
    added: list[str] = []
    moved = "label" if table == "kpi_definitions" and {"kpi_code", "label"} <= set(names) else None
    for name, data_type in types.items():
        if name == moved:
            continue
        if mode is Mode.xlsx and (table, name) in WORKBOOK_LEAVES_OUT:
            if WORKBOOK_LEAVES_OUT[(table, name)]:
                notes.append(WORKBOOK_LEAVES_OUT[(table, name)])
            continue
        expressions = column_expressions(name, data_type, mode)
        selected += expressions
        if mode is Mode.xlsx and expressions[0][1] != name:
            notes.append(
                f"{name} (one record each) is shown by its count, {expressions[0][1]}: "
                f"the csv and parquet exports hold the records"
            )
        if name == "la_code" and "la_name" not in names and lookups.authorities:
            joins.append("left join temp.export_authorities la on la.la_code = t.la_code")
            selected.append(("la.la_name", "la_name"))
            added.append("la_name")
        elif name == "kpi_code" and moved:
            selected.append((f"t.{moved}", moved))
        elif name == "kpi_code" and "kpi_label" not in names and lookups.kpis:
            joins.append("left join temp.export_kpis kpi on kpi.kpi_code = t.kpi_code")
            selected.append(("kpi.kpi_label", "kpi_label"))
            added.append("kpi_label")
        elif name == "breakdown_value" and "breakdown" in names and "breakdown_label" not in names:
            joins.append(
                "left join temp.export_breakdowns bl "
                "on bl.breakdown = t.breakdown and bl.code = t.breakdown_value"
            )
            generic = " ".join(f"when '{v}' then '{label}'" for v, label in VALUE_LABELS.items())
            selected.append(
                (
                    f"coalesce(bl.label, case t.breakdown_value {generic} end, t.breakdown_value)",
                    "breakdown_label",
                )
            )
            added.append("breakdown_label")
    if added:
        notes.insert(0, f"labels beside the codes: {', '.join(added)}")
    where = ""
    if lookups.only_authority and "la_code" in names:
        (repeats,) = conn.execute(
            f"select count(*) from main.{quote(table)} where la_code = ?", [ALL]
        ).fetchone()
        if repeats:
            where = f"where t.la_code is distinct from '{ALL}'"
            name = lookups.authority_name(conn, lookups.only_authority)
            notes.append(
                f"{repeats:,} rows of {ALL} left out: only one authority ({name}) is loaded, "
                f"so {ALL} repeats its figures"
            )
    order = "order by t.rowid" if is_table(conn, table) else ""
    select = ", ".join(f"{expression} as {quote(name)}" for expression, name in selected)
    sql = f"select {select} from main.{quote(table)} t {' '.join(joins)} {where} {order}"
    return TableView(table=table, sql=sql, notes=notes)


def is_table(conn: duckdb.DuckDBPyConnection, name: str) -> bool:
    """A table (not a view): its rows have a `rowid`, the order they were published in."""
    return bool(
        conn.execute(
            "select 1 from duckdb_tables() where database_name = current_database() "
            "and schema_name = 'main' and table_name = ?",
            [name],
        ).fetchone()
    )


@dataclass(frozen=True)
class Kpi:
    code: str
    label: str
    unit: str
    is_rate: bool


def kpi_definitions(conn: duckdb.DuckDBPyConnection) -> dict[str, Kpi]:
    if "kpi_definitions" not in relations(conn):
        return {}
    have = columns(conn, "kpi_definitions")
    if not {"kpi_code", "unit"} <= set(have):
        return {}
    label = "label" if "label" in have else "kpi_code"
    is_rate = "is_rate" if "is_rate" in have else "false"
    rows = conn.execute(
        f"select kpi_code, {label}, unit, {is_rate} from main.kpi_definitions"
    ).fetchall()
    return {code: Kpi(code, text, unit, bool(rate)) for code, text, unit, rate in rows}


def scorecard_view(conn: duckdb.DuckDBPyConnection, lookups: Lookups) -> TableView | None:
    """Authority x census year, one column per headline KPI (its label), from kpi_values'
    headline census-year rows, and beside a KPI with a target (kpi_targets) its target and RAG
    that year; None when the publication has no headline KPIs to show."""
    tables = relations(conn)
    if not {"kpi_values", "kpi_definitions"} <= tables:
        return None
    if not {"is_headline", "label"} <= set(columns(conn, "kpi_definitions")):
        return None
    order = "scorecard_order" if "scorecard_order" in columns(conn, "kpi_definitions") else "null"
    headline = conn.execute(
        f"select kpi_code, label from main.kpi_definitions where is_headline "
        f"order by {order} nulls last, kpi_code"
    ).fetchall()
    if not headline:
        return None
    targeted = set()
    if "kpi_targets" in tables and {"target", "rag"} <= set(columns(conn, "kpi_values")):
        rows = conn.execute("select kpi_code from main.kpi_targets").fetchall()
        targeted = {code for (code,) in rows}
    taken: set[str] = {"la_code", "la_name", "census_year"}
    pivots = []
    kpi_columns = {}
    for code, label in headline:
        header = label if label and label.lower() not in taken else f"{label} ({code})"
        taken.add(header.lower())
        figures = [("value", header)]
        if code in targeted:
            figures += [("target", f"{header}: target"), ("rag", f"{header}: RAG")]
        for column, name in figures:
            pivots.append(
                f"max(t.{column}) filter (where t.kpi_code = {literal(code)}) as {quote(name)}"
            )
        kpi_columns.update({name: code for column, name in figures if column != "rag"})
    name = ", la.la_name" if lookups.authorities else ""
    join = "left join temp.export_authorities la on la.la_code = t.la_code" if name else ""
    where = f"and t.la_code <> '{ALL}'" if lookups.only_authority else ""
    sql = (
        f"select * from (select t.la_code{name}, year(t.period_end) as census_year, "
        f"{', '.join(pivots)} from main.kpi_values t {join} "
        f"where t.period_type = 'census_year' and t.breakdown = 'total' {where} group by all) "
        f"order by la_code = '{ALL}', la_code, census_year"
    )
    note = (
        "one row per authority and census year, one column per headline KPI "
        "(kpi_definitions.is_headline): its value in kpi_values, and beside a KPI with a target "
        "(kpi_targets) its target and RAG (kpi_values.target and rag)"
    )
    return TableView(table="scorecard", sql=sql, notes=[note], kpi_columns=kpi_columns)
