"""Fixtures of the end-to-end tests: the hand-computed landing folder, run once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_pipeline_matches_the_hand_computation import write_hand_fixture
from tests.conftest import published_once


@pytest.fixture(scope="session")
def hand_home(tmp_path_factory, worker_id) -> Path:
    """The hand fixture (383 and 202, census year 2025) after one `workforce run`, published.

    Shared read-only: a test that runs the pipeline again copies it first (shutil.copytree)."""
    return published_once(tmp_path_factory, worker_id, "hand", write_hand_fixture)
