"""The published file is checked against the digest recorded beside it at publication before
any run trusts it, and the faults around publication leave nothing behind.

- Truncated, altered in place or deleted: the next run (a no-op from the command line, or a
  run started from Dagster) writes the publication again from the warehouse, says what it
  found, exits 0, and publishes the very rows it published; when the warehouse cannot give
  them again the run fails naming the file. (An unaltered file stays byte-identical through a
  no-op run: test_pipeline_matches_the_hand_computation.py::test_rerunning_...)
- A process holding the warehouse open: the run fails once, saying so, and points only at an
  audit page it wrote.
- A publication that fails on the way (a full disk) leaves no temporary file in published/.
- A warehouse rebuilt from scratch takes the publications log over from the verified
  published file, as its first run starts.

Each works on a copy of the session's hand home (one `workforce run`, published).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.defs import defs
from orchestration.defs.ingestion import ingestion_assets
from orchestration.defs.launch import instance_for
from orchestration.publish import publication
from orchestration.publish.outcome import read_outcome
from orchestration.settings import Settings
from tests.conftest import query, run_workforce

PUBLISHED = Path("published") / "workforce.duckdb"
WAREHOUSE = Path("warehouse") / "warehouse.duckdb"
KPIS = "select * from kpi_values order by all"
LOG = "select run_id, status, started_at from publications order by started_at, run_id"
IN_PUBLISHED = ["workforce.duckdb", "workforce.duckdb.sha256.json"]


@pytest.fixture
def home(hand_home: Path, tmp_path: Path) -> Path:
    home = tmp_path / "workforce-data"
    shutil.copytree(hand_home, home)
    return home


@pytest.fixture
def in_process(home: Path, monkeypatch) -> Settings:
    """The copied home as the environment of a run started in this process (from Dagster)."""
    monkeypatch.setenv("WORKFORCE_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    return Settings.from_env()


def run_from_dagster(settings: Settings):
    """A run of the workforce job's ingestion steps, launched as the UI launches one: the run
    guard (lock, check of the published file, outcome) is the same as for any run."""
    keys = {key for asset in ingestion_assets for key in asset.keys}
    job = defs.resolve_job_def("workforce").get_subset(asset_selection=keys)
    result = job.execute_in_process(instance=instance_for(settings), raise_on_error=False)
    return read_outcome(settings, result.run_id)


def as_recorded(published: Path) -> bool:
    """The file's bytes are those whose SHA-256 publication recorded beside it."""
    record = json.loads(published.with_name(IN_PUBLISHED[1]).read_text())
    return hashlib.sha256(published.read_bytes()).hexdigest() == record["sha256"]


def folder(home: Path) -> list[str]:
    return sorted(p.name for p in (home / PUBLISHED).parent.iterdir())


# --- 1. the published file verified before it is trusted --------------------------------------


