"""Keyed pseudonyms: identifiers are replaced by HMAC-SHA256 under the home's key before any
row reaches the raw tables, so staging, marts and publications never hold them."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable

import duckdb

from orchestration.contract import KINDS, Personal
from orchestration.settings import KEY_ENV, Settings
from orchestration.warehouse import KEY_DDL, connect, table_columns

BLOCK = 64  # SHA-256's block size: HMAC pads (or first hashes) its key to it


def pseudonym(key: bytes, text: str) -> str:
    """HMAC-SHA256 of `text` under the configured key, first 128 bits in hex."""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def register_pseudonym(conn: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """`pseudonym(text)` in SQL: `pseudonym` above, as a temporary macro, so DuckDB computes
    it vectorised over a column instead of calling Python once per value (RFC 2104:
    H((K ^ opad) || H((K ^ ipad) || text))). Temporary: the key never reaches the file."""
    block = (hashlib.sha256(key).digest() if len(key) > BLOCK else key).ljust(BLOCK, b"\0")

    def padded(pad: int) -> str:
        return "'" + "".join(f"\\x{b ^ pad:02X}" for b in block) + "'::blob"

    conn.execute(
        "create or replace temp macro pseudonym(v) as left(sha256("
        f"{padded(0x5C)} || unhex(sha256({padded(0x36)} || encode(v)))), 32)"
    )


# --- the key is bound to the warehouse ------------------------------------------------------
# The warehouse records a fingerprint of the key its pseudonyms were made with: an HMAC of this
# fixed text under the key (never the key, and no pseudonym of anything delivered). A run with
# another key would give every person a new pseudonym and silently break history, so it is
# refused before anything is loaded; a missing key is never replaced where pseudonyms exist.
FINGERPRINT_TEXT = b"csc-workforce: fingerprint of the pseudonym key"
BACK_IT_UP = "without it no new delivery can join the warehouse's history"
SHOWN = 12  # hex digits of a fingerprint a message shows: enough to tell two keys apart


class KeyRefused(Exception):
    """The pseudonym key is missing or is not the warehouse's; the message says which source
    was read and what to do. Nothing has been loaded."""


def key_fingerprint(key: bytes) -> str:
    return hmac.new(key, FINGERPRINT_TEXT, hashlib.sha256).hexdigest()


def recorded_fingerprint(conn: duckdb.DuckDBPyConnection) -> str | None:
    """The fingerprint the warehouse records (None for a new warehouse, or one from before
    fingerprints were recorded)."""
    if not table_columns(conn, "audit", "pseudonym_key"):
        return None
    row = conn.execute(
        "select fingerprint from audit.pseudonym_key order by recorded_at desc limit 1"
    ).fetchone()
    return row[0] if row else None


def holds_pseudonyms(conn: duckdb.DuckDBPyConnection) -> bool:
    """Whether any raw table of a kind with pseudonymised columns has a row."""
    return any(
        conn.execute(f"select exists (select 1 from raw.{kind.name})").fetchone()[0]
        for kind in KINDS.values()
        if any(c.personal is Personal.PSEUDONYMISE for c in kind.columns)
        and table_columns(conn, "raw", kind.name)
    )


def record_fingerprint(
    conn: duckdb.DuckDBPyConnection, key: bytes, settings: Settings, how: str
) -> None:
    conn.execute(KEY_DDL)
    conn.execute(
        "insert into audit.pseudonym_key values (?, ?, ?, current_timestamp::timestamp)",
        [key_fingerprint(key), how, settings.key_source()],
    )


def bound_key(
    settings: Settings,
    conn: duckdb.DuckDBPyConnection,
    log: Callable[[str], None] = print,
    record: bool = True,
) -> bytes:
    """The home's pseudonym key, checked against the fingerprint the warehouse records; the one
    way anything reads the key (ingestion, the run's set-up, the census return's SWE numbers).

    - fingerprint recorded: the key must be there and match it, else `KeyRefused`;
    - no fingerprint but pseudonyms (a warehouse from before fingerprints): the key must be
      there; it is adopted (recorded) and the log says so, once;
    - neither (a new warehouse): a missing key is made (key file, 0600) and recorded.

    With `record` False (a read-only connection) nothing is recorded or made."""
    source, key_file = settings.key_source(), settings.key_file
    stopped = "nothing was loaded" if record else "nothing was read"
    key = settings.read_key()
    if key == b"":
        raise KeyRefused(
            f"The pseudonym key file {key_file} is empty: {stopped}. Restore the key "
            f"from your backup into it (mode 0600), or set {KEY_ENV} to it."
        )
    recorded = recorded_fingerprint(conn)
    pseudonyms = recorded is not None or holds_pseudonyms(conn)
    if key is None and not record:  # nothing is made through a read-only look
        raise KeyRefused(f"No pseudonym key: {key_file} is missing and {KEY_ENV} is not set.")
    if key is None and pseudonyms:
        made_with = f" (key fingerprint {recorded[:SHOWN]})" if recorded else ""
        raise KeyRefused(
            f"No pseudonym key: {key_file} is missing and {KEY_ENV} is not set, but the "
            f"warehouse {settings.warehouse} holds pseudonyms made with a key{made_with}. A new "
            "key would give every person a new pseudonym and break history, so none is made "
            f"and {stopped}. Restore the key from your backup to {key_file} (mode "
            f"0600), or set {KEY_ENV} to it."
        )
    if recorded is not None and key_fingerprint(key) != recorded:
        what_to_do = (
            f"Restore the key from your backup into {KEY_ENV}, or unset {KEY_ENV} to use "
            f"the key file {key_file}."
            if os.environ.get(KEY_ENV)
            else f"Restore the key from your backup to {key_file} (mode 0600), or set "
            f"{KEY_ENV} to the right key."
        )
        raise KeyRefused(
            f"The pseudonym key read from {source} is not the key the warehouse "
            f"{settings.warehouse} was built with (its key fingerprint {recorded[:SHOWN]}, this "
            f"key's {key_fingerprint(key)[:SHOWN]}). Run with it, every person would get a new "
            f"pseudonym and history would break, so {stopped}. {what_to_do}"
        )
    if recorded is None and record:
        if key is None:
            key = settings.create_key()
            log(f"Made a new pseudonym key in {key_file}: back it up ({BACK_IT_UP})")
            record_fingerprint(conn, key, settings, "made")
        elif pseudonyms:
            record_fingerprint(conn, key, settings, "adopted")
            log(
                f"The warehouse {settings.warehouse} recorded no pseudonym key: it now records "
                f"the fingerprint of the key read from {source} ({key_fingerprint(key)[:SHOWN]}), "
                "and a run with any other key is refused. Make sure it is the key its "
                "pseudonyms were made with, and back it up."
            )
        else:
            record_fingerprint(conn, key, settings, "first used")
    return key


def check_key(settings: Settings, log: Callable[[str], None] = print) -> None:
    """`bound_key` on the home's warehouse before a run starts (`KeyRefused` if the run would
    be refused). A home without a warehouse yet gets its key made, if it has none; ingestion
    records it when it creates the warehouse."""
    if not settings.warehouse.exists():
        if settings.read_key() is None:
            settings.create_key()
            log(f"Made a new pseudonym key in {settings.key_file}: back it up ({BACK_IT_UP})")
        return
    with connect(settings.warehouse) as conn:
        bound_key(settings, conn, log)
