"""Python assets: one ingestion asset per extract kind and DfE reference kind, and the
publication."""

from datetime import UTC, datetime

import dagster as dg

from orchestration.contract import KINDS, REFERENCE_KINDS
from orchestration.ingest import Ingestor, IngestReport
from orchestration.publish import CheckRecord, publish
from orchestration.settings import Settings

# Rows are checked against the people they refer to, so those kinds load first.
REFERS_TO = {
    "agency_timesheets": ["agency_assignments"],
    "case_allocations": ["hr_staff", "agency_assignments"],
}


def report_metadata(report: IngestReport) -> dict:
    return {
        "files_loaded": len(report.loaded),
        "files_corrected": len(report.corrected),
        "files_skipped": len(report.skipped),
        "files_rejected": len(report.rejected),
        "rows_quarantined": sum(rows for _, rows, _ in report.quarantined),
        "rejections": dg.MetadataValue.md(
            "\n".join(f"- {reason}" for _, reason in report.rejected) or "none"
        ),
    }


def ingestion_asset(kind: str) -> dg.AssetsDefinition:
    snapshot = (
        "snapshot (complete state as at the extract date)"
        if KINDS[kind].snapshot
        else ("period rows (newest file wins per key)")
    )
    key = dg.AssetKey(["raw", kind])

    @dg.asset(
        key=key,
        deps=[dg.AssetKey(["raw", other]) for other in REFERS_TO.get(kind, [])],
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"`{kind}` extracts from landing/<la_code>/, {snapshot}, pseudonymised.",
        check_specs=[
            dg.AssetCheckSpec(
                "quarantine_share",
                asset=key,
                blocking=True,
                description="No file of this run has more rows quarantined than "
                "max_quarantine_share (workforce.yaml) allows.",
            )
        ],
    )
    def ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        ingestor = Ingestor(Settings.from_env(), context.run_id, context.log.debug)
        report = ingestor.run([kind])
        context.log.info(report.summary())
        too_much = report.too_much_quarantined(ingestor.thresholds.max_quarantine_share)
        for line in too_much:
            context.log.warning(line)
        return dg.MaterializeResult(
            metadata=report_metadata(report),
            check_results=[
                dg.AssetCheckResult(
                    check_name="quarantine_share",
                    passed=not too_much,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description="; ".join(too_much) or None,
                    metadata={"files_over_threshold": len(too_much)},
                )
            ],
        )

    return ingest


def reference_ingestion_asset(kind: str) -> dg.AssetsDefinition:
    """A DfE reference file (landing/ itself): every column kept as text, newest date used."""

    @dg.asset(
        key=["raw", kind],
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"`{kind}` files from landing/ itself: {REFERENCE_KINDS[kind].description}. "
        "Every source column as text (suppression symbols survive); no personal data.",
    )
    def ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        report = Ingestor(Settings.from_env(), context.run_id, context.log.debug).run([kind])
        context.log.info(report.summary())
        return dg.MaterializeResult(metadata=report_metadata(report))

    return ingest


@dg.asset(
    key=["audit", "unrecognised_files"],
    group_name="ingestion",
    kinds={"python"},
    description="Rejects (and keeps, with a reason) landed files no extract kind can claim.",
)
def unrecognised_files(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    report = Ingestor(Settings.from_env(), context.run_id, context.log.debug).run(
        [], unrecognised=True
    )
    if report.rejected:
        context.log.info(f"files no kind claims: {report.summary()}")
    return dg.MaterializeResult(metadata=report_metadata(report))


ingestion_assets = [
    *(ingestion_asset(kind) for kind in KINDS),
    *(reference_ingestion_asset(kind) for kind in REFERENCE_KINDS),
    unrecognised_files,
]


def checks_of_run(context: dg.AssetExecutionContext) -> list[CheckRecord]:
    """Every asset check evaluated so far in this run (the publication step runs after them)."""
    asset_graph = context.job_def.asset_layer.asset_graph  # set in every run, in-process too
    records = context.instance.get_records_for_run(
        context.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    checks = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        key = evaluation.asset_check_key
        spec = asset_graph.get_check_spec(key) if asset_graph.has(key) else None
        checks.append(
            CheckRecord(
                asset=key.asset_key.to_user_string(),
                check_name=key.name,
                passed=evaluation.passed,
                severity=evaluation.severity.value,
                # what was wrong, if anything; else what the check checks
                description=evaluation.description or (spec.description if spec else None),
            )
        )
    return checks


def publication_asset(validated: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish step; it depends on every validated relation so any failed check blocks it."""

    @dg.asset(
        key=["published", "workforce"],
        deps=validated,
        group_name="publication",
        kinds={"duckdb"},
        description="published/workforce.duckdb: kpi_values, the marts and the publications log,"
        " replaced atomically after every blocking check passed.",
    )
    def published_workforce(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        settings = Settings.from_env()
        stats = context.instance.get_run_stats(context.run_id)
        started_at = datetime.fromtimestamp(stats.start_time or datetime.now().timestamp(), UTC)
        publication = publish(
            settings, context.run_id, started_at.replace(tzinfo=None), checks_of_run(context)
        )
        if publication.published:
            context.log.info(f"published {publication.kpi_rows} KPI rows to {settings.published}")
        else:
            context.log.info(
                f"nothing changed: the publication of run {publication.run_id} stays in place"
            )
        return dg.MaterializeResult(
            metadata={
                "published": publication.published,
                "publication_run_id": publication.run_id,
                "kpi_rows": publication.kpi_rows,
                "path": dg.MetadataValue.path(str(settings.published)),
            }
        )

    return published_workforce
