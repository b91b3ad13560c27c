"""The Dagster definitions load from a fresh clone with no dbt manifest (`pip install -e .`
alone, no `make manifest`): they parse the dbt project themselves before dagster-dbt reads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

BIN = Path(sys.executable).parent


def test_dagster_definitions_validate_in_a_fresh_clone_makes_the_manifest(tmp_path: Path):
    clone = tmp_path / "csc-workforce"
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{PROJECT_ROOT}", str(clone)],
        check=True,
    )
    manifest = clone / "dbt_project" / "target" / "manifest.json"
    assert not manifest.exists()  # target/ is not in the repository

    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(clone),  # the clone's `orchestration`, not the installed one
        "DAGSTER_HOME": str(tmp_path / "dagster"),
        "WORKFORCE_HOME": str(tmp_path / "workforce-data"),
    }
    env.pop("DAGSTER_IS_DEV_CLI", None)
    (tmp_path / "dagster").mkdir()
    validated = subprocess.run(
        [str(BIN / "dagster"), "definitions", "validate", "-m", "orchestration.defs"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = validated.stdout + validated.stderr
    assert validated.returncode == 0, said
    assert "DagsterDbtManifestNotFoundError" not in said
    assert manifest.exists()
