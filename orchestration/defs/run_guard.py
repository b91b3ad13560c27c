"""The resource every step of the workforce job requires, so every run has it whoever started
it (`workforce run`, the landing sensor, the nightly schedule, a launch from the UI).

The job runs in one process (in-process executor), so the resource is set up once before the
first step and torn down after the last. Set-up takes the warehouse lock (a second run is
refused, naming the first), checks the pseudonym key against the warehouse's (a run with
another key, or with none where pseudonyms exist, is refused before any step, exit 1, as is
one under a workforce.yaml that cannot be read or says what cannot be), opens the warehouse
once (a run that cannot, because another process holds it open, fails there, saying so once,
before any step) and checks the published file against the digest recorded at publication,
writing it again from the warehouse when it was found missing or altered
(publish/publication.py, `check_publication`); tear-down concludes the run: it reads what
happened from the run's own event log, decides the one `RunOutcome`, logs a publication
attempt that did not publish, writes the audit trail and tags the run with its outcome, then
lets the lock go.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn

import dagster as dg
import duckdb

from orchestration.ingest.pseudonyms import KeyRefused, check_key
from orchestration.publish.outcome import CheckResult, RunOutcome, decide
from orchestration.settings import Settings
from orchestration.warehouse import WarehouseBusy, connect, warehouse_lock, warehouse_unavailable

if TYPE_CHECKING:
    from orchestration.publish.publication import PublishedFileCheck

PUBLICATION_KEY = dg.AssetKey(["published", "workforce"])
OUTCOME_TAG = "workforce/outcome"
EXIT_CODE_TAG = "workforce/exit_code"
LAUNCHED_BY_TAG = "workforce/launched_by"


def launched_by(run: dg.DagsterRun) -> str:
    tags = run.tags
    if LAUNCHED_BY_TAG in tags:
        return tags[LAUNCHED_BY_TAG]
    if "dagster/sensor_name" in tags:
        return f"sensor {tags['dagster/sensor_name']}"
    if "dagster/schedule_name" in tags:
        return f"schedule {tags['dagster/schedule_name']}"
    return "the Dagster UI"


class WorkforceRun(dg.ConfigurableResource):
    """The warehouse lock and the run's outcome (see the module docstring)."""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WorkforceRun]:
        run = context.run
        try:
            settings = Settings.for_run(run.tags)
        except ValueError as unpartitioned:  # a hub's run names its authority
            raise dg.Failure(description=str(unpartitioned), allow_retries=False) from None
        settings.prepare()
        instance = context.instance
        who = launched_by(run)
        try:
            lock = warehouse_lock(settings.lock_file, {"run_id": run.run_id, "launched_by": who})
            lock.__enter__()
        except WarehouseBusy as busy:
            stop_before_any_step(
                settings,
                instance,
                RunOutcome(run.run_id, "refused", launched_by=who, error=str(busy)),
            )
        from orchestration.config import ConfigError, load_thresholds  # pyarrow: at run time

        try:  # the pseudonym key is the warehouse's: else no step runs, nothing is loaded
            check_key(settings, context.log.warning)
            load_thresholds(settings.home)  # and workforce.yaml says what can be
        except (KeyRefused, ConfigError) as refused:
            context.log.error(str(refused))
            stop_before_any_step(
                settings,
                instance,
                RunOutcome(run.run_id, "failed", launched_by=who, error=str(refused)),
                lock,
            )
        started_at = datetime.now()
        try:
            from orchestration.publish.publication import check_publication

            checked = check_publication(settings, run.run_id)
        except duckdb.Error as error:
            # Before any step: every step would meet the same error, and so would the end
            said = warehouse_unavailable(settings, error)
            stop_before_any_step(
                settings,
                instance,
                RunOutcome(run.run_id, "failed", launched_by=who, error=said),
                lock,
            )
        if checked.found:
            (context.log.info if checked.verified else context.log.error)(checked.found)
        try:
            yield self
        finally:
            try:
                outcome = conclude(context, settings, started_at, who, checked)
                if outcome.status in ("unchanged", "republished"):
                    carry_over_checks(instance, run, outcome.publication_run_id)
                tag(instance, outcome)
                (context.log.error if outcome.exit_code else context.log.info)(
                    f"{outcome.headline()}; audit trail: {settings.run_audit / run.run_id}"
                )
            finally:
                lock.__exit__(None, None, None)


