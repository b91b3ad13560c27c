"""`workforce run` under a workforce.yaml that cannot be read, or says what cannot be, is
refused at once, before Dagster starts: one line naming the file, the line and the key, exit 1,
no traceback, nothing loaded. (Every kind of finding: tests/ingest/
test_configuration_is_checked_when_read.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import hr_staff, write_extract
from tests.conftest import run_workforce

WRONG = {
    "YAML syntax": (
        "max_quarantine_share: 0.1\n limits: 2\n",
        "workforce.yaml, line 2: not valid YAML: mapping values are not allowed here",
    ),
    "unknown key": (
        "limits:\n  max_file_mb: 10\n  max_row: 10\n",
        "workforce.yaml, line 3: limits.max_row: unknown key",
    ),
    "wrong type": (
        "max_snapshot_drop_share: half\n",
        "workforce.yaml, line 1: max_snapshot_drop_share: Input should be a valid number",
    ),
}


@pytest.mark.parametrize("case", WRONG, ids=list(WRONG))
def test_a_wrong_workforce_yaml_is_refused_naming_file_line_and_key(home: Path, case):
    text, message = WRONG[case]
    write_extract(home / "landing", "383", "hr_staff", "2025-10-31", [hr_staff()])
    (home / "workforce.yaml").write_text(text)
    result = run_workforce(home, "run")
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    assert f"{home / message}" in said
    assert "Traceback" not in said
    assert not (home / "warehouse").exists() or not any((home / "warehouse").iterdir())
