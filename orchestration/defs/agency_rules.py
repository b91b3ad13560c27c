"""The agency rules' quarterly return as an asset: one partition per authority and quarter,
downstream of the published file, materialized on demand from the UI or by `workforce
agency-return` (docs/agency-rules.md).

Partitions are dynamic: each publication registers the (authority, quarter) pairs with agency
rules data, so the UI offers exactly what can be built; the command registers the pair it
builds. Like the census return, the asset is not part of the unpartitioned `workforce` job
(automation.py leaves it out): it holds real SWE numbers, so the sensor and the schedule never
build it.
"""

from pathlib import Path

import dagster as dg

from orchestration.defs import on_demand
from orchestration.defs.partitions import upstream
from orchestration.defs.run_guard import PUBLICATION_KEY
from orchestration.settings import Settings

AGENCY_RETURN_KEY = dg.AssetKey(["agency_rules", "agency_return"])
AUTHORITIES = dg.DynamicPartitionsDefinition(name="agency_return_authority")
QUARTERS = dg.DynamicPartitionsDefinition(name="agency_return_quarter")
agency_return_partitions = dg.MultiPartitionsDefinition(
    {"authority": AUTHORITIES, "quarter": QUARTERS}
)
JOB_NAME = "agency_return"
NODE = "agency_rules__agency_return"


class AgencyReturnConfig(dg.Config):
    out: str | None = None  # the folder; default $WORKFORCE_HOME/agency-returns/


def partition_key(la_code: str, quarter: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"authority": la_code, "quarter": quarter})


def register_partitions(instance: dg.DagsterInstance, pairs: list[tuple[str, str]]) -> None:
    """Add the authorities and quarters of `pairs` the instance does not know yet."""
    on_demand.register_partitions(instance, (AUTHORITIES, QUARTERS), pairs)


def published_pairs(settings: Settings) -> list[tuple[str, str]]:
    from orchestration.agency_rules.source import published_quarters

    published = published_quarters(settings)
    return [(la, quarter) for la, quarters in published.quarters.items() for quarter in quarters]


def register_published_partitions(instance: dg.DagsterInstance, settings: Settings) -> None:
    register_partitions(instance, published_pairs(settings))


@dg.asset(
    key=AGENCY_RETURN_KEY,
    deps=[upstream(PUBLICATION_KEY)],
    partitions_def=agency_return_partitions,
    group_name="agency_rules",
    kinds={"csv"},
    description="The authority's agency rules return to DfE for the quarter: every agency "
    "assignment of a registered social worker active in it, with its real SWE number and each "
    "rule's flag, and the per-rule counts and monthly agency cost; built from the build behind "
    "the publication, written owner-only. Reads restricted data (SWE numbers).",
)
def agency_return(
    context: dg.AssetExecutionContext, config: AgencyReturnConfig
) -> dg.MaterializeResult:
    from orchestration.agency_rules.run import RESTRICTED_NOTICE, write_agency_return

    keys = context.partition_key.keys_by_dimension
    context.log.warning(RESTRICTED_NOTICE)
    result = write_agency_return(
        Settings.from_env().of_authority(keys["authority"]),
        keys["authority"],
        keys["quarter"],
        Path(config.out) if config.out else None,
    )
    context.log.info(result.summary)
    return dg.MaterializeResult(
        metadata={
            "assignments_file": dg.MetadataValue.path(str(result.assignments_file)),
            "summary_file": dg.MetadataValue.path(str(result.summary_file)),
            "assignments": result.assignments,
            "missing_swe_numbers": result.missing_swe_numbers,
            **{measure: count for measure, count in result.counts.items()},
            **{f"agency_cost_gbp {month}": cost for month, cost in result.monthly_cost.items()},
            "publication_run_id": result.publication_run_id,
            "summary": result.summary,
        }
    )


agency_return_job = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.assets(AGENCY_RETURN_KEY),
    description="Build one authority's agency rules return for one quarter (on demand).",
)


def materialize_agency_return(
    settings: Settings, la_code: str, quarter: str, out: Path | None, log_path: Path
) -> tuple[dict, str | None]:
    """`workforce agency-return`: the asset's partition materialized on the home's instance, as
    the UI would. Returns (the materialization's metadata, None) or ({}, why it failed)."""
    from orchestration.defs.launch import instance_for

    register_partitions(instance_for(settings), [(la_code, quarter), *published_pairs(settings)])
    return on_demand.materialize_partition(
        settings,
        JOB_NAME,
        NODE,
        partition_key(la_code, quarter),
        out,
        log_path,
        "workforce agency-return (command line)",
    )
