"""`workforce run` with no extract in landing/ and nothing loaded before says so at once, naming
the folder and the layout it reads, exit 0: no dbt build, no warehouse, no word of a
publication that does not exist. With a warehouse holding loaded files it is a normal run."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from orchestration.contract import KINDS, REFERENCE_KINDS
from orchestration.settings import Settings
from tests.conftest import run_workforce


@pytest.mark.parametrize("landing", ["missing", "empty", "not extracts"])
def test_a_run_with_no_extract_says_where_extracts_go_and_builds_nothing(home: Path, landing):
    if landing != "missing":
        (home / "landing").mkdir(parents=True)
    if landing == "not extracts":
        (home / "landing" / "README.txt").write_text("extracts go in the authority folders")
        (home / "landing" / "383").mkdir()
        (home / "landing" / "383" / "notes.docx").write_bytes(b"PK")
        (home / "landing" / "383" / "~$staff.xlsx").write_bytes(b"\x0bA Person")

    started = time.monotonic()
    result = run_workforce(home, "run")
    took = time.monotonic() - started

    said = result.stdout + result.stderr
    assert result.returncode == 0, said
    assert took < 15, took  # Python and the CLI's start only: a dbt build takes half a minute
    assert f"no extracts in {home / 'landing'}" in said
    assert "landing/<la_code>/<kind>_<YYYYMMDD>.csv" in said
    assert all(kind in said for kind in [*KINDS, *REFERENCE_KINDS])
    assert "publication" not in said.lower() and "kpi_values" not in said
    if landing == "not extracts":
        assert "README.txt" in said and "383/notes.docx" in said
        assert "383/~$staff.xlsx: skipped: an Office lock file" in said
    # nothing was built or loaded: no warehouse, no dbt files, no run
    assert not (home / "warehouse" / "warehouse.duckdb").exists()
    assert not (home / "dbt").exists() and not (home / "dagster").exists()


def test_with_loaded_files_in_the_warehouse_an_empty_landing_is_a_normal_run(
    hand_home: Path, home: Path
):
    from orchestration.cli import nothing_landed

    (home / "warehouse").mkdir(parents=True)
    shutil.copy(hand_home / "warehouse" / "warehouse.duckdb", home / "warehouse")
    assert nothing_landed(Settings(home)) is None
    # and with no warehouse, the same landing folder has nothing to run
    assert nothing_landed(Settings(home / "elsewhere")) == []
