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


@pytest.fixture(scope="session")
def one_run_over_every_delivery(tmp_path_factory, worker_id) -> Path:
    """The hand fixture and every later delivery of the incremental and fault tests (a new 383
    staff snapshot, a correction of 202's absence, a late 383 snapshot), landed together and
    published by one `workforce run --full-refresh`: what the runs one delivery at a time, or
    killed and completed, must publish too."""
    from tests.cli.test_incremental_runs_publish_what_one_run_publishes import deliver_all

    def write(landing: Path) -> None:
        write_hand_fixture(landing)
        deliver_all(landing)

    return published_once(tmp_path_factory, worker_id, "everything", write, "--full-refresh")
