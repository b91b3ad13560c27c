"""Keyed pseudonyms: identifiers are replaced by HMAC-SHA256 under the home's key before any
row reaches the raw tables, so staging, marts and publications never hold them."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb import sqltypes


def pseudonym(key: bytes, text: str) -> str:
    """HMAC-SHA256 of `text` under the configured key, first 128 bits in hex."""
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def register_pseudonym(conn: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """`pseudonym(text)` in SQL: `pseudonym` above, over a column."""

    def pseudonymise(values: pa.ChunkedArray) -> pa.Array:
        distinct = pc.unique(values)
        digests = pa.array(
            [None if v is None else pseudonym(key, v) for v in distinct.to_pylist()],
            pa.string(),
        )
        return pc.take(digests, pc.index_in(values, distinct))

    conn.create_function(
        "pseudonym", pseudonymise, [sqltypes.VARCHAR], sqltypes.VARCHAR, type="arrow"
    )
