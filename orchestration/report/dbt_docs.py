"""dbt's documentation site for the project, built against this home's warehouse.

`dbt docs generate --static` (dbt >= 1.7) writes static_index.html: the docs site with the
manifest (models, columns, descriptions, lineage) and the catalog (the warehouse's actual
tables and column types) built in, so it opens from disk in a browser, no server needed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, Settings


class DocsError(Exception):
    """The docs could not be generated (no warehouse yet, or dbt failed)."""


@dataclass(frozen=True)
class DocsSite:
    page: Path  # $WORKFORCE_HOME/docs/index.html, self-contained
    target: Path  # dbt's working folder: manifest.json, catalog.json, compiled SQL


def docs_target(settings: Settings) -> Path:
    return settings.dbt_target / "docs"


def generate_docs(settings: Settings) -> DocsSite:
    """Run `dbt docs generate --static` against the warehouse; copy the page under home/docs."""
    if not settings.warehouse.exists():
        raise DocsError(
            f"No warehouse yet at {settings.warehouse}: run `workforce run` (or "
            "`workforce demo`) first; the docs describe the tables the warehouse holds."
        )
    target = docs_target(settings)
    env = {
        **os.environ,
        "WORKFORCE_WAREHOUSE": str(settings.warehouse),
        "DBT_LOG_PATH": str(settings.dbt_target / "logs"),
    }
    command = [
        DBT_EXECUTABLE,
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(target),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=settings.home)
    static = target / "static_index.html"
    if done.returncode != 0 or not static.exists():
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise DocsError(
            f"dbt docs generate failed (exit {done.returncode}); dbt's log is in "
            f"{settings.dbt_target / 'logs'}:\n{tail}"
        )
    page = settings.home / "docs" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    tmp = page.with_name(f".{page.name}.tmp")
    shutil.copyfile(static, tmp)
    os.replace(tmp, page)
    return DocsSite(page=page, target=target)
