"""The dbt project and its manifest, which dagster-dbt reads when the definitions load.

Kept apart from the dbt assets so the manifest can be made before they are imported.
"""

import subprocess
from collections.abc import Callable

from dagster_dbt import DbtProject

from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale() -> bool:
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        return True
    sources = [*DBT_PROJECT_DIR.rglob("*.sql"), *DBT_PROJECT_DIR.rglob("*.yml")]
    sources += [*(DBT_PROJECT_DIR.parent / "seeds").glob("*")]
    built = manifest.stat().st_mtime
    return any(p.stat().st_mtime > built for p in sources if "target" not in p.parts)


def prepare_manifest(log: Callable[[str], None] = print) -> None:
    """dagster-dbt reads target/manifest.json when the definitions load: keep it current."""
    if not manifest_is_stale():
        return
    log("Parsing the dbt project...")
    subprocess.run(
        [
            DBT_EXECUTABLE,
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
        ],
        check=True,
    )
