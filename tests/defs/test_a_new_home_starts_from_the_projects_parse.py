"""A home's first dbt build starts from the project's parse (target/partial_parse.msgpack)
rather than parsing the whole project again, although its profile names another warehouse."""

import json
import os
import subprocess

from orchestration.dbt_manifest import (
    DEFAULT_VARS,
    PARTIAL_PARSE,
    prepare_manifest,
    seed_partial_parse,
)
from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR


def dbt_parse(target, warehouse) -> str:
    done = subprocess.run(
        [
            DBT_EXECUTABLE, "parse",
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(target), "--vars", json.dumps(DEFAULT_VARS),
        ],
        env={**os.environ, "WORKFORCE_WAREHOUSE": str(warehouse)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def test_a_new_homes_first_parse_is_partial(tmp_path, monkeypatch):
    prepare_manifest()
    warehouse = tmp_path / "warehouse" / "warehouse.duckdb"
    monkeypatch.setenv("WORKFORCE_WAREHOUSE", str(warehouse))
    seeded, plain = tmp_path / "dbt", tmp_path / "plain"
    assert seed_partial_parse(seeded)
    assert not seed_partial_parse(seeded)  # a home's own state is never replaced

    # the project's state copied as it is (what dagster-dbt does) is refused: another profile
    plain.mkdir()
    (plain / PARTIAL_PARSE.name).write_bytes(PARTIAL_PARSE.read_bytes())
    copied = dbt_parse(plain, warehouse)
    assert "Unable to do partial parsing because profile has changed" in copied

    output = dbt_parse(seeded, warehouse)
    assert "Unable to do partial parsing" not in output, output
