"""Row rules: the SQL that types a delivered file's text cells and finds every rule a row
breaks (missing values, types, ranges, code lists, date order, duplicate keys, references to
records never delivered). All of it is generated from the contract; none of it names a kind.

The delivered text cells (`landed_text`) are typed once into `landed_typed` (`typed_sql`):
each cell trimmed, its typed value and its pseudonym beside it. The probes and the incoming
rows read those columns, so no cell is parsed or hashed twice.
"""

from __future__ import annotations

from orchestration.config import DateWindow
from orchestration.contract import WHOLE_NUMBER, Column, Kind, Personal, Type
from orchestration.ingest.landing import LandedFile
from orchestration.warehouse import row_hash_sql

# Only these spellings are read, so nothing is coerced: DuckDB alone would turn `epoch` and
# `infinity` into dates, `5.5` and `0x5` into the codes 6 and 5, and `1E-05` into a number.
# Within them, every plain way a real system writes a value is read as that value: decimals at
# any number of places (30/37 = `0.8108108108`, Excel's `0.810810810810811`, `1.0000000000`),
# a whole number for a decimal, a sign, `£` and thousands commas in money, `05` and `5.0` for
# the code 5, a date with a midnight time part, `3/9/2025`, `NULL` for empty.
ISO_DATE = (  # a date, or a date-time from a spreadsheet or Parquet (maybe with its zone)
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?"
)
UK_DATE = (  # D/M/YYYY, one or two digits each, maybe with a spreadsheet's time part
    r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?"
)
DECIMAL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)"  # any number of places; no exponent, no hex
# Pounds as finance systems export them: a sign before or after `£`, commas between thousands
POUNDS = r"[+-]?£?[+-]?([0-9]{1,3}(,[0-9]{3})+|[0-9]+)?(\.[0-9]*)?"
# What a SQL export writes for an empty cell (`n/a` and `NA` are words: in a number, refused)
NULL_WORDS = ("", "null")


def cast_sql(column: Column) -> str:
    """SQL turning the text cell `v` into the contract type; null where it does not parse
    exactly (an exact spelling; only digits beyond the raw layer's scale are rounded)."""
    v = text(column)

    def spelled(pattern: str, then: str) -> str:
        return f"case when regexp_full_match({v}, '{pattern}') then {then} end"

    match column.type:
        case Type.DATE:  # the date as written (a date-time's zone or time does not move it)
            return (
                f"case when regexp_full_match({v}, '{ISO_DATE}') then try_cast(left({v}, 10) as date) "
                f"when regexp_full_match({v}, '{UK_DATE}') "
                f"then try_strptime(split_part({v}, ' ', 1), '%d/%m/%Y')::date end"
            )
        case Type.BOOL:
            return (
                f"case when lower({v}) in ('1', 'true', 'y', 'yes', 't') then true "
                f"when lower({v}) in ('0', 'false', 'n', 'no', 'f') then false end"
            )
        case Type.INT_CODE:
            return spelled(
                WHOLE_NUMBER, f"try_cast(regexp_replace({v}, '\\.0*$', '') as {column.type.sql})"
            )
        case Type.FTE | Type.QUANTITY:
            return spelled(DECIMAL, f"try_cast({v} as {column.type.sql})")
        case Type.MONEY:
            return spelled(
                POUNDS,
                f"case when regexp_matches({v}, '[0-9]') then "
                f"try_cast(translate({v}, '£,', '') as {column.type.sql}) end",
            )
        case Type.CODE if column.codes:  # codes compare case-insensitively, stored as listed
            whens = " ".join(f"when '{code.lower()}' then '{code}'" for code in column.codes)
            return f"case lower({v}) {whens} end"
        case _:
            return v


def text(column: Column) -> str:
    """A delivered cell as text: trimmed; empty, or `NULL` as SQL exports write an empty
    cell, meaning null."""
    cell = f'trim("{column.name}")'
    words = ", ".join(f"'{w}'" for w in NULL_WORDS)
    return f"case when lower({cell}) in ({words}) then null else {cell} end"


