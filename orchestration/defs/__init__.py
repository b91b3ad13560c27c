"""Every Dagster definition of the project, and nothing else imports Dagster.

ingestion.py    one asset per extract kind (built from the contract) and DfE reference kind,
                with their checks (quarantine share, DfE files as loaded)
dbt.py          the dbt project's models, seeds and tests as assets and blocking checks
checks.py       the Great Expectations suites and the plausibility bounds as blocking checks
publication.py  the published file, and its own check on the candidate before the swap
census.py       the DfE census return: an asset per authority and census year, on demand
agency_rules.py the agency rules' quarterly return: an asset per authority and quarter, on demand
run_guard.py    the resource every step requires: the warehouse lock and the run's outcome
hub.py          a hub's roll-up after each authority's run (WORKFORCE_HUB: partitions by authority)
automation.py   the job, the landing-folder sensor, the nightly schedule
launch.py       `workforce run`: the same job, on the same instance, from the command line

`dagster dev` (`make dev`, `workforce dev`) loads `defs` from here.
"""

import logging

import dagster as dg

from orchestration.defs.agency_rules import agency_return, agency_return_job
from orchestration.defs.automation import (
    landing_folder,
    nightly,
    record_failed_publication,
    workforce_job,
)
from orchestration.defs.census import census_job, csww_return
from orchestration.defs.checks import gx_checks, plausibility_check, validated_relations
from orchestration.defs.dbt import WorkforceDbtCli, workforce_dbt_models
from orchestration.defs.hub import hub_assets
from orchestration.defs.ingestion import files_ledger, ingestion_assets
from orchestration.defs.project import dbt_project
from orchestration.defs.publication import publication_asset
from orchestration.defs.run_guard import WorkforceRun
from orchestration.settings import DBT_EXECUTABLE

# With nothing new, the dbt step yields nothing on purpose (see dbt.py), so its checks and the
# publication are skipped; Dagster would warn once per check it then does not gate on.
logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)

defs = dg.Definitions(
    assets=[
        *ingestion_assets,
        files_ledger,
        workforce_dbt_models,
        publication_asset([dg.AssetKey(["marts", "kpi_values"]), *validated_relations]),
        csww_return,
        agency_return,
        *hub_assets,
    ],
    asset_checks=[*gx_checks, plausibility_check],
    jobs=[workforce_job, census_job, agency_return_job],
    schedules=[nightly],
    sensors=[landing_folder, record_failed_publication],
    resources={
        "dbt": WorkforceDbtCli(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
        "workforce_run": WorkforceRun(),
    },
    # DuckDB allows one writer: steps run one after another in one process, which is also
    # what lets the run's guard hold the warehouse lock from the first step to the last.
    executor=dg.in_process_executor,
)
