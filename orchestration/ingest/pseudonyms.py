"""Keyed pseudonyms: identifiers are replaced by HMAC-SHA256 under the home's key before any
row reaches the raw tables, so staging, marts and publications never hold them."""

from __future__ import annotations

import hashlib
import hmac

import duckdb

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
