"""`workforce --help` says where everything lives, and stays quick: no Dagster at start-up."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PROJECT_ROOT, WORKFORCE


def test_help_names_workforce_home_and_its_default():
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [str(WORKFORCE), "--help"], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "$WORKFORCE_HOME (default: ./workforce-data in the current directory)" in done.stdout


def test_the_command_line_imports_no_dagster():
    code = "import sys, orchestration.cli; print(sorted(m for m in sys.modules if 'dagster' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
