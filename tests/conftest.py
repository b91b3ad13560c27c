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


DFE_REFERENCE_FILES = {
    "dfe_indicators": REFERENCE / "csww_indicators_2017_to_2025.csv",
    "dfe_statistical_neighbours": REFERENCE / "New_Statistical_Neighbour_Groupings_April_2021.csv",
}


def drop_dfe_reference_files(landing: Path, extract_date: str = "20251201") -> None:
    """Deliver the DfE indicators and neighbour groupings as a council would: landing/ itself."""
    landing.mkdir(parents=True, exist_ok=True)
    for kind, source in DFE_REFERENCE_FILES.items():
        (landing / f"{kind}_{extract_date}.csv").write_bytes(source.read_bytes())


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


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Which tests share an xdist worker (`--dist loadgroup`), so that what they share is built
    once: the tests of the demo home (they write reports, exports and docs into it) share one,
    and so do the tests of a module that builds a module-scoped fixture (typically a pipeline
    run), which each worker would otherwise build again."""
    for item in items:
        fixtures = getattr(item, "_fixtureinfo", None)
        if "demo_home" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo_home"))
        elif fixtures and any(
            definitions[-1].scope in ("module", "class")
            for definitions in fixtures.name2fixturedefs.values()
        ):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> Path:
    """One demo publication shared by the tests that only read it (board pack, exports, guide):
    `workforce demo` for Leeds (383, calibrated to DfE's counts) with the DfE reference files
    delivered beside it (one run)."""
    home = tmp_path_factory.mktemp("demo") / "workforce-data"
    drop_dfe_reference_files(home / "landing")
    demo = run_workforce(home, "demo")
    assert demo.returncode == 0, demo.stdout + demo.stderr
    return home
