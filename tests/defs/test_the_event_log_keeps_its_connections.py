"""A single council's Dagster instance stores a run's events on connections it keeps open
(orchestration/instance_storage.py) rather than a new one per statement; what it writes is
read at once by another process's storage, and the UI's watch of a running run hears of each
new event although the database file itself is checkpointed only now and then."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import dagster as dg
from dagster._core.event_api import EventLogCursor
from dagster._core.events.log import EventLogEntry
from sqlalchemy import Engine, event

from orchestration.defs.launch import instance_for
from orchestration.instance_storage import KeptConnectionsSqliteEventLogStorage
from orchestration.settings import Settings


def entry(run_id: str, message: str) -> EventLogEntry:
    return EventLogEntry(
        error_info=None,
        level=logging.INFO,
        user_message=message,
        run_id=run_id,
        timestamp=time.time(),
    )


def test_a_homes_instance_writes_on_kept_connections_read_at_once_elsewhere(
    tmp_path: Path, monkeypatch
):
    monkeypatch.delenv("WORKFORCE_DAGSTER_POSTGRES_URL", raising=False)
    instance = instance_for(Settings(tmp_path / "workforce-data"))
    writer = instance.event_log_storage
    assert isinstance(writer, KeptConnectionsSqliteEventLogStorage)
    base = writer._base_dir
    reader = KeptConnectionsSqliteEventLogStorage(base)  # as the UI's process opens it

    heard = []
    arrived = threading.Event()

    def callback(record, cursor):
        heard.append(record.user_message)
        if len(heard) == 50:
            arrived.set()

    # the run under way: its file made, and read once, as the UI does as it opens the run
    writer.store_event(entry("run-1", "started"))
    (started,) = reader.get_records_for_run("run-1").records
    reader.watch("run-1", str(EventLogCursor.from_storage_id(started.storage_id)), callback)
    time.sleep(0.5)  # the watch in place
    connections = []

    def listener(dbapi_connection, _record):
        # this home's files only: another test's instance may live on in this worker process
        (_, _, path) = dbapi_connection.execute("pragma database_list").fetchone()
        if path.startswith(base):
            connections.append(path)

    event.listen(Engine, "connect", listener)
    try:
        for i in range(50):
            writer.store_event(entry("run-1", f"event {i}"))
    finally:
        event.remove(Engine, "connect", listener)
    # Dagster's own storage opens a connection for each of these statements: about 100
    assert len(connections) <= 2, len(connections)

    records = reader.get_records_for_run("run-1").records
    messages = [r.event_log_entry.user_message for r in records][1:]
    assert messages == [f"event {i}" for i in range(50)]
    assert arrived.wait(timeout=20), f"the watch heard {len(heard)} of 50 events"
    assert heard == messages
    reader.end_watch("run-1", callback)
    reader.dispose()
    instance.dispose()


def test_a_run_on_the_home_instance_is_stored_and_read_back(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("WORKFORCE_DAGSTER_POSTGRES_URL", raising=False)
    instance = instance_for(Settings(tmp_path / "workforce-data"))

    @dg.op
    def hello():
        return 1

    @dg.job
    def job():
        hello()

    result = job.execute_in_process(instance=instance)
    assert result.success
    other = dg.DagsterInstance.from_ref(instance.get_ref())  # a second process's view
    records = other.all_logs(result.run_id)
    assert any(r.dagster_event and r.dagster_event.is_step_success for r in records)
    assert other.get_run_by_id(result.run_id).is_success
    other.dispose()
    instance.dispose()
