"""Ingestion: an asset per extract kind and DfE reference kind, all built from the contract,
and one that rejects files no kind claims, materialized together by one step. One pass over
landing/ on one warehouse connection loads every kind in the contract's order (people before
the timesheets and cases that refer to them); each asset still shows its own files, rows
quarantined and check, and any of them can be materialized alone."""

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
        asset_key=raw_key(kind),
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
        asset_key=raw_key(kind),
        check_name="dfe_file",
        passed=not (found.errors or unknown),
        severity=dg.AssetCheckSeverity.WARN
        if unknown and not found.errors
        else dg.AssetCheckSeverity.ERROR,
        description="; ".join(found.errors + unknown) or None,
        metadata={"errors": len(found.errors), "unknown_codes": len(found.unknown_codes)},
    )


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

UNRECOGNISED = dg.AssetKey(["audit", "unrecognised_files"])


def raw_key(kind: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", kind])


def extract_spec(kind: str) -> dg.AssetSpec:
    snapshot = (
        "snapshot (complete state as at the extract date)"
        if KINDS[kind].snapshot
        else "period rows (newest file wins per key)"
    )
    return dg.AssetSpec(
        raw_key(kind),
        # rows are checked against the records they refer to, so those kinds load first
        deps=[raw_key(other) for other in KINDS[kind].refers_to],
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"`{kind}` extracts from landing/<la_code>/, {snapshot}, pseudonymised.",
        skippable=True,
    )


def reference_spec(kind: str) -> dg.AssetSpec:
    """A DfE reference file (landing/ itself): every column kept as text, newest date used."""
    return dg.AssetSpec(
        raw_key(kind),
        group_name="ingestion",
        kinds={"duckdb", "python"},
        description=f"`{kind}` files from landing/ itself: {REFERENCE_KINDS[kind].description}. "
        "Every source column as text (suppression symbols survive); no personal data.",
        skippable=True,
    )


def ingestion_checks() -> list[dg.AssetCheckSpec]:
    from orchestration.publish.dfe_files import description

    return [
        *(
            dg.AssetCheckSpec(
                "quarantine_share",
                asset=raw_key(kind),
                blocking=True,
                description="No loaded file of this kind, whichever run delivered it, has "
                "more rows quarantined than max_quarantine_share (workforce.yaml) allows, "
                "unless it was accepted on the record (`workforce accept`); a corrected file "
                "supersedes it.",
            )
            for kind in KINDS
        ),
        *(
            dg.AssetCheckSpec(
                "dfe_file",
                asset=raw_key(kind),
                blocking=True,
                description=description(REFERENCE_KINDS[kind]),
            )
            for kind in REFERENCE_KINDS
        ),
    ]


@dg.multi_asset(
    name="ingest",
    specs=[
        *(extract_spec(kind) for kind in KINDS),
        *(reference_spec(kind) for kind in REFERENCE_KINDS),
        dg.AssetSpec(
            UNRECOGNISED,
            group_name="ingestion",
            kinds={"python"},
            description="Rejects (and keeps, with a reason) landed files no extract kind can "
            "claim.",
            skippable=True,
        ),
    ],
    check_specs=ingestion_checks(),
    partitions_def=PARTITIONS,
    can_subset=True,
)
def ingest(context: dg.AssetExecutionContext, workforce_run: WorkforceRun):
    selected = context.selected_asset_keys
    kinds = [kind for kind in [*KINDS, *REFERENCE_KINDS] if raw_key(kind) in selected]
    files = ingestor(context)
    reports = files.run_each(
        kinds,
        unrecognised=UNRECOGNISED in selected,
        done=lambda kind, report: context.log.info(f"raw/{kind}: {report.summary()}"),
    )
    checked = {key.asset_key for key in context.selected_asset_check_keys}
    for kind in kinds:
        check = None
        if raw_key(kind) in checked:  # (each kind has one check: evaluated when selected)
            if kind in KINDS:
                max_share = files.thresholds.max_quarantine_share
                check = quarantine_share_check(kind, max_share, files.settings)
                if not check.passed:
                    context.log.warning(check.description)
            else:
                check = dfe_file_check(kind, files.settings)
        yield dg.MaterializeResult(
            asset_key=raw_key(kind),
            metadata=report_metadata(reports[kind]),
            check_results=[check] if check else [],
        )
    if UNRECOGNISED in selected:
        report = reports[None]
        if report.rejected:
            context.log.info(f"files no kind claims: {report.summary()}")
        yield dg.MaterializeResult(asset_key=UNRECOGNISED, metadata=report_metadata(report))


ingestion_assets = [ingest]
