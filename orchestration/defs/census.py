"""The DfE census return as an asset: one partition per authority and census year, downstream
of the published file, materialized on demand from the UI or by `workforce census`.

Partitions are dynamic: each publication registers the (authority, census year) pairs it
holds, so the UI offers exactly what can be built; the command registers the pair it builds.
The asset is not part of the unpartitioned `workforce` job (automation.py leaves it out), so
the sensor and the schedule never build a return: it holds real identifiers and is made only
when someone asks for it.
"""

from pathlib import Path

import dagster as dg

from orchestration.defs import on_demand
from orchestration.defs.partitions import upstream
from orchestration.defs.run_guard import PUBLICATION_KEY
from orchestration.settings import Settings

CENSUS_KEY = dg.AssetKey(["census", "csww_return"])
# the dbt models the return's records come from (models/intermediate/census_return)
CENSUS_MODELS = [
    dg.AssetKey(["intermediate", f"int_census_return_{part}"])
    for part in ("employed", "agency", "la_level")
]
AUTHORITIES = dg.DynamicPartitionsDefinition(name="census_authority")
CENSUS_YEARS = dg.DynamicPartitionsDefinition(name="census_year")
census_partitions = dg.MultiPartitionsDefinition(
    {"authority": AUTHORITIES, "census_year": CENSUS_YEARS}
)
READY_CHECK = "ready_to_submit"


class CensusConfig(dg.Config):
    out: str | None = None  # the XML's path; default $WORKFORCE_HOME/census/csww-<la>-<year>.xml


def partition_key(la_code: str, census_year: int) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"authority": la_code, "census_year": str(census_year)})


def register_partitions(instance: dg.DagsterInstance, pairs: list[tuple[str, int]]) -> None:
    """Add the authorities and census years of `pairs` the instance does not know yet."""
    on_demand.register_partitions(
        instance, (AUTHORITIES, CENSUS_YEARS), [(la, str(year)) for la, year in pairs]
    )


def register_published_partitions(instance: dg.DagsterInstance, settings: Settings) -> None:
    from orchestration.census.source import published_years

    register_partitions(instance, published_years(settings))


@dg.asset(
    key=CENSUS_KEY,
    deps=[upstream(key) for key in (PUBLICATION_KEY, *CENSUS_MODELS)],
    partitions_def=census_partitions,
    group_name="census",
    kinds={"xml"},
    check_specs=[
        dg.AssetCheckSpec(
            READY_CHECK,
            asset=CENSUS_KEY,
            description="No error of DfE's schema or business rules: the return can be "
            "submitted (queries are answered in COLLECT).",
        )
    ],
    description="The authority's Children's Social Work Workforce census return (DfE XML) for "
    "the census year, built from the build behind the publication, validated against DfE's "
    "schema and business rules, written owner-only with its validation report. Reads restricted "
    "data (dates of birth, SWE numbers).",
)
def csww_return(context: dg.AssetExecutionContext, config: CensusConfig) -> dg.MaterializeResult:
    from orchestration.census.run import RESTRICTED_NOTICE, generate_census_return

    keys = context.partition_key.keys_by_dimension
    la_code, census_year = keys["authority"], int(keys["census_year"])
    context.log.warning(RESTRICTED_NOTICE)
    result = generate_census_return(
        Settings.from_env().of_authority(la_code),
        la_code,
        census_year,
        Path(config.out) if config.out else None,
    )
    context.log.info(result.summary)
    if result.note:
        context.log.warning(result.note)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "ready": result.ready,
            "workers": result.workers,
            "errors": len(result.errors),
            "queries": len(result.queries),
            "report": dg.MetadataValue.path(str(result.report_html)),
            "report_csv": dg.MetadataValue.path(str(result.report_csv)),
            "publication_run_id": result.publication_run_id,
            "summary": result.summary,
            "collection": result.collection,
            "encoding_note": result.note or "",
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=READY_CHECK,
                passed=result.ready,
                severity=dg.AssetCheckSeverity.WARN,
                metadata={"errors": len(result.errors), "queries": len(result.queries)},
            )
        ],
    )


census_job = dg.define_asset_job(
    "census_return",
    selection=dg.AssetSelection.assets(CENSUS_KEY),
    description="Build one authority's DfE census return for one census year (on demand).",
)


def materialize_census_return(
    settings: Settings, la_code: str, census_year: int, out: Path | None, log_path: Path
) -> tuple[dict, str | None]:
    """`workforce census`: the asset's partition materialized on the home's instance, as the
    UI would. Returns (the materialization's metadata, None) or ({}, why it failed)."""
    from orchestration.census.source import published_years
    from orchestration.defs.launch import instance_for

    register_partitions(
        instance_for(settings), [(la_code, census_year), *published_years(settings)]
    )
    return on_demand.materialize_partition(
        settings,
        "census_return",
        "census__csww_return",
        partition_key(la_code, census_year),
        out,
        log_path,
        "workforce census (command line)",
    )