def record_key_sql(kind: Kind) -> str:
    """The record key, over `landed_typed`."""
    return " || '|' || ".join(trimmed(k) for k in kind.key)


def trimmed(column: str) -> str:
    """In `landed_typed`: the cell as text, trimmed, empty meaning null."""
    return f'"{column}"'


def is_typed(column: Column) -> bool:
    """Whether the cell is read into something other than its text (a listed code is read
    into the list's spelling)."""
    return column.type is not Type.TEXT and (column.type is not Type.CODE or bool(column.codes))


def typed(column: Column) -> str:
    """In `landed_typed`: the cell as the contract's type (null where it does not parse)."""
    return f'"{column.name}__typed"' if is_typed(column) else trimmed(column.name)


def pseudonymised(column: Column) -> str:
    """In `landed_typed`: the cell's pseudonym."""
    return f'"{column.name}__pseudonym"'


def typed_sql(kind: Kind, landed: LandedFile) -> str:
    """`landed_text`'s cells once: trimmed, typed and pseudonymised. An identifier recurs in
    every snapshot of a batch, so each distinct value is hashed once and joined back."""
    cells, hashed, joins = [], [], []
    for col in kind.columns:
        cells.append(f"{text(col)} as {trimmed(col.name)}")
        if is_typed(col):
            cells.append(f"{cast_sql(col)} as {typed(col)}")
        if col.personal is Personal.PSEUDONYMISE:
            table = f"pseudonyms_{len(hashed)}"
            hashed.append(
                f"{table} as (select cell__text, {pseudonym_sql(col, landed.la_code, 'cell__text')} "
                f"as cell__pseudonym from (select distinct {text(col)} as cell__text "
                "from landed_text))"
            )
            joins.append(f"left join {table} on {table}.cell__text = {text(col)}")
            cells.append(f"{table}.cell__pseudonym as {pseudonymised(col)}")
    with_ = f"with {', '.join(hashed)} " if hashed else ""
    return (
        f"{with_}select file_no, source_row, {', '.join(cells)} from landed_text {' '.join(joins)}"
    )


