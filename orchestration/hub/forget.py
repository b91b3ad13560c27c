"""`workforce forget --la CODE`: an authority leaves a hub, and its data with it.

Everything of an authority lives in its own room of each folder of the home
(`<folder>/<la_code>/`: landing, warehouse, archive, rejected, published, audit, dbt, secrets,
census, agency-returns, reports, exports, logs), so forgetting it removes those rooms whole.
Then its rows leave the hub's warehouse and the hub file is published again without them (the
hub's publications log no longer names its files: hub/rollup.py, `forget`); its runs leave the Dagster instance
(their logs name its files) and its partition goes. What stays is one line in
audit/forgotten.jsonl saying which authority was forgotten, when, by whom and how much was
removed: nothing of its data.
"""

from __future__ import annotations

import getpass
import json
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from orchestration.settings import HUB, PARTITION_TAG, Settings
from orchestration.warehouse import warehouse_lock

FORGOTTEN_LOG = Path("audit") / "forgotten.jsonl"


@dataclass
class Forgotten:
    la_code: str
    files_removed: int = 0
    folders: list[str] = field(default_factory=list)
    runs_deleted: int = 0
    hub_authorities: list[str] = field(default_factory=list)
    hub_published: bool = False

    def summary(self) -> str:
        return (
            f"Authority {self.la_code} forgotten: {self.files_removed} files in "
            f"{len(self.folders)} folders removed ({', '.join(self.folders) or 'none'}), "
            f"{self.runs_deleted} Dagster runs deleted; the hub file now holds "
            f"{len(self.hub_authorities)} authorities"
        )


def rooms(home: Settings, la_code: str) -> list[Path]:
    """The authority's room in every folder of the home."""
    if not home.home.is_dir():
        return []
    return sorted(
        folder / la_code
        for folder in home.home.iterdir()
        if folder.is_dir() and (folder / la_code).is_dir() and la_code != HUB
    )


def forget(home: Settings, la_code: str, log=print) -> Forgotten:
    """Remove the authority everywhere (refused while its run holds its warehouse)."""
    from orchestration.hub import rollup

    tenant = home.for_authority(la_code)
    done = Forgotten(la_code)
    run_id = f"forget-{uuid.uuid4()}"
    with warehouse_lock(tenant.lock_file, {"run_id": run_id, "launched_by": "workforce forget"}):
        for room in rooms(home, la_code):
            done.files_removed += sum(1 for p in room.rglob("*") if p.is_file())
            done.folders.append(room.relative_to(home.home).as_posix())
            shutil.rmtree(room)
    published = rollup.forget(home, la_code, run_id, log)
    if published:
        done.hub_authorities, done.hub_published = published.authorities, published.published
    done.runs_deleted = forget_in_dagster(home, la_code)
    record(home, done)
    return done


def forget_in_dagster(home: Settings, la_code: str) -> int:
    """Delete the authority's runs (their event logs name its files) and its partitions."""
    from orchestration.defs.launch import instance_for
    from orchestration.defs.partitions import AUTHORITY

    instance = instance_for(home)
    deleted = 0
    for run in instance.get_runs():
        partition_values = {
            part
            for key, value in run.tags.items()
            if key.startswith(PARTITION_TAG)
            for part in value.split("|")
        }
        if la_code in partition_values:
            instance.delete_run(run.run_id)
            delete_check_executions(instance, run.run_id)
            # its captured output (the run's progress lines name the authority's files)
            shutil.rmtree(home.dagster_home / "storage" / run.run_id, ignore_errors=True)
            deleted += 1
    for name in (AUTHORITY, "census_authority", "agency_return_authority"):
        if instance.has_dynamic_partition(name, la_code):
            instance.delete_dynamic_partition(name, la_code)
    # the landing sensor's memory of files it saw (their names): looked at afresh next tick
    shutil.rmtree(home.dagster_home / "landing-seen", ignore_errors=True)
    vacuum_sqlite(home.dagster_home)
    return deleted


def delete_check_executions(instance, run_id: str) -> None:
    """Dagster's `delete_run` leaves the run's asset check evaluations in its index (each
    names the files behind the figures it checked)."""
    from dagster._core.storage.event_log.schema import AssetCheckExecutionsTable

    table = AssetCheckExecutionsTable
    with instance.event_log_storage.index_connection() as conn:
        conn.execute(table.delete().where(table.c.run_id == run_id))


def vacuum_sqlite(dagster_home: Path) -> None:
    """A sqlite instance's files rewritten: deleted rows can outlive their deletion in free
    pages. (A Postgres instance's are reclaimed by its own VACUUM.)"""
    import sqlite3

    for database in dagster_home.rglob("*.db"):
        with sqlite3.connect(database) as conn:
            conn.execute("vacuum")


def record(home: Settings, done: Forgotten) -> None:
    log = home.home / FORGOTTEN_LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "la_code": done.la_code,
        "forgotten_at": f"{datetime.now():%Y-%m-%dT%H:%M:%S}",
        "forgotten_by": getpass.getuser(),
        "files_removed": done.files_removed,
        "folders": done.folders,
        "runs_deleted": done.runs_deleted,
    }
    with log.open("a") as f:
        f.write(json.dumps(entry) + "\n")
