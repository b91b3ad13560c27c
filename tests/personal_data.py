"""The scan every bad-input test ends with: no value of a personal column of the landed files
appears anywhere under the home but `landing/`, `archive/`, `census/` and the warehouse's `raw` schema."""

from __future__ import annotations

import re
from pathlib import Path

import ahocorasick
import duckdb

from orchestration.contract import KINDS
from orchestration.ingest.landing import FILE_NAME, RejectedFile, not_a_regular_file
from orchestration.ingest.readers import read_as_text

# landing/ and archive/ hold the deliveries; census/ the DfE return, which carries SWE numbers
# and dates of birth by design (owner-only files, see docs/census-return.md)
ALLOWED = ("landing", "archive", "census")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}")  # dates recur as non-personal ones


def personal_values(landing: Path) -> set[str]:
    """Personal-column values of every landed file the readers can read (a rejected file's
    values are given by the test that planted them)."""
    values: set[str] = set()
    for path in landing.rglob("*"):
        named = FILE_NAME.match(path.name)
        kind = named and named["kind"].lower()
        if kind not in KINDS or not_a_regular_file(path):
            continue
        try:
            table = read_as_text(path, path.name)
        except RejectedFile:
            continue
        personal = [c.name for c in KINDS[kind].columns if c.personal]
        for column in set(personal) & set(table.column_names):
            values |= {v.strip() for v in table[column].to_pylist() if v and v.strip()}
    return {v for v in values if len(v) >= 5 and not DATE.fullmatch(v)}


def duckdb_text(path: Path, skip_schemas: tuple[str, ...]) -> str:
    """Every cell of every table as text, but the schemas skipped."""
    with duckdb.connect(str(path), read_only=True) as conn:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_type = 'BASE TABLE'"
        ).fetchall()
        parts = []
        for schema, table in tables:
            if schema in skip_schemas:
                continue
            rows = conn.execute(f'select * from "{schema}"."{table}"').fetchall()
            parts.append("\n".join(" | ".join(map(str, row)) for row in rows))
    return "\n".join(parts)


def leaks(home: Path, planted: set[str] = frozenset()) -> list[str]:
    """Where each personal value was found outside ALLOWED and the warehouse's raw schema."""
    needles = personal_values(home / "landing") | set(planted)
    if not needles:
        return []
    # One pass over each file's text for all needles at once (a hostile case plants 10,000)
    automaton = ahocorasick.Automaton()
    for needle in needles:
        automaton.add_word(needle, needle)
    automaton.make_automaton()
    found = []
    for path in sorted(home.rglob("*")):
        relative = path.relative_to(home)
        if relative.parts[0] in ALLOWED or not path.is_file() or path.is_symlink():
            continue
        if path.suffix == ".duckdb":
            skip = ("raw",) if path.name == "warehouse.duckdb" else ()
            text = duckdb_text(path, skip)
        elif path.suffix in (".wal", ".lock", ".key"):
            continue
        else:
            text = path.read_bytes().decode("utf-8", "replace")
        hits = {needle for _, needle in automaton.iter(text)}
        found += [f"{needle!r} in {relative}" for needle in sorted(hits)]
    return found
