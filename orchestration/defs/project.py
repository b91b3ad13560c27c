"""The dbt project, as dagster-dbt sees it.

dagster-dbt reads dbt's manifest (target/manifest.json) as the definitions load, and
`DbtProject.prepare_if_dev()` parses only under `dagster dev`: so the manifest is made here,
whoever loads the definitions (`dagster dev`, `dagster-webserver`, `dagster definitions
validate`, a run worker, the CLI), when it is missing or older than the project. A plain
`pip install -e .` is then enough to load them."""

import sys

from dagster_dbt import DbtProject

from orchestration.dbt_manifest import prepare_manifest
from orchestration.settings import DBT_PROJECT_DIR

prepare_manifest(log=lambda line: print(line, file=sys.stderr))
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
