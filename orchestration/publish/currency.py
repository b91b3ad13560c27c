"""Whether anything is new since the publication in place: decided from the warehouse (read
only) and the files in landing/, without Dagster, so that the answer costs a fraction of a
second.

Two callers ask. A run (defs/launch.py) with nothing new plans its ingestion step alone.
The command line (`workforce run`), with nothing new and the published file verified in
place, starts no run at all, as the landing sensor and the nightly schedule start none."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from orchestration.ingest.landing import landed_files_of, landed_name, sha256_of
from orchestration.ingest.ledger import Ledger
from orchestration.settings import Settings


@dataclass(frozen=True)
class Current:
    """Nothing is new: `run_id`'s publication reflects every landed file and the project;
    `in_place` when the published file is verified against its recorded digest (otherwise a
    run writes it again from the warehouse as it starts, run_guard.py)."""

    run_id: str
    in_place: bool


def current(settings: Settings) -> Current | None:
    """The publication that already reflects every file in landing/, if nothing new landed:
    then only the ingestion step needs to run (it sees every file already loaded).
    A published file found missing or altered counts as nothing new only when the warehouse
    can write it again as it was (the run does so as it starts, run_guard.py); otherwise the
    run builds and publishes. A look only: read-only, and it gives way (None) to anything
    holding the warehouse.

    A loaded file over its quarantine bound (and not accepted) is never "nothing new": the
    run must evaluate its check again, and block, whatever else it finds."""
    from orchestration.config import load_thresholds
    from orchestration.ingest.quarantine_share import blocking
    from orchestration.publish.publication import (
        CannotRepublish,
        republishable,
        up_to_date_since,
        verify_in_place,
    )

    if not settings.warehouse.exists():
        return None
    try:
        conn = duckdb.connect(str(settings.warehouse), read_only=True)
    except duckdb.Error:
        return None
    with conn:
        try:
            seen = Ledger(conn, settings, run_id="").recorded_stats()
        except duckdb.BinderException:  # a warehouse from before the landed_* columns
            return None
        if blocking(conn, load_thresholds(settings.home).max_quarantine_share):
            return None
        known = set(conn.execute("select file_name, file_id from audit.files").fetchall())
        landing = settings.landing
        for path in landed_files_of(settings):
            name, status = landed_name(path, landing), path.lstat()
            if (status.st_size, status.st_mtime_ns) in seen.get(name, ()):
                continue  # recorded as it stands: not read again, as ingestion does
            if (name, sha256_of(path)) not in known:
                return None
        since = up_to_date_since(conn, settings, check_file=False)
        if not since:
            return None
        if verify_in_place(conn, settings).ok:
            return Current(since, in_place=True)
        try:
            republishable(conn)
        except CannotRepublish:
            return None
        return Current(since, in_place=False)


def nothing_new(settings: Settings) -> str | None:
    """The run whose publication already reflects every landed file, if nothing is new."""
    found = current(settings)
    return found.run_id if found else None
