"""Fixtures and helpers every test folder shares (rows of the extracts are built by
tests/builders.py): running `workforce`, querying a DuckDB file, homes under tmp_path."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

from orchestration.generator.dfe_files import DFE_FILES, DOWNLOADED_ON, write_dfe_files

pytest_plugins = ["tests.postgres_server"]  # `postgres_url`: a PostgreSQL server of the tests' own
PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCE = PROJECT_ROOT / "reference"  # DfE's published files (reference/README.md)
WORKFORCE = Path(sys.executable).with_name("workforce")


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


def kept_file(home: Path, reason_note: Path) -> Path:
    """The archived bytes of a rejected file, as its `rejected/<file>.reason.txt` names them."""
    kept = re.search(r"kept as (\S+)\)", reason_note.read_text())
    assert kept, reason_note.read_text()
    return home / kept[1]


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "workforce-data"


DFE_REFERENCE_FILES = DFE_FILES  # the shipped copies, by reference kind


def drop_dfe_reference_files(landing: Path, extract_date: str = DOWNLOADED_ON) -> None:
    """Deliver the DfE indicators and neighbour groupings as a council would: landing/ itself."""
    write_dfe_files(landing, extract_date)


def built_once(tmp_path_factory, worker_id: str, name: str, build: Callable[[Path], None]) -> Path:
    """`<name>/workforce-data`, built by `build` once for the whole session: with pytest-xdist,
    once for all workers (they share the parent of their temp folders), under a file lock."""
    if worker_id == "master":
        home = tmp_path_factory.mktemp(name) / "workforce-data"
        build(home)
        return home
    root = tmp_path_factory.getbasetemp().parent
    home, done = root / name / "workforce-data", root / name / "built"
    with FileLock(str(root / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(home.parent, ignore_errors=True)
            build(home)
            done.touch()
    return home


def published_once(
    tmp_path_factory,
    worker_id: str,
    name: str,
    write_landing: Callable[[Path], None],
    *run_args: str,
) -> Path:
    """`built_once` of a home whose landing folder `write_landing` fills, run once (`workforce
    run` with `run_args`) and published (exit 0); what the run printed is kept beside the home
    as `run-output.txt`."""

    def build(home: Path) -> None:
        write_landing(home / "landing")
        result = run_workforce(home, "run", *run_args)
        assert result.returncode == 0, result.stdout + result.stderr
        (home.parent / "run-output.txt").write_text(result.stdout + result.stderr)

    return built_once(tmp_path_factory, worker_id, name, build)


# What starts first (`--no-loadscope-reorder`: xdist hands out work in this order), longest
# first, so that the two workers finish together rather than one starting a run of minutes as
# the other runs out of work: the longest runs of `workforce` (seconds of one test or group, of
# fixtures it is first to build, on two busy cores), then the rest as collected; a module's
# tests stay together.
LONGEST_FIRST = (
    "tests/cli/test_faults_leave_the_publication_intact.py",  # 490 (killed runs), 165, 145
    "tests/cli/test_a_blocked_file_blocks_until_corrected_or_accepted.py",  # 230
    "tests/cli/test_incremental_runs_publish_what_one_run_publishes.py",  # 230
    "tests/cli/test_pipeline_matches_the_hand_computation.py",  # 105, 65, 45, 30
    "tests/defs/test_run_path.py",  # 130
    "tests/cli/test_board_kpis_match_the_hand_computation.py",  # 110
    "census_home",  # the census hand fixture's run, then its returns (two modules): 150
    "tests/dbt/test_benchmarks_compare_with_neighbours_and_england.py",  # 170
    "tests/cli/test_hostile_deliveries_leak_nothing_and_wedge_nothing.py",  # 70, 40, 115
    "demo_home",  # the demo's run, then its reports, exports and browser tests
    "tests/ingest/test_real_export_styles_load_as_written.py",  # 60
    "tests/cli/test_bad_inputs_are_rejected_or_quarantined.py",  # 35, 25, 20
    "tests/cli/test_a_run_with_another_pseudonym_key_is_refused.py",  # 80
)


def start_rank(item: pytest.Item) -> int:
    for rank, start in enumerate(LONGEST_FIRST):
        if item.nodeid.startswith(start) or start in getattr(item, "fixturenames", ()):
            return rank
    return len(LONGEST_FIRST)


def module_fixtures(item: pytest.Item) -> list[str]:
    """The module- and class-scoped fixtures a test uses, directly or through other fixtures."""
    fixtures = getattr(item, "_fixtureinfo", None)
    if fixtures is None:
        return []
    return sorted(
        name
        for name, definitions in fixtures.name2fixturedefs.items()
        if definitions[-1].scope in ("module", "class")
    )


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Which tests share an xdist worker (`--dist loadgroup`), so that what they share is built
    once: the tests of the demo home (they write reports, exports and docs into it) share one,
    and so do the tests of a module that share a module-scoped fixture (typically a pipeline
    run), which each worker would otherwise build again. A module's tests that share no such
    fixture (say, one pipeline run each) are in groups of their own, so the two workers can
    run them side by side."""
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(key: tuple[str, str]) -> tuple[str, str]:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    shared = {}
    for item in items:
        if item.get_closest_marker("xdist_group"):  # a module's own group stands (census_home)
            continue
        if "demo_home" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo_home"))
        elif names := module_fixtures(item):
            module = item.nodeid.split("::")[0]
            shared[item] = (module, names[0])
            for name in names[1:]:  # the smaller name stands for both (the same on every worker)
                a, b = sorted((root((module, names[0])), root((module, name))))
                parent[b] = a
    for item, key in shared.items():
        module, name = root(key)
        item.add_marker(pytest.mark.xdist_group(f"{module}::{name}"))
    # a module's tests stay together (a plain `pytest` builds each module fixture once)
    module_rank: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::")[0]
        module_rank[module] = min(module_rank.get(module, len(LONGEST_FIRST)), start_rank(item))
    items.sort(key=lambda item: module_rank[item.nodeid.split("::")[0]])  # stable


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> Path:
    """One demo publication shared by the tests that only read it (board pack, exports, guide):
    `workforce demo` for Leeds (383, calibrated to DfE's counts), which delivers DfE's
    reference files beside its extracts itself (one run)."""
    home = tmp_path_factory.mktemp("demo") / "workforce-data"
    demo = run_workforce(home, "demo")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    return home
