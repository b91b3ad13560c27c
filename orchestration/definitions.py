"""The Dagster code location: `dagster dev` in the project root loads `defs` from here."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets import ingestion_assets, publication_asset
from orchestration.automation import (
    landing_folder,
    nightly,
    record_failed_publication,
    workforce_job,
)
from orchestration.checks import gx_checks, validated_relations
from orchestration.dbt import workforce_dbt_models
from orchestration.manifest import dbt_project
from orchestration.settings import DBT_EXECUTABLE

defs = dg.Definitions(
    assets=[
        *ingestion_assets,
        workforce_dbt_models,
        publication_asset([dg.AssetKey(["marts", "kpi_values"]), *validated_relations]),
    ],
    asset_checks=gx_checks,
    jobs=[workforce_job],
    schedules=[nightly],
    sensors=[landing_folder, record_failed_publication],
    resources={"dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)},
    # DuckDB allows one writer: steps run one after another in one process.
    executor=dg.in_process_executor,
)
