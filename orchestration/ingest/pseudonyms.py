"""Keyed pseudonyms: identifiers are replaced by HMAC-SHA256 under the home's key before any
row reaches the raw tables, so staging, marts and publications never hold them."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb import sqltypes


def register_pseudonym(conn: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """`pseudonym(text)`: HMAC-SHA256 under the configured key, first 128 bits in hex."""

    def pseudonymise(values: pa.ChunkedArray) -> pa.Array:
        distinct = pc.unique(values)
        digests = pa.array(
            [
                None if v is None else hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:32]
                for v in distinct.to_pylist()
            ],
            pa.string(),
        )
        return pc.take(digests, pc.index_in(values, distinct))

    conn.create_function(
        "pseudonym", pseudonymise, [sqltypes.VARCHAR], sqltypes.VARCHAR, type="arrow"
    )
