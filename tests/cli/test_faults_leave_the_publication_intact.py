"""The pipeline survives faults and concurrent use: real `workforce run` processes, real files.

- A run killed (SIGKILL, no chance to clean up) during ingestion, the dbt build, validation or
  publication is followed by a rerun that exits 0 and publishes exactly what an uninterrupted
  run on the same landing folder publishes; no file is loaded twice; the published file is
  never half-written, and a killed run leaves no process and no stale temporary file behind.
- An analyst holding `published/workforce.duckdb` open read-only (and querying it in a loop)
  does not block a run, and never sees an incomplete `kpi_values`.
- Two runs at once on one WORKFORCE_HOME: one publishes, the other is refused at once, naming
  the lock, and the warehouse is fine for the next run.

Kill points are chosen by watching what the run does (inotify on the folders it writes, its
progress lines, the SQL dbt writes before each model), never by sleeping; after each kill the
test checks from the run's output that the kill landed before the end of the phase named.
The kill itself lands a few milliseconds after the sign, which is most of a publication of
this small fixture (about 12 ms), so "never half-written" is checked where the kill lands.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from tests.cli.test_incremental_runs_publish_what_one_run_publishes import deliver_all
from tests.cli.test_pipeline_matches_the_hand_computation import write_hand_fixture
from tests.conftest import PROJECT_ROOT, WORKFORCE, query, run_workforce

PUBLISHED = Path("published") / "workforce.duckdb"
WAREHOUSE = Path("warehouse") / "warehouse.duckdb"
KPIS = "select * exclude (published_run_id) from kpi_values order by all"


# --- running and killing `workforce run` ------------------------------------------------------


@dataclass
class Run:
    """A `workforce run` in the background; its output is collected line by line as it comes."""

    home: Path
    proc: subprocess.Popen
    output: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self):
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.output.append(line)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def wait(self, timeout: float = 600) -> int:
        returncode = self.proc.wait(timeout)
        self.reader.join(timeout=10)
        return returncode


def start_run(home: Path) -> Run:
    env = {**os.environ, "WORKFORCE_HOME": str(home)}
    env.pop("WORKFORCE_PSEUDONYM_KEY", None)
    proc = subprocess.Popen(
        [str(WORKFORCE), "run"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Run(home, proc)


def process_tree(pid: int) -> list[int]:
    """Every descendant of `pid` (dbt runs as a child of `workforce run`)."""
    children = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[ppid].append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children[todo.pop()]:
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")  # a zombie holds no files


def kill(run: Run, orphan_grace: float = 60) -> None:
    """SIGKILL the run's own process only, as an OOM killer or `kill -9` would."""
    run.proc.send_signal(signal.SIGSTOP)  # frozen at once, where it is, while we look around
    children = process_tree(run.proc.pid)
    run.proc.send_signal(signal.SIGKILL)
    assert run.wait() == -signal.SIGKILL, run.text
    # Its children (dbt) get no signal; they must not outlive it for long, or they would keep
    # the warehouse locked (and keep writing it) while the next run starts.
    deadline = time.monotonic() + orphan_grace
    while (left := [pid for pid in children if alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes of the killed run still alive after {orphan_grace} s: {left}"


# --- observing where a run is -----------------------------------------------------------------

IN_CREATE, IN_MOVED_TO = 0x100, 0x80
_libc = ctypes.CDLL(None, use_errno=True)


class Condition:
    """Something a run has reached; `idle` waits a moment before it is asked again."""

    def __call__(self, run: Run) -> bool:
        raise NotImplementedError

    def idle(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        pass


class Created(Condition):
    """A file whose name ends with `suffix` was created in `folder` (inotify: however briefly)."""

    def __init__(self, folder: Path, suffix: str):
        self.suffix = suffix
        self.fd = _libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        assert self.fd >= 0, os.strerror(ctypes.get_errno())
        wd = _libc.inotify_add_watch(self.fd, str(folder).encode(), IN_CREATE | IN_MOVED_TO)
        assert wd >= 0, f"{folder}: {os.strerror(ctypes.get_errno())}"
        self.seen: list[str] = []

    def __call__(self, run: Run) -> bool:
        try:
            data = os.read(self.fd, 1 << 16)
        except BlockingIOError:
            data = b""
        while data:
            _, _, _, length = struct.unpack_from("iIII", data)
            self.seen.append(data[16 : 16 + length].rstrip(b"\0").decode())
            data = data[16 + length :]
        return any(name.endswith(self.suffix) for name in self.seen)

    def idle(self, seconds: float) -> None:
        select.select([self.fd], [], [], seconds)  # woken the moment a file is created

    def close(self) -> None:
        os.close(self.fd)


class Printed(Condition):
    """The run printed a progress line containing `text`."""

    def __init__(self, text: str):
        self.text = text

    def __call__(self, run: Run) -> bool:
        return any(self.text in line for line in run.output)


class DbtBuilding(Condition):
    """dbt has started on the models of `layer` in this run: it writes each model's SQL under
    the home's dbt target folder just before running it (a newer file than the arming time)."""

    def __init__(self, home: Path, layer: str):
        self.models = home / "dbt" / "run" / "csc_workforce" / "models" / layer
        self.armed = time.time_ns()

    def __call__(self, run: Run) -> bool:
        try:
            return any(sql.stat().st_mtime_ns >= self.armed for sql in self.models.rglob("*.sql"))
        except FileNotFoundError:  # dbt replaced a file while we looked; look again
            return False


def wait_until(run: Run, condition: Condition, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition(run):
        if run.proc.poll() is not None:
            run.wait()
            pytest.fail(f"the run ended (exit {run.proc.returncode}) before {what}:\n{run.text}")
        if time.monotonic() > deadline:
            run.proc.kill()
            pytest.fail(f"no sign of {what} after {timeout} s:\n{run.text}")
        condition.idle(0.002)


# --- what is in a home ------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def landed(home: Path) -> list[tuple[str, str]]:
    landing = home / "landing"
    return sorted(
        (p.relative_to(landing).as_posix(), sha256(p)) for p in landing.rglob("*") if p.is_file()
    )


def loaded(home: Path) -> list[tuple[str, str]]:
    return sorted(
        query(
            home / WAREHOUSE,
            "select file_name, file_id from audit.files where status = 'loaded'",
        )
    )


def assert_nothing_loaded_twice(home: Path) -> None:
    twice = query(
        home / WAREHOUSE,
        "select la_code, kind, extract_date, count(*) from audit.files where status = 'loaded' "
        "group by all having count(*) > 1",
    )
    assert not twice, f"loaded more than once: {twice}"


def raw_tables(home: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(home / WAREHOUSE), read_only=True) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' "
                "order by 1"
            ).fetchall()
        ]
        return {
            name: conn.execute(f"select * from raw.{name} order by all").fetchall()
            for name in names
        }


def assert_complete_publication(published: Path) -> str:
    """A whole DuckDB file that opens read-only, with a non-empty kpi_values of one run."""
    ((rows, run_ids),) = query(
        published, "select count(*), list(distinct published_run_id) from kpi_values"
    )
    assert rows > 50 and len(run_ids) == 1, (rows, run_ids)
    statuses = query(published, "select status from publications where run_id = ?", run_ids)
    assert statuses == [("published",)]
    return run_ids[0]


def debris(home: Path) -> list[str]:
    """Temporary files a killed run may leave: a half-archived extract, a half-built publication."""
    return sorted(
        p.relative_to(home).as_posix()
        for p in [*(home / "archive").rglob("*.partial"), *(home / "published").glob(".*")]
    )


@pytest.fixture(scope="session")  # the shared hand_home: not a module's own build
def published_base(hand_home: Path) -> Path:
    """The hand fixture, run once and published."""
    return hand_home


# --- 1. killed mid-run ------------------------------------------------------------------------


def test_a_run_killed_at_any_point_is_completed_by_the_next_run(
    one_run_over_every_delivery: Path, tmp_path: Path
):
    # Compared with the uninterrupted run over the final landing folder, with its pseudonym
    # key (so raw tables compare row for row).
    reference = one_run_over_every_delivery
    home = tmp_path / "killed" / "workforce-data"
    write_hand_fixture(home / "landing")
    (home / "secrets").mkdir(parents=True)
    shutil.copy2(reference / "secrets" / "pseudonym.key", home / "secrets" / "pseudonym.key")

    # The very first run, killed once its first ingestion asset has committed.
    run = start_run(home)
    wait_until(run, Printed("ingest: raw/"), "the first extracts were loaded")
    kill(run)
    assert "workforce_dbt_models" not in run.text, run.text
    assert (home / WAREHOUSE).exists() and not (home / PUBLISHED).exists()
    assert_nothing_loaded_twice(home)

    first = start_run(home)
    assert first.wait() == 0, first.text
    # What the killed run committed stays loaded; the rest is loaded now.
    counts = re.search(r"(\d+) file\(s\) loaded, (\d+) already loaded", first.text)
    assert counts and int(counts[1]) > 0 and int(counts[2]) > 0, first.text
    published = home / PUBLISHED
    before = sha256(published)
    first_run_id = assert_complete_publication(published)

    deliver_all(home / "landing")
    # (phase, what to wait for, a progress line the run must not have printed when killed)
    kill_points = [
        (
            "ingestion (a new extract being archived, its transaction open)",
            lambda: Created(home / "archive" / "383" / "hr_staff", ".partial"),
            "raw/hr_staff:",
        ),
        (
            "the dbt build (intermediate models)",
            lambda: DbtBuilding(home, "intermediate"),
            "Finished dbt command",
        ),
        (
            "validation, just before publication",
            lambda: Printed("Finished dbt command"),
            "published/workforce:",
        ),
        (
            "publication, the new file's tables being written (its write-ahead log exists)",
            lambda: Created(home / "published", ".wal"),
            "published/workforce:",
        ),
    ]
    for phase, make_condition, not_yet in kill_points:
        condition = make_condition()  # armed before the run starts: no event can be missed
        run = start_run(home)
        try:
            wait_until(run, condition, phase)
        finally:
            condition.close()
        kill(run)
        assert not_yet not in run.text, f"killed too late for {phase}:\n{run.text}"
        # Before publication the published file is the old one, to the byte; killed in the
        # middle of publication it may be the old one or the new one, but whole.
        run_id = assert_complete_publication(published)
        if not phase.startswith("publication"):
            assert sha256(published) == before, f"published file changed by a kill in {phase}"
            assert run_id == first_run_id
        assert_nothing_loaded_twice(home)

    final = start_run(home)
    assert final.wait() == 0, final.text
    assert debris(home) == [], "a killed run's temporary files were left behind"

    # Published: exactly what the uninterrupted run published.
    kpis = query(published, KPIS)
    assert len(kpis) > 50
    assert kpis == query(reference / PUBLISHED, KPIS)
    assert assert_complete_publication(published) != first_run_id

    # Loaded: every landed file exactly once, and the raw tables row for row the same.
    assert_nothing_loaded_twice(home)
    assert loaded(home) == landed(home) == loaded(reference)
    ours, theirs = raw_tables(home), raw_tables(reference)
    assert {k: len(v) for k, v in ours.items()} == {k: len(v) for k, v in theirs.items()}
    assert ours == theirs
    superseded = query(
        home / WAREHOUSE, "select file_name from audit.files where status = 'superseded'"
    )
    assert superseded == [("202/hr_absence_20251031.csv",)]


# --- 2. a reader holding the published file open ----------------------------------------------

READER = """
import json, os, sys, time
import duckdb

mode, path, stop = sys.argv[1:]
sql = "select count(*), list(distinct published_run_id order by 1) from kpi_values"
held = duckdb.connect(path, read_only=True) if mode == "held" else None
while not os.path.exists(stop):
    if held:
        rows, ids = held.execute(sql).fetchone()
    else:  # a new connection each time (in its own process: DuckDB caches one per path)
        with duckdb.connect(path, read_only=True) as conn:
            rows, ids = conn.execute(sql).fetchone()
    print(json.dumps([rows, ids]), flush=True)
    time.sleep(0.02 if held else 0.005)
"""


class Reader:
    """An analyst's process querying the published file read-only, in a loop, until told."""

    def __init__(self, mode: str, published: Path, stop: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", READER, mode, str(published), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.seen: list[tuple[int, tuple[str, ...]]] = []
        self.collector = threading.Thread(target=self._collect, daemon=True)
        self.collector.start()

    def _collect(self) -> None:
        for line in self.proc.stdout:
            rows, ids = json.loads(line)
            self.seen.append((rows, tuple(ids)))

    def finish(self) -> str:
        """Wait for the reader to stop; its errors, if any."""
        try:
            self.proc.wait(timeout=60)
        finally:
            self.proc.kill()
        self.collector.join(timeout=10)
        return self.proc.stderr.read()


def wait_for(predicate, what: str, readers: list[Reader], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for reader in readers:
            if reader.proc.poll() is not None:
                pytest.fail(f"a reader stopped (exit {reader.proc.returncode}): {reader.finish()}")
        assert time.monotonic() < deadline, f"no sign of {what} after {timeout} s"
        time.sleep(0.01)


def test_a_reader_holding_the_published_file_open_does_not_block_publication(
    published_base: Path, tmp_path: Path
):
    home = tmp_path / "workforce-data"
    shutil.copytree(published_base, home)
    published = home / PUBLISHED
    old_id = assert_complete_publication(published)
    ((old_rows,),) = query(published, "select count(*) from kpi_values")
    deliver_all(home / "landing")  # new content, so the run publishes a new file
    stop = tmp_path / "stop-reading"

    held, fresh = Reader("held", published, stop), Reader("fresh", published, stop)
    try:
        wait_for(lambda: held.seen and fresh.seen, "the readers reading", [held, fresh])
        run = start_run(home)
        assert run.wait() == 0, run.text
        new_id = assert_complete_publication(published)
        assert new_id != old_id and f"Run {new_id}:" in run.text
        ((new_rows,),) = query(published, "select count(*) from kpi_values")
        wait_for(
            lambda: fresh.seen[-1] == (new_rows, (new_id,)), "the new file read", [held, fresh]
        )
        reading_during_run = len(held.seen)
    finally:
        stop.touch()
        errors = {"held": held.finish(), "fresh": fresh.finish()}

    assert held.proc.returncode == 0 and fresh.proc.returncode == 0, errors
    old, new = (old_rows, (old_id,)), (new_rows, (new_id,))
    # The connection held open throughout keeps reading the publication it opened...
    assert set(held.seen) == {old}
    # ...and a connection opened at any moment sees one whole publication, old, then new.
    assert set(fresh.seen) == {old, new}
    switched = [seen == new for seen in fresh.seen]
    assert switched == sorted(switched), "a new connection saw the old file after the new one"
    assert reading_during_run > 20  # it really was reading while the run went on


# --- 3. two runs at once ----------------------------------------------------------------------


def test_a_second_run_at_the_same_time_is_refused_naming_the_lock(
    published_base: Path, tmp_path: Path
):
    home = tmp_path / "workforce-data"
    shutil.copytree(published_base, home)
    deliver_all(home / "landing")
    logs_before = set((home / "logs").glob("run-*.log"))
    published = home / PUBLISHED

    runs = [start_run(home), start_run(home)]
    deadline = time.monotonic() + 120
    while all(r.proc.poll() is None for r in runs) and time.monotonic() < deadline:
        time.sleep(0.05)
    refused = next((r for r in runs if r.proc.poll() is not None), None)
    assert refused is not None, "neither run finished within 120 s"
    winner = runs[1] if refused is runs[0] else runs[0]
    assert refused.wait() == 1, refused.text
    refused_after = time.monotonic() - refused.started
    assert winner.proc.poll() is None, "the refused run was not refused while the other ran"
    lock = home / "warehouse" / "run.lock"
    assert "Another workforce run" in refused.text and str(lock) in refused.text, refused.text
    assert refused_after < 60, f"refused only after {refused_after:.0f} s"

    assert winner.wait() == 0, winner.text
    run_id = assert_complete_publication(published)
    assert f"Run {run_id}:" in winner.text
    # The refused run started nothing: one new run log, the winner's.
    assert len(set((home / "logs").glob("run-*.log")) - logs_before) == 1

    following = run_workforce(home)
    assert following.returncode == 0, following.stderr
    assert_nothing_loaded_twice(home)
    assert loaded(home) == landed(home)


# --- 4. dbt never outlives its step -----------------------------------------------------------


@pytest.mark.parametrize("ignores_terminate", [False, True])
def test_a_dbt_process_left_running_by_a_failed_step_is_stopped(ignores_terminate: bool):
    from orchestration.defs.dbt import stop, terminable_children

    trap = "trap '' TERM; " if ignores_terminate else ""
    before = signal.signal(signal.SIGTERM, signal.SIG_IGN)  # as Dagster leaves it where
    try:  # SIGINT is ignored (a run in the background of a script, a pytest-xdist worker)
        with terminable_children():  # as dbt is started in a run
            process = subprocess.Popen(
                ["sh", "-c", f"{trap}echo ready; sleep 60 & wait"],
                stdout=subprocess.PIPE,
                text=True,
            )
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN  # put back as it was
    finally:
        signal.signal(signal.SIGTERM, before)
    assert process.stdout.readline() == "ready\n"  # its trap is in place
    started = time.monotonic()
    stop(process, grace_seconds=1)
    assert process.returncode == (-signal.SIGKILL if ignores_terminate else -signal.SIGTERM)
    assert time.monotonic() - started < 10
