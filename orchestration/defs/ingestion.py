"""Ingestion assets: one per extract kind and DfE reference kind, all built from the
contract, plus the asset that rejects files no kind claims."""

from typing import TYPE_CHECKING

import dagster as dg

from orchestration.contract import KINDS, REFERENCE_KINDS
from orchestration.defs.partitions import PARTITIONS
from orchestration.defs.run_guard import WorkforceRun
from orchestration.settings import Settings

if TYPE_CHECKING:
    from orchestration.ingest.run import Ingestor, IngestReport


def ingestor(context: dg.AssetExecutionContext) -> "Ingestor":
    from orchestration.ingest.run import Ingestor  # pandas and pyarrow: only when a run ingests

    return Ingestor(Settings.for_run(context.run.tags), context.run.run_id, context.log.debug)


def report_metadata(report: "IngestReport") -> dict:
    return {
        "files_loaded": len(report.loaded),
        "files_corrected": len(report.corrected),
        "files_skipped": len(report.skipped),
        "files_rejected": len(report.rejected),
        "rows_quarantined": sum(rows for _, rows, _ in report.quarantined),
        "rejections": dg.MetadataValue.md(
            "\n".join(f"- {reason}" for _, reason in report.rejected + report.held) or "none"
        ),
        # read by the run's conclusion (run_guard.py) into its outcome and summary.json
        "files_held": dg.MetadataValue.json([reason for _, reason in report.held]),
        "files_passed_over": dg.MetadataValue.json(report.passed_over),
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
        partitions_def=PARTITIONS,
        # rows are checked against the records they refer to, so those kinds load first
        deps=[dg.AssetKey(["raw", other]) for other in KINDS[kind].refers_to],
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"`{kind}` extracts from landing/<la_code>/, {snapshot}, pseudonymised.",
        check_specs=[
            dg.AssetCheckSpec(
                "quarantine_share",
                asset=key,
                blocking=True,
                description="No loaded file of this kind, whichever run delivered it, has "
                "more rows quarantined than max_quarantine_share (workforce.yaml) allows, "
                "unless it was accepted on the record (`workforce accept`); a corrected file "
                "supersedes it.",
            )
        ],
    )
    def ingest(context: dg.AssetExecutionContext, workforce_run: WorkforceRun):
        files = ingestor(context)
        report = files.run([kind])
        context.log.info(report.summary())
        checked = quarantine_share_check(
            kind, files.thresholds.max_quarantine_share, files.settings
        )
        if not checked.passed:
            context.log.warning(checked.description)
        return dg.MaterializeResult(metadata=report_metadata(report), check_results=[checked])

    return ingest


def quarantine_share_check(kind: str, max_share: float, settings: Settings) -> dg.AssetCheckResult:
    """Over every loaded file of the kind, not only this run's: a file over its bound blocks
    every run until a correction supersedes it or it is accepted (ingest/quarantine_share.py).
    It reads the ledger's per-file counts: a no-op run evaluates it too, in milliseconds."""
    from orchestration.ingest.quarantine_share import over_bound
    from orchestration.warehouse import connect

    with connect(settings.warehouse, read_only=True) as conn:
        found = over_bound(conn, max_share, [kind])
    blocking = [f for f in found if f.blocks]
    accepted = [f for f in found if not f.blocks]
    return dg.AssetCheckResult(
        check_name="quarantine_share",
        passed=not blocking,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(f.line() for f in blocking + accepted) or None,
        metadata={
            "files_over_threshold": len(blocking),
            "files_accepted": len(accepted),
            "max_quarantine_share": max_share,
            "files": dg.MetadataValue.md("\n".join(f"- {f.line()}" for f in found) or "none"),
        },
    )


def reference_ingestion_asset(kind: str) -> dg.AssetsDefinition:
    """A DfE reference file (landing/ itself): every column kept as text, newest date used."""
    from orchestration.publish.dfe_files import description

    key = dg.AssetKey(["raw", kind])

    @dg.asset(
        key=key,
        partitions_def=PARTITIONS,
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"`{kind}` files from landing/ itself: {REFERENCE_KINDS[kind].description}. "
        "Every source column as text (suppression symbols survive); no personal data.",
        check_specs=[
            dg.AssetCheckSpec(
                "dfe_file",
                asset=key,
                blocking=True,
                description=description(REFERENCE_KINDS[kind]),
            )
        ],
    )
    def ingest(context: dg.AssetExecutionContext, workforce_run: WorkforceRun):
        files = ingestor(context)
        report = files.run([kind])
        context.log.info(report.summary())
        return dg.MaterializeResult(
            metadata=report_metadata(report), check_results=[dfe_file_check(kind, files.settings)]
        )

    return ingest


def dfe_file_check(kind: str, settings: Settings) -> dg.AssetCheckResult:
    """The stored DfE file's shape (publish/dfe_files.py): a broken one blocks publication, an
    authority code the seed does not know only warns (DfE may list one before the seed does)."""
    from orchestration.publish.dfe_files import SHAPES, check_dfe_file
    from orchestration.warehouse import connect

    with connect(settings.warehouse, read_only=True) as conn:
        found = check_dfe_file(conn, REFERENCE_KINDS[kind])
    what = "regions" if SHAPES[kind].regions else "authority codes"
    unknown = (
        [f"{what} not in seeds/dfe_authorities.csv: {', '.join(found.unknown_codes)}"]
        if found.unknown_codes
        else []
    )
    return dg.AssetCheckResult(
        check_name="dfe_file",
        passed=not (found.errors or unknown),
        severity=dg.AssetCheckSeverity.WARN
        if unknown and not found.errors
        else dg.AssetCheckSeverity.ERROR,
        description="; ".join(found.errors + unknown) or None,
        metadata={"errors": len(found.errors), "unknown_codes": len(found.unknown_codes)},
    )


@dg.asset(
    key=["audit", "unrecognised_files"],
    partitions_def=PARTITIONS,
    group_name="ingestion",
    kinds={"python"},
    description="Rejects (and keeps, with a reason) landed files no extract kind can claim.",
)
def unrecognised_files(context: dg.AssetExecutionContext, workforce_run: WorkforceRun):
    report = ingestor(context).run([], unrecognised=True)
    if report.rejected:
        context.log.info(f"files no kind claims: {report.summary()}")
    return dg.MaterializeResult(metadata=report_metadata(report))


# The ledger every ingestion step writes and dbt reads as a source: declared here so that it
# sits with ingestion in the asset graph (Dagster would otherwise file it under `default`).
files_ledger = dg.AssetSpec(
    ["audit", "files"],
    partitions_def=PARTITIONS,
    group_name="ingestion",
    kinds={"duckdb"},
    description="audit.files: one row per delivered file (loaded, superseded or rejected), "
    "with its SHA-256, authority, kind, extract date and row counts; written by ingestion.",
)

ingestion_assets = [
    *(ingestion_asset(kind) for kind in KINDS),
    *(reference_ingestion_asset(kind) for kind in REFERENCE_KINDS),
    unrecognised_files,
]