def stop_before_any_step(
    settings: Settings,
    instance: dg.DagsterInstance,
    outcome: RunOutcome,
    lock: AbstractContextManager | None = None,
) -> NoReturn:
    """A run refused as it starts: its outcome in the audit trail and on its tags, the lock let
    go (when it was taken), and no step run."""
    from orchestration.publish.audit_trail import write_run_audit

    try:
        write_run_audit(settings, outcome, conn=None)
        tag(instance, outcome)
    finally:
        if lock is not None:
            lock.__exit__(None, None, None)
    raise dg.Failure(description=outcome.error, allow_retries=False) from None


def tag(instance: dg.DagsterInstance, outcome: RunOutcome) -> None:
    instance.add_run_tags(
        outcome.run_id, {OUTCOME_TAG: outcome.status, EXIT_CODE_TAG: str(outcome.exit_code)}
    )


def records(instance: dg.DagsterInstance, run_id: str, event_type: dg.DagsterEventType):
    return [
        r.event_log_entry.dagster_event
        for r in instance.get_records_for_run(run_id, of_type=event_type, limit=100_000).records
    ]


def root_cause(error) -> str:
    """The innermost error of Dagster's wrapping: the one that says what went wrong."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def checks_of_run(instance: dg.DagsterInstance, run_id: str) -> list[CheckResult]:
    checks = []
    for event in records(instance, run_id, dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = event.asset_check_evaluation_data
        checks.append(
            CheckResult(
                asset=evaluation.asset_key.to_user_string(),
                check_name=evaluation.check_name,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                description=evaluation.description,
            )
        )
    return sorted(checks, key=lambda c: (c.asset, c.check_name))


def conclude(
    context: dg.InitResourceContext,
    settings: Settings,
    started_at: datetime,
    who: str,
    checked: PublishedFileCheck,
) -> RunOutcome:
    """The run's outcome, from its event log; recorded in the warehouse and the audit trail.
    `checked`: what the check of the published file found as the run started."""
    from orchestration.ingest.ledger import write_listing
    from orchestration.ingest.quarantine_share import accepted_loaded
    from orchestration.publish.audit_trail import write_run_audit
    from orchestration.publish.publication import record_attempt, up_to_date_since, verify_in_place

    instance, run_id = context.instance, context.run.run_id
    checks = checks_of_run(instance, run_id)
    step_errors = [
        f"{e.step_key}: {root_cause(e.step_failure_data.error)}"
        for e in records(instance, run_id, dg.DagsterEventType.STEP_FAILURE)
    ]
    outcome = RunOutcome(
        run_id, "failed", launched_by=who, checks=checks, published_file=checked.found
    )
    publication = None
    for event in records(instance, run_id, dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = event.step_materialization_data.materialization
        metadata = {k: v.value for k, v in materialization.metadata.items()}
        outcome.files_loaded += metadata.get("files_loaded", 0) + metadata.get("files_corrected", 0)
        outcome.files_skipped += metadata.get("files_skipped", 0)
        outcome.rows_quarantined += metadata.get("rows_quarantined", 0)
        outcome.held += metadata.get("files_held", [])
        outcome.passed_over += metadata.get("files_passed_over", [])
        if materialization.asset_key == PUBLICATION_KEY:
            publication = metadata
    planned = any(
        e.asset_materialization_planned_data.asset_key == PUBLICATION_KEY
        for e in records(instance, run_id, dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED)
    )
    with ExitStack() as stack:
        try:
            conn = stack.enter_context(connect(settings.warehouse))
        except duckdb.Error as error:  # opened by another process since the run started
            outcome.error = warehouse_unavailable(settings, error)
            write_run_audit(settings, outcome, conn=None)
            return outcome
        outcome.rejected = [
            reason
            for (reason,) in conn.execute(
                "select reason from audit.files where run_id = ? and status = 'rejected' "
                "order by file_name",
                [run_id],
            ).fetchall()
        ]
        outcome.accepted = [
            {**a, "accepted_at": str(a["accepted_at"]), "extract_date": str(a["extract_date"])}
            for a in accepted_loaded(conn)
        ]
        current = None if publication else up_to_date_since(conn, settings)
        outcome.status, outcome.error = decide(
            run_id,
            checks=checks,
            step_errors=step_errors,
            refused=None,
            publication=publication,
            publication_planned=planned,
            up_to_date_since=current,
        )
        if publication:
            outcome.publication_run_id = publication["publication_run_id"]
            outcome.kpi_rows = publication["kpi_rows"]
        elif current:
            outcome.publication_run_id = current
        if checked.republished and outcome.status in ("unchanged", "not_published"):
            outcome.status = "republished"
        elif not checked.verified and outcome.status in ("unchanged", "not_published"):
            # found missing or altered, not written again, and this run did not publish
            if not verify_in_place(conn, settings).ok:
                outcome.status, outcome.error = "failed", checked.found
        if outcome.status in ("blocked", "failed"):
            failed = [f"{c.asset}:{c.check_name}" for c in outcome.failed_checks]
            record_attempt(conn, run_id, started_at, outcome.status, failed)
        write_run_audit(settings, outcome, conn)
        # what the sensor and the schedule read instead of the warehouse (ingest/ledger.py)
        up_to_date = outcome.status in ("published", "unchanged", "republished")
        write_listing(conn, settings, outcome.publication_run_id if up_to_date else None)
    return outcome


def carry_over_checks(instance: dg.DagsterInstance, run: dg.DagsterRun, since: str | None) -> int:
    """With nothing new the build is skipped, so a run launched with every step (from the UI,
    say) leaves the checks of the marts and the published file planned and not evaluated,
    which Dagster shows as their latest execution, "skipped", hiding the evaluation behind
    the publication in place. Each such check is given that evaluation again, from the run
    whose publication is in place (its result, severity, metadata and the materialization it
    checked), saying so. (The CLI, the sensor and the schedule plan no such checks.)"""
    from dagster._core.events import DagsterEventBatchMetadata, generate_event_batch_id

    if not since:
        return 0
    evaluated = {
        (e.asset_check_evaluation_data.asset_key, e.asset_check_evaluation_data.check_name)
        for e in records(instance, run.run_id, dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    }
    planned = {
        (e.event_specific_data.asset_key, e.event_specific_data.check_name): e.step_key
        for e in records(instance, run.run_id, dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED)
    }
    published = {
        (e.asset_check_evaluation_data.asset_key, e.asset_check_evaluation_data.check_name): (
            e.asset_check_evaluation_data
        )
        for e in records(instance, since, dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    }
    carried = [
        (planned[key], published[key])
        for key in planned
        if key not in evaluated and key in published
    ]
    note = f"not evaluated again: nothing new since run {since}, whose result this is"
    batch = generate_event_batch_id()
    for i, (step_key, before) in enumerate(carried):
        evaluation = dg.AssetCheckEvaluation(
            asset_key=before.asset_key,
            check_name=before.check_name,
            passed=before.passed,
            metadata={**before.metadata, "evaluated_in_run": dg.MetadataValue.text(since)},
            target_materialization_data=before.target_materialization_data,
            severity=before.severity,
            description=f"{note}: {before.description}" if before.description else note,
            blocking=before.blocking,
            partition=before.partition,
        )
        instance.report_dagster_event(
            dg.DagsterEvent(
                event_type_value=dg.DagsterEventType.ASSET_CHECK_EVALUATION.value,
                job_name=run.job_name,
                step_key=step_key,
                event_specific_data=evaluation,
                message=f"{before.asset_key.to_user_string()}:{before.check_name}: {note}",
            ),
            run_id=run.run_id,
            batch_metadata=DagsterEventBatchMetadata(batch, i == len(carried) - 1),
        )
    return len(carried)


def started_at_of(instance: dg.DagsterInstance, run_id: str) -> datetime:
    stats = instance.get_run_stats(run_id)
    return datetime.fromtimestamp(stats.start_time or datetime.now().timestamp(), UTC).replace(
        tzinfo=None
    )