def problems_sql(kind: Kind, landed: LandedFile, dates: DateWindow) -> str:
    """Every rule a row can break, as (file_no, source_row, column_name, rule, value): the
    text cells of one or more files of one kind and authority are `landed_text`, each file's
    rows numbered by `file_no`."""

    personal = {c.name for c in kind.columns if c.personal}

    def probe(column: str, rule: str, where: str, value: str | None = None) -> str:
        # the audit trail must not become a copy of the personal data it rejected
        shown = "'(personal data)'" if column in personal else value or trimmed(column)
        return (
            f"select file_no, source_row, '{column}' as column_name, '{rule}' as rule, "
            f"cast({shown} as varchar) as value from landed_typed where {where}"
        )

    probes = []
    for col in kind.columns:
        raw, value = trimmed(col.name), typed(col)
        if col.required:
            probes.append(probe(col.name, "required value missing", f"{raw} is null"))
        if col.required_unless:  # a row whose `other` cell is unreadable is quarantined by it
            other, code = col.required_unless
            other_value = typed(kind.column(other))
            probes.append(
                probe(
                    col.name,
                    f"required value missing (required unless {other} is {code})",
                    f"{raw} is null and {other_value} is not null and {other_value} <> '{code}'",
                )
            )
        if col.required_with:
            probes.append(
                probe(
                    col.name,
                    f"required value missing (required when {col.required_with} is given)",
                    f"{raw} is null and {trimmed(col.required_with)} is not null",
                )
            )
        if col.type not in (Type.TEXT, Type.CODE):  # a listed code's own probe follows
            probes.append(
                probe(
                    col.name,
                    f"must be {EXPECTED[col.type]}",
                    f"{raw} is not null and {value} is null",
                )
            )
        if col.type is Type.DATE:
            probes.append(
                probe(
                    col.name,
                    f"is outside the plausible dates {dates.earliest} to {dates.latest} "
                    "(dates in workforce.yaml)",
                    f"{value} not between DATE '{dates.earliest}' and DATE '{dates.latest}'",
                )
            )
        if col.codes:  # a code read (`05` is 5, `cp` is CP) and not in the list, or unreadable
            allowed = ", ".join(f"'{code}'" for code in col.codes)
            shown = (
                ", ".join(col.codes) if len(col.codes) <= 10 else f"{col.codes[0]}..{col.codes[-1]}"
            )
            unknown = (
                f"{value} not in ({', '.join(col.codes)})"
                if col.type is Type.INT_CODE
                else f"{raw} is not null and ({value} is null or {value} not in ({allowed}))"
            )
            probes.append(probe(col.name, f"unknown code (allowed: {shown})", unknown))
        if col.pattern:
            regex, wording = col.pattern
            probes.append(probe(col.name, wording, f"not regexp_full_match({raw}, '{regex}')"))
        if col.rule:
            predicate, wording = col.rule
            probes.append(probe(col.name, wording, f"not ({predicate.format(v=value)})"))
    for start, end in kind.date_order:
        start_sql, end_sql = typed(kind.column(start)), typed(kind.column(end))
        probes.append(
            probe(end, f"must not be before {start}", f"{end_sql} < {start_sql}", trimmed(end))
        )
    for later, stage in enumerate(kind.date_chain[1:], start=1):
        earlier = kind.date_chain[:later]
        # greatest() skips nulls: the latest earlier stage that is present
        latest_earlier = f"greatest({', '.join(typed(kind.column(c)) for c in earlier)})"
        probes.append(
            probe(
                stage,
                f"must not be before an earlier stage ({', '.join(earlier)})",
                f"{typed(kind.column(stage))} < {latest_earlier}",
            )
        )
    key = record_key_sql(kind)
    probes.append(
        probe(
            "+".join(kind.key),
            "duplicate key within the file",
            f"{key} is not null and ({key}, file_no) in "
            f"(select ({key}, file_no) from landed_typed group by all having count(*) > 1)",
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
            pseudonymised(column)
            if column.personal is Personal.PSEUDONYMISE
            else trimmed(ref.column)
        )
        known = f"select {ref.target} from raw.{ref.kind} where la_code = '{landed.la_code}'"
        where = f"{value} not in ({known})"
        if ref.when:
            where = f"{trimmed(ref.when[0])} = '{ref.when[1]}' and {where}"
        shown = "'(pseudonymised)'" if column.personal else None
        probes.append(probe(ref.column, ref.rule, where, shown))
    return probes


PLAIN_DECIMAL = (
    "a number written out in decimals, at any number of places (e.g. 0.8108108108); not "
    "exponent notation such as 1E-05, hex or words: export the column as a number"
)
EXPECTED = {
    Type.DATE: "a date (YYYY-MM-DD or DD/MM/YYYY, maybe with a time)",
    Type.BOOL: "a boolean (0/1, true/false, Y/N)",
    Type.INT_CODE: "a whole-number code",
    Type.FTE: PLAIN_DECIMAL,
    Type.QUANTITY: PLAIN_DECIMAL,
    Type.MONEY: (
        "an amount in pounds (1234.5, -12.00 or £1,234.50: commas only between thousands, a "
        "minus sign for a negative, no other currency sign or exponent): export the column "
        "as a plain number"
    ),
}


def incoming_sql(kind: Kind) -> str:
    """The rows as the raw table stores them, over `landed_typed`."""
    stored = []
    for col in kind.stored_columns:
        expr = pseudonymised(col) if col.personal is Personal.PSEUDONYMISE else typed(col)
        stored.append(f"{expr} as {col.raw_name}")
    key = record_key_sql(kind)
    return f"""
        select *, {row_hash_sql(kind)} as row_hash
        from (
            select file_no, {key} as record_key, source_row, {", ".join(stored)}
            from landed_typed
        )
    """


def pseudonym_sql(column: Column, la_code: str, cell: str | None = None) -> str:
    """Pseudonyms are per authority, except national identifiers (SWE numbers). Of the
    column's delivered cell, or of `cell` (trimmed text) when given."""
    v = cell or text(column)
    if column.national_namespace:
        return f"pseudonym('{column.national_namespace}:' || upper({v}))"
    return f"pseudonym('{la_code}:' || {v})"
