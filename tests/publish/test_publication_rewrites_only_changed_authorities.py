"""A publication starts from the file in place and rewrites the authorities whose rows
differ, not the national file (`update_by_authority`)."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.publish.publication import update_by_authority

TABLES = """
attach ':memory:' as publication;
create table marts.kpis (la_code varchar, kpi varchar, value double, published_run_id varchar);
insert into marts.kpis values
    ('201', 'turnover', 10.0, null), ('202', 'turnover', 12.5, null),
    ('203', 'turnover', 9.0, null), ('ALL', 'turnover', 10.5, null);
create table publication.main.kpis as select * replace ('run-1' as published_run_id)
    from marts.kpis;
"""


@pytest.fixture
def conn() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("create schema marts")
    conn.execute(TABLES)
    return conn


def published(conn) -> dict[str, tuple]:
    rows = conn.execute(
        "select la_code, rowid, value from publication.main.kpis order by la_code"
    ).fetchall()
    return {la_code: (rowid, value) for la_code, rowid, value in rows}


def test_only_the_changed_authorities_rows_are_rewritten(conn):
    before = published(conn)
    conn.execute("update marts.kpis set value = 14.0 where la_code in ('202', 'ALL')")
    conn.execute("insert into marts.kpis values ('204', 'turnover', 8.0, null)")
    conn.execute("delete from marts.kpis where la_code = '203'")

    assert update_by_authority(conn, "marts.kpis", "publication.main.kpis")

    after = published(conn)
    assert after["201"] == before["201"]  # the same row, never rewritten
    assert after["202"][1] == 14.0 and after["202"][0] != before["202"][0]
    assert after["ALL"][1] == 14.0
    assert "203" not in after and after["204"][1] == 8.0
    assert sorted(
        conn.execute("select * exclude (published_run_id) from publication.main.kpis").fetchall()
    ) == sorted(conn.execute("select * exclude (published_run_id) from marts.kpis").fetchall())


def test_an_unchanged_table_is_left_alone(conn):
    before = published(conn)
    assert update_by_authority(conn, "marts.kpis", "publication.main.kpis")
    assert published(conn) == before


@pytest.mark.parametrize(
    "change",
    [
        "alter table marts.kpis add column unit varchar",  # other columns: written whole
        "drop table publication.main.kpis",  # not published yet
        "insert into marts.kpis values (null, 'turnover', 1.0, null)",  # a row of no authority
    ],
)
def test_a_table_that_cannot_be_compared_by_authority_is_written_whole(conn, change):
    conn.execute(change)
    assert not update_by_authority(conn, "marts.kpis", "publication.main.kpis")
