"""Real SWE numbers for the return, without giving anything downstream access to them.

The warehouse holds SWE numbers only as keyed pseudonyms (`swe_pseudonym`). DfE needs the
numbers themselves, so this module, and nothing else, re-reads the archived deliveries of
`hr_staff` and `agency_assignments` behind the census year's basis snapshot (the very bytes
ingestion loaded, through the same readers and the authority's vendor mapping), recomputes
each number's pseudonym under the home's key exactly as ingestion does, and keeps the numbers
whose pseudonym the return needs. No table, model or published file gains a column: the
numbers live in memory and in the owner-only XML.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb

from orchestration.census.source import CensusError
from orchestration.config import load_mappings, load_thresholds
from orchestration.contract import KINDS
from orchestration.ingest.landing import RejectedFile
from orchestration.ingest.pseudonyms import KeyRefused, bound_key, pseudonym
from orchestration.ingest.readers import read_as_text
from orchestration.settings import Settings

SWE_KINDS = ("hr_staff", "agency_assignments")


def swe_pseudonym(key: bytes, swe_number: str) -> str:
    """The pseudonym ingestion stores for an SWE number (rules.pseudonym_sql: the national
    namespace, the number trimmed and upper-cased, through the same `pseudonym`)."""
    namespace = KINDS["hr_staff"].column("swe_number").national_namespace
    return pseudonym(key, f"{namespace}:{swe_number.strip().upper()}")


def checked_key(settings: Settings) -> bytes:
    """The home's key, checked against the warehouse's fingerprint as a run checks it (read
    only: a warehouse from before fingerprints adopts a key on its next run, not here)."""
    try:
        with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
            return bound_key(settings, conn, record=False)
    except KeyRefused as refused:
        raise CensusError(f"SWE numbers cannot be recovered: {refused}") from None


def archived_files(
    settings: Settings, la_code: str, kind: str, basis_date: date | None
) -> list[str]:
    """The archive paths of the authority's loaded files of `kind` up to the basis date,
    newest first: the basis snapshot itself, then the ones whose versions it kept."""
    if basis_date is None:
        return []
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        return [
            path
            for (path,) in conn.execute(
                "select archived_path from audit.files where la_code = ? and kind = ? "
                "and status = 'loaded' and extract_date <= ? order by extract_date desc",
                [la_code, kind, basis_date],
            ).fetchall()
        ]


def recover_swe_numbers(
    settings: Settings,
    la_code: str,
    wanted: Iterable[str],
    basis_dates: dict[str, date | None],
) -> dict[str, str]:
    """pseudonym -> SWE number (as delivered, upper-cased) for every wanted pseudonym found in
    the archived deliveries; a pseudonym not found is left out (the return reports the item
    as missing, it never invents one)."""
    missing = {p for p in wanted if p}
    found: dict[str, str] = {}
    if not missing:
        return found
    key = checked_key(settings)
    limits = load_thresholds(settings.home).limits
    mappings = load_mappings(settings.home, la_code)
    for kind in SWE_KINDS:
        for path in archived_files(settings, la_code, kind, basis_dates.get(kind)):
            if not missing:
                return found
            try:
                table = read_as_text(settings.archive / path, path, limits)
            except RejectedFile:  # loaded once, so readable; a vanished copy is not fatal
                continue
            if mapping := mappings.get(kind):
                table = mapping.apply(table)
            if "swe_number" not in table.column_names:
                continue
            for value in set(table["swe_number"].to_pylist()):
                if not value or not value.strip():
                    continue
                pseudonym = swe_pseudonym(key, value)
                if pseudonym in missing:
                    found[pseudonym] = value.strip().upper()
                    missing.discard(pseudonym)
    return found
