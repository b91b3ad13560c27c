"""A hub's roll-up as the last step of every authority's run: the hub file
(published/workforce.duckdb) published again with the authority's new figures
(orchestration/hub/rollup.py). A partition of it is the hub as that authority last left it."""

import dagster as dg

from orchestration.defs.partitions import PARTITIONS
from orchestration.defs.run_guard import PUBLICATION_KEY, WorkforceRun
from orchestration.settings import Settings

HUB_KEY = dg.AssetKey(["published", "hub"])


@dg.asset(
    key=HUB_KEY,
    deps=[PUBLICATION_KEY],
    partitions_def=PARTITIONS,
    group_name="publication",
    kinds={"duckdb"},
    description="published/workforce.duckdb of a hub: every authority's kpi_values, ALL and the "
    "regional figures computed over them, the benchmarks and every authority's published rows; "
    "rolled up from what each authority's run hands over, never from its history.",
)
def hub_file(context: dg.AssetExecutionContext, workforce_run: WorkforceRun):
    from orchestration.hub.rollup import contribute

    settings = Settings.for_run(context.run.tags)
    rolled = contribute(settings, context.run.run_id, context.log.info)
    return dg.MaterializeResult(
        metadata={
            "hub_published": rolled.published,
            "hub_publication_run_id": rolled.run_id,
            "authorities": len(rolled.authorities),
            "kpi_rows": rolled.kpi_rows,
            "seconds": rolled.seconds,
            "path": dg.MetadataValue.path(str(settings.rollup().published)),
        }
    )


hub_assets = [hub_file] if PARTITIONS is not None else []
