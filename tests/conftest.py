"""Shared test helpers: every test gets its own WORKFORCE_HOME under tmp_path."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.contract import KINDS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCE = PROJECT_ROOT.parent / "shared" / "reference"
WORKFORCE = Path(sys.executable).with_name("workforce")


def write_extract(landing: Path, la_code: str, kind: str, extract_date: str, rows: list[dict]):
    """Write one extract with every contract column (missing cells empty)."""
    path = landing / la_code / f"{kind}_{extract_date.replace('-', '')}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = [c.name for c in KINDS[kind].columns]
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            unknown = set(row) - set(columns)
            assert not unknown, f"fixture uses columns not in the contract: {unknown}"
            writer.writerow(row)
    return path


def run_workforce(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "WORKFORCE_HOME": str(home)}
    env.pop("WORKFORCE_PSEUDONYM_KEY", None)
    return subprocess.run(
        [str(WORKFORCE), *(args or ("run",))],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=900,
    )


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "workforce-data"
