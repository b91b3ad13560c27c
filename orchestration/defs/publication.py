"""The publication asset: published/workforce.duckdb, after every blocking check passed."""

import dagster as dg

from orchestration.defs.agency_rules import (
    register_published_partitions as register_agency_return_partitions,
)
from orchestration.defs.census import register_published_partitions
from orchestration.defs.partitions import PARTITIONS
from orchestration.defs.run_guard import (
    PUBLICATION_KEY,
    WorkforceRun,
    checks_of_run,
    started_at_of,
)
from orchestration.publish.candidate import DESCRIPTION
from orchestration.publish.outcome import CheckResult, audit_folder
from orchestration.settings import Settings

PUBLISHED_FILE_CHECK = "published_file"


def described(context: dg.AssetExecutionContext, checks: list[CheckResult]) -> list[CheckResult]:
    """Each check with what was wrong, if anything; else what the check guards."""
    asset_graph = context.job_def.asset_layer.asset_graph  # set in every run, in-process too
    out = []
    for check in checks:
        key = dg.AssetCheckKey(dg.AssetKey.from_user_string(check.asset), check.check_name)
        spec = asset_graph.get_check_spec(key) if asset_graph.has(key) else None
        description = check.description or (spec.description if spec else None)
        out.append(CheckResult(**{**check.__dict__, "description": description}))
    return out


def failing_upstream(context: dg.AssetExecutionContext) -> list[str]:
    """The blocking checks upstream of the publication whose latest evaluation, in this run
    or an earlier one, failed. In a whole run they were evaluated just now, and Dagster stops
    the step on a failure itself; a launch of the publication alone (from the UI, say)
    evaluates none of them, and must not publish data last judged failing."""
    from dagster._core.storage.asset_check_execution_record import (
        COMPLETED_ASSET_CHECK_EXECUTION_RECORD_STATUSES as COMPLETED,
    )

    from orchestration.defs import defs

    # the whole graph's checks: a job of the publication alone knows only its own
    asset_graph = defs.resolve_asset_graph()
    keys = [k for k in asset_graph.asset_check_keys if k.asset_key != PUBLICATION_KEY]
    storage = context.instance.event_log_storage
    latest = storage.get_latest_asset_check_execution_by_key(keys)
    failing = []
    for key, record in latest.items():
        if record.status not in COMPLETED:  # planned, never evaluated: its last evaluation
            history = storage.get_asset_check_execution_history(key, limit=1, status=COMPLETED)
            record = history[0] if history else None
        evaluation = record and record.event and record.event.dagster_event.event_specific_data
        if (
            evaluation
            and not evaluation.passed
            and evaluation.severity == dg.AssetCheckSeverity.ERROR
        ):
            failing.append(f"{key.asset_key.to_user_string()}:{key.name} (run {record.run_id})")
    return sorted(failing)


def publication_asset(validated: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish step; it depends on every validated relation so any failed check blocks it."""

    @dg.asset(
        key=PUBLICATION_KEY,
        partitions_def=PARTITIONS,
        deps=validated,
        group_name="publication",
        kinds={"duckdb"},
        description="published/workforce.duckdb: kpi_values, the marts and the publications log,"
        " replaced atomically after every blocking check passed, its own included.",
        check_specs=[
            dg.AssetCheckSpec(
                PUBLISHED_FILE_CHECK, asset=PUBLICATION_KEY, blocking=True, description=DESCRIPTION
            )
        ],
        # a candidate that fails its check is not published: no materialization then
        output_required=False,
    )
    def published_workforce(context: dg.AssetExecutionContext, workforce_run: WorkforceRun):
        from orchestration.publish.publication import publish

        settings = Settings.for_run(context.run.tags)
        run_id = context.run.run_id
        if failing := failing_upstream(context):
            found = (
                "the data to publish was last judged failing, and this run did not check it "
                "again: " + "; ".join(failing) + " (run the whole job: `workforce run`)"
            )
            context.log.error(f"not published; the publication in place stays: {found}")
            yield dg.AssetCheckResult(
                check_name=PUBLISHED_FILE_CHECK,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=found,
            )
            return
        checks = described(context, checks_of_run(context.instance, run_id))
        publication = publish(settings, run_id, started_at_of(context.instance, run_id), checks)
        checked = dg.AssetCheckResult(
            check_name=PUBLISHED_FILE_CHECK,
            passed=not publication.blocked,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(publication.findings) or None,
            metadata={
                "findings": dg.MetadataValue.md(
                    "\n".join(f"- {f}" for f in publication.findings) or "none"
                )
            },
        )
        if publication.blocked:
            context.log.error(
                "the candidate file failed its check; the publication in place stays: "
                + "; ".join(publication.findings)
            )
            # Dagster fails the step on this blocking check's failure; the run concludes
            # `blocked` (run_guard.py), as when a check on the marts fails
            yield checked
            return
        if publication.published:
            context.log.info(f"published {publication.kpi_rows} KPI rows to {settings.published}")
        else:
            context.log.info(
                f"nothing changed: the publication of run {publication.run_id} stays in place"
            )
        # the census return's partitions: every authority and census year now published
        register_published_partitions(context.instance, settings)
        # and the agency rules return's: every authority and quarter with agency rules data
        register_agency_return_partitions(context.instance, settings)
        audit = audit_folder(settings, run_id)
        yield dg.MaterializeResult(
            check_results=[checked],
            metadata={
                "published": publication.published,
                "publication_run_id": publication.run_id,
                "kpi_rows": publication.kpi_rows,
                "path": dg.MetadataValue.path(str(settings.published)),
                # written when the run concludes, after this step (see run_guard.py)
                "summary": dg.MetadataValue.path(str(audit / "summary.json")),
                "quarantine": dg.MetadataValue.path(str(audit / "quarantine.csv")),
                "validation": dg.MetadataValue.path(str(audit / "validation.html")),
                "gx_results": dg.MetadataValue.path(str(audit / "gx")),
            },
        )

    return published_workforce
