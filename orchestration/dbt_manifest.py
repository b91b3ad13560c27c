"""dbt's manifest (dbt_project/target/manifest.json), which dagster-dbt reads when the
Dagster definitions load: made or refreshed before they are imported. No Dagster here."""

import subprocess
from collections.abc import Callable

from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR

MANIFEST = DBT_PROJECT_DIR / "target" / "manifest.json"


def manifest_is_stale() -> bool:
    manifest = MANIFEST
    if not manifest.exists():
        return True
    sources = [p for pattern in ("*.sql", "*.yml", "*.md") for p in DBT_PROJECT_DIR.rglob(pattern)]
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
