"""A warehouse made when FTE was stored at 4 places and money at 2 is widened in place when
the pipeline next opens it: values unchanged, and each snapshot row's hash computed again over
the widened values, so the next snapshot opens no version for a record that did not change."""

from __future__ import annotations

from decimal import Decimal

import duckdb

from orchestration.contract import KINDS
from orchestration.warehouse import create_schemas, row_hash_sql

OLD_TYPES = {"fte": "DECIMAL(9,4)", "hourly_charge_gbp": "DECIMAL(18,2)"}


def test_narrow_decimals_are_widened_and_rehashed(tmp_path):
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    create_schemas(conn)
    kind = KINDS["agency_assignments"]
    for column, old in OLD_TYPES.items():  # as a warehouse of the earlier layout has them
        conn.execute(f"alter table raw.{kind.name} alter column {column} type {old}")
    conn.execute(
        f"insert into raw.{kind.name} (la_code, record_key, row_hash, valid_from, file_id, "
        "source_row, assignment_id, agency_worker_pseudonym, registered_social_worker, "
        "agency_name, service_area, team, cover_reason, fte, start_date, hourly_charge_gbp) "
        "values ('383', 'G1', '', '2025-10-31', 'f', 2, 'G1', 'p', true, 'A', 'S', 'T', "
        "'vacancy', 0.8108, '2025-01-01', 61.5)"
    )
    conn.execute(f"update raw.{kind.name} set row_hash = {row_hash_sql(kind)}")
    (old_hash,) = conn.execute(f"select row_hash from raw.{kind.name}").fetchone()

    create_schemas(conn)

    types = dict(
        conn.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [kind.name],
        ).fetchall()
    )
    assert types["fte"] == "DECIMAL(18,10)" and types["hourly_charge_gbp"] == "DECIMAL(24,6)"
    fte, charge, row_hash, expected = conn.execute(
        f"select fte, hourly_charge_gbp, row_hash, {row_hash_sql(kind)} from raw.{kind.name}"
    ).fetchone()
    assert (fte, charge) == (Decimal("0.8108"), Decimal("61.5"))  # values unchanged
    assert row_hash == expected != old_hash  # the hash a new snapshot's row would have

    create_schemas(conn)  # once widened, nothing more happens
    assert conn.execute(f"select row_hash from raw.{kind.name}").fetchone() == (row_hash,)
