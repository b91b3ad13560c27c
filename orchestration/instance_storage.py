"""The Dagster instance's sqlite storage for a single council's home: Dagster's own tables and
files, with the event log's connections kept open.

Dagster's sqlite event log opens a new engine and connection for every statement it runs. A run
stores about a thousand events (each dbt node's materialization or check, planned and then
evaluated), each a handful of statements on the run's database and the index, so a run paid
for thousands of connections: every close of the last connection to a WAL database checkpoints
it, every commit waits for the disk (synchronous FULL), every new engine compiles its SQL
again. That was 8 s of a 20 s run.

Here the event log keeps one connection per database file (the index, and the few run files
most recently used), in SQLite's recommended mode for WAL databases (synchronous NORMAL: a
commit does not wait for the disk; an interrupted process loses nothing it committed, a power
cut at worst the last events, never the database). Statements, transactions (one per call,
committed before it returns) and files are Dagster's own.

An open connection means the WAL is checkpointed into the database file only now and then,
while the UI learns of a running run's new events by watching that file: the watch here
follows the WAL too, so the UI shows them as they are written. A hub's instance is on
PostgreSQL, whose storage pools its connections already."""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._config import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from dagster._core.storage.sqlite_storage import DagsterSqliteStorage, _event_logs_directory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool
from watchdog.events import FileSystemEvent
from watchdog.observers import Observer


def commit_without_waiting_for_the_disk(connection, _record) -> None:
    connection.execute("PRAGMA synchronous=NORMAL")


class KeptConnectionsSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's per-run sqlite event log, each database file's connection kept open."""

    RUN_FILES_KEPT = 4  # beside the index: a long-lived process (the UI) reads many runs

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # one statement at a time on a file's one connection: Dagster's own lock
        with self._db_lock:
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None and shard in self._initialized_dbs:
            self._engines.move_to_end(shard)
            return engine
        if engine is not None:  # the storage was wiped or upgraded since
            engine.dispose()
        engine = create_engine(
            self.conn_string_for_shard(shard),
            poolclass=StaticPool,  # one connection, used under the lock above
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", commit_without_waiting_for_the_disk)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        self._engines.move_to_end(shard)
        while len(self._engines) > self.RUN_FILES_KEPT + 1:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def close_connections(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self.close_connections()  # before Dagster removes the files
        super().wipe()

    def dispose(self) -> None:
        self.close_connections()
        super().dispose()

    def watch(self, run_id: str, cursor: str | None, callback) -> None:
        """Dagster's watch of a run's events, following the run's WAL as well as its file."""
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = WalWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (
            watchdog,
            self._obs.schedule(watchdog, self._base_dir, recursive=True),
        )


class WalWatchdog(SqliteEventLogStorageWatchdog):
    """Dagster's watchdog of a run's database file, and of its write-ahead log, where a
    committed event lands first."""

    def __init__(self, storage, run_id, callback, cursor, **kwargs):
        super().__init__(storage, run_id, callback, cursor, **kwargs)
        self._patterns = [self._log_path, f"{self._log_path}-wal"]

    def on_modified(self, event: FileSystemEvent) -> None:
        self._process_log()


class WorkforceSqliteStorage(DagsterSqliteStorage):
    """Dagster's sqlite storage (runs, event log, schedules) under `base_dir`, by default
    $DAGSTER_HOME/storage as Dagster's own default, with the event log above."""

    def __init__(self, base_dir: str, inst_data=None):
        super().__init__(base_dir, inst_data)
        self._event_log_storage = KeptConnectionsSqliteEventLogStorage(
            _event_logs_directory(base_dir)
        )

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        base_dir = config_value.get("base_dir") or os.path.join(
            os.environ["DAGSTER_HOME"], "storage"
        )
        return cls.from_local(base_dir, inst_data=inst_data)
