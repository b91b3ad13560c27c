"""dbt run by a test against its own warehouse, as the pipeline runs it: the project's vars,
its own target folder (never the project's), starting from the project's parse."""

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.dbt_manifest import DEFAULT_VARS, seed_partial_parse
from orchestration.settings import DBT_PROJECT_DIR


def run_dbt(*args: str, warehouse: Path, work_dir: Path) -> subprocess.CompletedProcess:
    """`dbt <args>` on `warehouse`, writing under `work_dir`; fails the test on an error."""
    env = {**os.environ, "WORKFORCE_WAREHOUSE": str(warehouse)}
    target = work_dir / "target"
    seed_partial_parse(target, env)
    command = [
        str(Path(sys.executable).with_name("dbt")), *args,
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(target), "--log-path", str(work_dir / "logs"),
        "--vars", json.dumps(DEFAULT_VARS),
    ]  # fmt: skip
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result
