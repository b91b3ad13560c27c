"""`workforce run` and `workforce dev`: the workforce job on the home's persistent Dagster
instance ($WORKFORCE_HOME/dagster), so a run from the command line shows in the UI's run
history with its logs, exactly like one started by the sensor, the schedule or the UI."""

from __future__ import annotations

import fcntl
import logging
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path

import dagster as dg

from orchestration.defs import defs
from orchestration.defs.dbt import FULL_REFRESH_TAG
from orchestration.defs.ingestion import ingestion_assets
from orchestration.defs.partitions import register_authorities
from orchestration.defs.run_guard import LAUNCHED_BY_TAG, root_cause
from orchestration.publish.currency import nothing_new
from orchestration.publish.outcome import RunOutcome, read_outcome
from orchestration.settings import PROJECT_ROOT, Settings

INSTANCE_SETTINGS = PROJECT_ROOT / "dagster.yaml"
POSTGRES_URL_ENV = "WORKFORCE_DAGSTER_POSTGRES_URL"


def instance_settings() -> bytes:
    """The project's dagster.yaml; with WORKFORCE_DAGSTER_POSTGRES_URL set, the Postgres
    storage (runs, event log, schedules) in place of its sqlite storage, naming the variable:
    the URL and its password are read from the environment by each Dagster process, never
    written into the file.

    The URL names dagster-postgres's driver, `postgresql+psycopg2://`: SQLAlchemy 2.1 reads a
    plain `postgresql://` as psycopg 3, which is not installed."""
    project, url = INSTANCE_SETTINGS.read_bytes(), os.environ.get(POSTGRES_URL_ENV)
    if not url:
        return project
    if not url.startswith("postgresql+psycopg2://"):
        raise ValueError(f"{POSTGRES_URL_ENV} must start postgresql+psycopg2:// (psycopg2's URL)")
    storage = f"storage:\n  postgres:\n    postgres_url:\n      env: {POSTGRES_URL_ENV}\n"
    sqlite = project.index(b"\nstorage:\n")  # the project's storage block, last in the file
    return project[: sqlite + 1] + storage.encode()


def prepare_instance(settings: Settings) -> Path:
    """$WORKFORCE_HOME/dagster with the project's instance settings (the run queue; the
    storage on PostgreSQL when WORKFORCE_DAGSTER_POSTGRES_URL is set). Written beside and
    moved into place, so that a process starting at the same time never reads half a file."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    target, wanted = home / "dagster.yaml", instance_settings()
    if not target.exists() or target.read_bytes() != wanted:
        written = target.with_name(f".dagster.yaml.{os.getpid()}")
        written.write_bytes(wanted)
        os.replace(written, target)
    return home


def instance_for(settings: Settings) -> dg.DagsterInstance:
    """The home's instance. Opened under a lock: two runs starting at once on a new home (a
    hub's authorities) would otherwise both create its sqlite storage and stamp its schema
    version twice, which Dagster then refuses to open."""
    home = prepare_instance(settings)
    os.environ["DAGSTER_HOME"] = str(home)
    with (home / ".opening.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return dg.DagsterInstance.get()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class ProgressFormatter(logging.Formatter):
    """One short line per pipeline message: what happened, not the run's bookkeeping."""

    # Dagster's notes on a step that yields nothing on purpose (dbt with nothing new), and
    # dagster-dbt's on how it calls dbt (the log file has them; the progress lines say more)
    QUIET = (
        "did not yield or return expected outputs",
        "due to skipped dependencies",
        "A dbt subsetted execution is not being performed",
        "to take advantage of partial parsing",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(note in record.getMessage() for note in self.QUIET)

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", {}) or {}
        step = (meta.get("step_key") or "").replace("__", "/")
        message = meta.get("orig_message") or record.getMessage()
        return f"  {step}: {message}" if step else f"  {message}"


@dg.logger(description="Compact progress lines on stderr for the workforce CLI.")
def progress(_init_context) -> logging.Logger:
    log = logging.Logger("workforce.progress", level=logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    formatter = ProgressFormatter()
    handler.setFormatter(formatter)
    handler.addFilter(formatter.filter)
    log.addHandler(handler)
    return log


def run_pipeline(
    settings: Settings,
    log_path: Path,
    full_refresh: bool = False,
    anything_new: bool | None = None,
) -> RunOutcome:
    """One run of the workforce job, in this process, on the persistent instance. With
    nothing new, the run is the job's ingestion step alone: the dbt build, its hundreds of
    checks and the publication are not even planned, so a no-op costs seconds.
    `anything_new`: the caller's look (`publish/currency.py`), when it has had one."""
    instance = instance_for(settings)
    if settings.la_code:  # a hub's authority: its partition, added when first run
        register_authorities(instance, [settings.la_code])
    job = defs.resolve_job_def("workforce")
    if anything_new is None:
        anything_new = full_refresh or not nothing_new(settings)
    if not anything_new:
        job = job.get_subset(asset_selection={k for a in ingestion_assets for k in a.keys})
    job = job.with_logger_defs({"progress": progress})
    # dbt's own output goes to the log file; the console shows the progress lines
    with log_path.open("w") as log, redirect_stdout(log):
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"progress": {}}},
            partition_key=settings.la_code,
            tags={
                LAUNCHED_BY_TAG: "workforce run (command line)",
                **({FULL_REFRESH_TAG: "true"} if full_refresh else {}),
            },
        )
    outcome = read_outcome(settings, result.run_id)
    if outcome is None:  # the run stopped before it could conclude (see run_guard.py)
        failures = [e for e in result.all_events if e.is_step_failure or e.is_failure]
        errors = [
            root_cause(e.step_failure_data.error) if e.is_step_failure else e.message
            for e in failures
        ]
        # every step meets the same error when they share its cause: said once
        said = list(dict.fromkeys(filter(None, errors)))
        outcome = RunOutcome(result.run_id, "failed", error="; ".join(said) or "the run failed")
    return outcome


def workforce_job() -> dg.JobDefinition:
    """The job as a run worker loads it (`dg.reconstructable` needs a module-level function)."""
    return defs.resolve_job_def("workforce")
