"""Fixtures of the end-to-end tests: the hand-computed landing folder, run once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_pipeline_matches_the_hand_computation import write_hand_fixture
from tests.conftest import built_once, run_workforce


def build_hand_home(home: Path) -> None:
    write_hand_fixture(home / "landing")
    result = run_workforce(home)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="session")
def hand_home(tmp_path_factory, worker_id) -> Path:
    """The hand fixture (383 and 202, census year 2025) after one `workforce run`, published.

    Shared read-only: a test that runs the pipeline again copies it first (shutil.copytree)."""
    return built_once(tmp_path_factory, worker_id, "hand", build_hand_home)
