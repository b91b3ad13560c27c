"""What starts a run: files landing, the nightly schedule; and what a failed run leaves behind."""

import hashlib
import json
from datetime import UTC, datetime

import dagster as dg

from orchestration.ingest import landed_files, sha256_of
from orchestration.publish import record_attempt
from orchestration.settings import Settings

workforce_job = dg.define_asset_job(
    "workforce",
    selection=dg.AssetSelection.all(),
    description="Ingest every new or corrected extract, build, validate, publish.",
)

nightly = dg.ScheduleDefinition(
    name="nightly",
    job=workforce_job,
    cron_schedule="30 2 * * *",
    execution_timezone="Europe/London",
    description="For systems that deliver once a day: one full pass every night.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


@dg.sensor(
    job=workforce_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING
)
def landing_folder(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Start a run when files land. Only looks at files (never opens the warehouse)."""
    seen: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
    landing = Settings.from_env().landing
    current: dict[str, list] = {}
    new: list[tuple[str, str]] = []
    for path in landed_files(landing) if landing.exists() else []:
        name = path.relative_to(landing).as_posix()
        stat = path.stat()
        before = seen.get(name)
        if before and before[:2] == [stat.st_size, stat.st_mtime_ns]:
            current[name] = before  # unchanged since last look: no need to hash again
            continue
        sha = sha256_of(path)
        current[name] = [stat.st_size, stat.st_mtime_ns, sha]
        if not before or before[2] != sha:
            new.append((name, sha))
    requests = []
    if new:
        # Same files with the same content -> same run key -> Dagster starts no second run.
        run_key = hashlib.sha256(json.dumps(sorted(new)).encode()).hexdigest()
        requests.append(dg.RunRequest(run_key=run_key, tags={"landed_files": str(len(new))}))
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(current))


@dg.run_failure_sensor(
    monitored_jobs=[workforce_job],
    name="record_failed_publication",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def record_failed_publication(context: dg.RunFailureSensorContext) -> None:
    """A run that failed or was blocked did not publish: say so in the publications log."""
    run_id = context.dagster_run.run_id
    records = context.instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluations = [r.event_log_entry.dagster_event.asset_check_evaluation_data for r in records]
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}" for e in evaluations if not e.passed
    ]
    stats = context.instance.get_run_stats(run_id)
    started = datetime.fromtimestamp(stats.start_time or 0, UTC).replace(tzinfo=None)
    record_attempt(
        Settings.from_env(),
        run_id,
        started,
        "blocked" if failed_checks else "failed",
        failed_checks,
    )
