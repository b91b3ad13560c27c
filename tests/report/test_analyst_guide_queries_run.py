"""docs/analyst-guide.md: every SQL example runs against the demo publication and answers."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from tests.conftest import PROJECT_ROOT

GUIDE = PROJECT_ROOT / "docs" / "analyst-guide.md"
SQL_BLOCKS = re.findall(r"^```sql\n(.*?)^```", GUIDE.read_text(), re.S | re.M)
# Tables a publication may lack (older pipeline, or DfE files not delivered): a block that
# needs one of them is skipped only when the table is absent.
OPTIONAL_TABLES = ("kpi_benchmarks", "checks", "source_files")


def published_tables(home: Path) -> set[str]:
    with duckdb.connect(str(home / "published" / "workforce.duckdb"), read_only=True) as conn:
        return {
            name for (name,) in conn.execute("select table_name from duckdb_tables()").fetchall()
        }


def test_the_guide_has_sql_examples():
    assert len(SQL_BLOCKS) >= 15


@pytest.mark.parametrize("sql", SQL_BLOCKS, ids=[f"block{i + 1}" for i in range(len(SQL_BLOCKS))])
def test_every_sql_example_runs_and_returns_rows(demo_home, sql):
    tables = published_tables(demo_home)
    missing = [
        t for t in OPTIONAL_TABLES if re.search(rf"\b(from|join)\s+{t}\b", sql) and t not in tables
    ]
    if missing:
        pytest.skip(f"the demo publication has no {', '.join(missing)} table")
    with duckdb.connect(str(demo_home / "published" / "workforce.duckdb"), read_only=True) as conn:
        rows = conn.execute(sql).fetchall()
    assert rows, f"no rows from:\n{sql}"


def test_the_guide_names_every_published_table(demo_home):
    text = GUIDE.read_text()
    for table in published_tables(demo_home):
        assert f"`{table}`" in text, f"docs/analyst-guide.md does not describe table {table}"


def test_the_guide_lists_every_kpi_benchmarks_column(demo_home):
    if "kpi_benchmarks" not in published_tables(demo_home):
        pytest.skip("the demo publication has no kpi_benchmarks table")
    with duckdb.connect(str(demo_home / "published" / "workforce.duckdb"), read_only=True) as conn:
        columns = [
            c
            for (c,) in conn.execute(
                "select name from pragma_table_info('kpi_benchmarks')"
            ).fetchall()
        ]
    section = GUIDE.read_text().split("(kpi_benchmarks)", 1)[1]
    for column in columns:
        assert f"`{column}`" in section, f"kpi_benchmarks column {column} is not described"