def test_a_truncated_file_is_written_again_by_a_noop_run(home: Path):
    published = home / PUBLISHED
    kpis, log = query(published, KPIS), query(published, LOG)
    with open(published, "r+b") as f:
        f.truncate(published.stat().st_size // 3)

    again = run_workforce(home)
    assert again.returncode == 0, again.stderr
    assert f"{published} was found truncated" in again.stderr
    assert "written again from the warehouse" in again.stderr and "Republished" in again.stderr
    assert "byte-identical" not in again.stderr
    assert query(published, KPIS) == kpis  # run ids included: the very publication
    assert query(published, LOG) == log
    assert as_recorded(published)
    assert folder(home) == IN_PUBLISHED


@pytest.mark.parametrize("fault", ["altered", "deleted"])
def test_a_file_altered_or_deleted_is_found_by_a_run_started_from_dagster(
    home: Path, in_process: Settings, fault: str
):
    published = in_process.published
    kpis = query(published, KPIS)
    if fault == "altered":
        with duckdb.connect(str(published)) as conn:  # someone "correcting" a figure by hand
            conn.execute("update kpi_values set value = value + 1 where kpi_code = 'inpost_fte'")
    else:
        published.unlink()

    outcome = run_from_dagster(in_process)
    assert (outcome.status, outcome.exit_code) == ("republished", 0)
    found = "altered" if fault == "altered" else "missing"
    assert f"{published} was found {found}" in outcome.published_file
    assert query(published, KPIS) == kpis
    assert as_recorded(published)
    assert folder(home) == IN_PUBLISHED


def test_a_file_the_warehouse_cannot_give_again_fails_the_run_naming_it(
    home: Path, in_process: Settings
):
    published = in_process.published
    with open(published, "r+b") as f:
        f.truncate(4096)
    # the marts no longer hold what was published (as after a build that was then blocked)
    with duckdb.connect(str(in_process.warehouse)) as conn:
        conn.execute("update marts.kpi_values set value = value + 1 where kpi_code = 'cases'")

    outcome = run_from_dagster(in_process)
    assert (outcome.status, outcome.exit_code) == ("failed", 1)
    assert f"{published} was found truncated" in outcome.error
    assert "could not be written again from the warehouse" in outcome.error
    assert published.stat().st_size == 4096  # left as found, and said so
    assert folder(home) == IN_PUBLISHED


# --- 2. faults around publication ---------------------------------------------------------------

HOLDER = """
import sys, time, duckdb
conn = duckdb.connect(sys.argv[1], read_only=True)
print("open", flush=True)
sys.stdin.read()
"""


def test_a_process_holding_the_warehouse_open_fails_the_run_once_saying_so(home: Path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home / WAREHOUSE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "open\n"
        before = (home / PUBLISHED).read_bytes()
        result = run_workforce(home)
    finally:
        holder.communicate("", timeout=30)
    assert result.returncode == 1, result.stderr
    assert result.stderr.count("Could not set lock") == 1, result.stderr
    assert f"the warehouse {home / WAREHOUSE} is open in another process" in result.stderr
    pages = [
        line.split(": ", 1)[1] for line in result.stderr.splitlines() if "Audit trail:" in line
    ]
    assert all(Path(page).exists() for page in pages), pages
    assert (home / PUBLISHED).read_bytes() == before


def full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def half_copied_then_full(source, target, *args, **kwargs):
    with open(source, "rb") as f, open(target, "wb") as out:
        out.write(f.read(1 << 16))
    full_disk()


@pytest.mark.parametrize(
    "where, fail",
    [
        ("shutil.copyfile", half_copied_then_full),  # copying the file in place: disk full
        ("os.replace", full_disk),  # the move into place
        ("orchestration.publish.publication.findings", full_disk),  # writing the tables
    ],
)
def test_a_publication_that_fails_on_the_way_leaves_no_temporary_file(
    home: Path, where: str, fail, monkeypatch
):
    settings = Settings(home)
    published = settings.published
    before = published.read_bytes()
    with duckdb.connect(str(settings.warehouse)) as conn:  # new content: a new file is written
        conn.execute("update marts.kpi_values set value = value + 1 where kpi_code = 'cases'")
    monkeypatch.setattr(where, fail)

    with pytest.raises(OSError, match="No space left"):
        publication.publish(settings, "failing-run", datetime.now())
    assert folder(home) == IN_PUBLISHED
    assert published.read_bytes() == before
    assert as_recorded(published)


def test_the_publications_log_survives_a_rebuilt_warehouse(home: Path, in_process: Settings):
    log = query(in_process.published, LOG)
    assert [status for _, status, _ in log] == ["published"]
    shutil.rmtree(home / "warehouse")  # lost: the next run builds a new one from landing/

    outcome = run_from_dagster(in_process)  # its first steps: the files are loaded again
    assert outcome.exit_code == 0 and outcome.files_loaded == 12, outcome
    audit_log = LOG.replace("from publications", "from audit.publications")
    assert query(in_process.warehouse, audit_log) == log
