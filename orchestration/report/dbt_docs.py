"""dbt's documentation site for the project, built against this home's warehouse.

`dbt docs generate --static` (dbt >= 1.7) writes static_index.html: the docs site with the
manifest (models, columns, descriptions, lineage) and the catalog (the warehouse's actual
tables and column types) built in, so it opens from disk in a browser, no server needed.

Beside it, `published-file.html` documents the published file (what analysts open): each of its
tables with its columns, their types as published and their descriptions, generated from the
members of the dbt exposure `published_workforce` and from the tables the publisher adds. The
site's overview links to it.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.publish.publication import PUBLISHED_EXPOSURE
from orchestration.settings import DBT_EXECUTABLE, DBT_PROJECT_DIR, Settings

PUBLISHED_PAGE = "published-file.html"
# The tables the publisher writes itself (no dbt model): the run log of the publication.
PUBLISHER_TABLES = {
    "publications": "One row per run that tried to publish: its status, failed checks, and the "
    "files behind it (source_files) and those accepted over their quarantine bound.",
    "checks": "One row per check evaluated in the publishing run: the validations this "
    "publication passed.",
    "source_files": "One row per delivered file behind the publication, with its SHA-256 and "
    "rows read, loaded and quarantined.",
    "acceptances": "One row per file behind the publication accepted over its quarantine bound "
    "(`workforce accept`): who accepted it, when and why.",
}


class DocsError(Exception):
    """The docs could not be generated (no warehouse yet, or dbt failed)."""


@dataclass(frozen=True)
class DocsSite:
    page: Path  # $WORKFORCE_HOME/docs/index.html, self-contained
    target: Path  # dbt's working folder: manifest.json, catalog.json, compiled SQL
    published_page: Path  # $WORKFORCE_HOME/docs/published-file.html


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
    manifest = json.loads((target / "manifest.json").read_text())
    published_page = page.with_name(PUBLISHED_PAGE)
    tmp = published_page.with_name(f".{published_page.name}.tmp")
    tmp.write_text(published_file_page(manifest, settings.published), encoding="utf-8")
    os.replace(tmp, published_page)
    return DocsSite(page=page, target=target, published_page=published_page)


def published_columns(published: Path) -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, type)] as the published file holds them; {} before a publication."""
    if not published.exists():
        return {}
    tables: dict[str, list[tuple[str, str]]] = {}
    with duckdb.connect(str(published), read_only=True) as conn:
        rows = conn.execute(
            "select table_name, column_name, data_type from duckdb_columns() "
            "where database_name = current_database() and schema_name = 'main' "
            "order by table_name, column_index"
        ).fetchall()
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def published_file_page(manifest: dict, published: Path) -> str:
    """The published file's tables as one HTML page: for each, what it holds and its columns
    (type as published, else as documented; description from the dbt project)."""
    exposure = manifest["exposures"][PUBLISHED_EXPOSURE]
    nodes = [manifest["nodes"][uid] for uid in exposure["depends_on"]["nodes"]]
    members = {node["alias"]: node for node in nodes}
    as_published = published_columns(published)
    names = sorted(set(members) | set(PUBLISHER_TABLES), key=lambda n: (n != "kpi_values", n))
    e = html.escape
    index = "".join(f'<li><a href="#{e(n)}">{e(n)}</a></li>' for n in names)
    sections = []
    for name in names:
        node = members.get(name)
        described = {c.lower(): v for c, v in (node or {}).get("columns", {}).items()}
        columns = as_published.get(name) or [
            (column["name"], column.get("data_type") or "") for column in described.values()
        ]
        rows = "".join(
            f"<tr><td><code>{e(column)}</code></td><td>{e(data_type or '')}</td>"
            f"<td>{e(described.get(column.lower(), {}).get('description', ''))}</td></tr>"
            for column, data_type in columns
        )
        origin = (
            f"dbt {node['resource_type']} <code>{e(node['name'])}</code> (schema "
            f"{e(node['schema'])} in the warehouse)"
            if node
            else "written by the publisher"
        )
        about = node["description"] if node else PUBLISHER_TABLES[name]
        sections.append(
            f'<h2 id="{e(name)}">{e(name)}</h2><p class="origin">{origin}</p>'
            f"<p>{e(about)}</p><table><tr><th>column</th><th>type</th><th>description</th></tr>"
            f"{rows}</table>"
        )
    if as_published:
        note = f"Column types as published in <code>{e(str(published))}</code>."
    else:
        note = "Nothing is published yet: column types as the dbt project documents them."
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>The published workforce file</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;"
        "text-align:left;vertical-align:top}.origin{color:#555}</style></head><body>"
        "<h1>The published workforce file</h1>"
        f"<p>{e(exposure['description'])}</p><p>{note} The dbt site: "
        '<a href="index.html">index.html</a>.</p>'
        f"<ul>{index}</ul>{''.join(sections)}</body></html>\n"
    )
