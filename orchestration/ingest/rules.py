"""Row rules: the SQL that types a delivered file's text cells and finds every rule a row
breaks (missing values, types, ranges, code lists, date order, duplicate keys, references to
records never delivered). All of it is generated from the contract; none of it names a kind.
"""

from __future__ import annotations

from orchestration.contract import Column, Kind, Personal, Type
from orchestration.ingest.landing import LandedFile


def cast_sql(column: Column) -> str:
    """SQL turning the text cell `v` into the contract type; null where it does not parse."""
    v = text(column.name)
    match column.type:
        case Type.DATE:
            return (
                f"coalesce(try_cast({v} as date), try_strptime({v}, '%d/%m/%Y')::date, "
                f"try_cast({v} as timestamp)::date)"  # spreadsheets give date-times
            )
        case Type.BOOL:
            return (
                f"case when lower({v}) in ('1', 'true', 'y', 'yes', 't') then true "
                f"when lower({v}) in ('0', 'false', 'n', 'no', 'f') then false end"
            )
        case Type.INT_CODE | Type.FTE | Type.QUANTITY | Type.MONEY:
            return f"try_cast({v} as {column.type.sql})"
        case _:
            return v


def text(column: str) -> str:
    """A delivered cell as text: trimmed, empty meaning null."""
    return f"nullif(trim(\"{column}\"), '')"


def record_key_sql(kind: Kind) -> str:
    return " || '|' || ".join(text(k) for k in kind.key)


def problems_sql(kind: Kind, landed: LandedFile) -> str:
    """Every rule a row can break, as (source_row, column_name, rule, value)."""

    personal = {c.name for c in kind.columns if c.personal}

    def probe(column: str, rule: str, where: str, value: str | None = None) -> str:
        # the audit trail must not become a copy of the personal data it rejected
        shown = "'(personal data)'" if column in personal else value or text(column)
        return (
            f"select source_row, '{column}' as column_name, '{rule}' as rule, "
            f"cast({shown} as varchar) as value from landed_text where {where}"
        )

    probes = []
    for col in kind.columns:
        raw, typed = text(col.name), cast_sql(col)
        if col.required:
            probes.append(probe(col.name, "required value missing", f"{raw} is null"))
        if col.type not in (Type.TEXT, Type.CODE):
            probes.append(
                probe(
                    col.name,
                    f"must be {EXPECTED[col.type]}",
                    f"{raw} is not null and ({typed}) is null",
                )
            )
        if col.codes:
            allowed = ", ".join(f"'{code}'" for code in col.codes)
            value = f"cast({typed} as varchar)" if col.type is Type.INT_CODE else raw
            shown = (
                ", ".join(col.codes) if len(col.codes) <= 10 else f"{col.codes[0]}..{col.codes[-1]}"
            )
            probes.append(
                probe(col.name, f"unknown code (allowed: {shown})", f"{value} not in ({allowed})")
            )
        if col.rule:
            predicate, wording = col.rule
            probes.append(probe(col.name, wording, f"not ({predicate.format(v=typed)})"))
    for start, end in kind.date_order:
        start_sql, end_sql = cast_sql(kind.column(start)), cast_sql(kind.column(end))
        probes.append(
            probe(end, f"must not be before {start}", f"{end_sql} < {start_sql}", text(end))
        )
    key = record_key_sql(kind)
    probes.append(
        probe(
            "+".join(kind.key),
            "duplicate key within the file",
            f"{key} in (select {key} from landed_text group by all having count(*) > 1)",
            key,
        )
    )
    probes += reference_probes(kind, landed, probe)
    return " union all ".join(probes)


def reference_probes(kind: Kind, landed: LandedFile, probe) -> list[str]:
    """Rows that point at records the authority never delivered (checked against raw)."""
    probes = []
    for ref in kind.references:
        column = kind.column(ref.column)
        value = (
            pseudonym_sql(column, landed.la_code)
            if column.personal is Personal.PSEUDONYMISE
            else text(ref.column)
        )
        known = f"select {ref.target} from raw.{ref.kind} where la_code = '{landed.la_code}'"
        where = f"{value} not in ({known})"
        if ref.when:
            where = f"{text(ref.when[0])} = '{ref.when[1]}' and {where}"
        shown = "'(pseudonymised)'" if column.personal else None
        probes.append(probe(ref.column, ref.rule, where, shown))
    return probes


EXPECTED = {
    Type.DATE: "a date (YYYY-MM-DD or DD/MM/YYYY)",
    Type.BOOL: "a boolean (0/1, true/false, Y/N)",
    Type.INT_CODE: "a whole-number code",
    Type.FTE: "a number",
    Type.QUANTITY: "a number",
    Type.MONEY: "a number",
}


def incoming_sql(kind: Kind, landed: LandedFile) -> str:
    typed = []
    for col in kind.stored_columns:
        expr = (
            pseudonym_sql(col, landed.la_code)
            if col.personal is Personal.PSEUDONYMISE
            else (cast_sql(col))
        )
        typed.append(f"{expr} as {col.raw_name}")
    key = record_key_sql(kind)
    stored = ", ".join(f"'{c.raw_name}': {c.raw_name}" for c in kind.stored_columns)
    return f"""
        select *, md5(to_json({{{stored}}})) as row_hash
        from (
            select {key} as record_key, source_row, {", ".join(typed)}
            from landed_text
        )
    """


def pseudonym_sql(column: Column, la_code: str) -> str:
    """Pseudonyms are per authority, except national identifiers (SWE numbers)."""
    v = text(column.name)
    if column.national_namespace:
        return f"pseudonym('{column.national_namespace}:' || upper({v}))"
    return f"pseudonym('{la_code}:' || {v})"
