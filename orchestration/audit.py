"""The audit trail of one run, kept under $WORKFORCE_HOME/audit/runs/<run_id>/.

summary.json     files loaded, corrected, rejected (with SHA-256 and row counts), skipped
                 count, every check's result and the outcome
quarantine.csv   every quarantined row of the run: file, row, column, rule, value
validation.html  a readable page of the checks and each Great Expectations expectation
gx/<suite>.json  the Great Expectations validation results (written by the checks)
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.settings import Settings


@dataclass(frozen=True)
class CheckOutcome:
    asset: str
    name: str
    passed: bool
    description: str | None


def write_run_audit(
    settings: Settings, run_id: str, status: str, skipped: int, checks: list[CheckOutcome]
) -> Path:
    folder = settings.run_audit / run_id
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        files = conn.execute(
            "select file_name, kind, la_code, extract_date::varchar, file_id as sha256, status, "
            "rows_read, rows_loaded, rows_quarantined, reason from audit.files where run_id = ? "
            "order by file_name",
            [run_id],
        ).df()
        conn.execute(
            f"copy (select file_name, source_row, column_name, rule, value from audit.quarantine "
            f"where run_id = ? order by file_name, source_row, column_name) "
            f"to '{folder / 'quarantine.csv'}' (header)",
            [run_id],
        )
    summary = {
        "run_id": run_id,
        "status": status,
        "files": json.loads(files.to_json(orient="records")),
        "files_skipped_as_already_loaded": skipped,
        "checks": [check.__dict__ for check in checks],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=1))
    (folder / "validation.html").write_text(validation_page(run_id, status, checks, folder / "gx"))
    return folder


def validation_page(run_id: str, status: str, checks: list[CheckOutcome], gx_dir: Path) -> str:
    def row(*cells: str) -> str:
        return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"

    failed_first = sorted(checks, key=lambda c: (c.passed, c.asset, c.name))
    check_rows = "".join(
        row("passed" if c.passed else "FAILED", c.asset, c.name, c.description or "")
        for c in failed_first
    )
    suites = []
    for result_file in sorted(gx_dir.glob("*.json")):
        result = json.loads(result_file.read_text())
        rows = "".join(
            row(
                "passed" if r.get("success") else "FAILED",
                r.get("expectation_config", {}).get("type", ""),
                json.dumps(r.get("expectation_config", {}).get("kwargs", {}))[:200],
                json.dumps(r.get("result", {}))[:200],
            )
            for r in result.get("results", [])
        )
        suites.append(
            f"<h2>{html.escape(result_file.stem)}</h2><table><tr><th>result</th>"
            f"<th>expectation</th><th>arguments</th><th>observed</th></tr>{rows}</table>"
        )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Validation of run {html.escape(run_id)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;margin-bottom:2em}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}}</style></head>
<body><h1>Run {html.escape(run_id)}: {html.escape(status)}</h1>
<table><tr><th>result</th><th>asset</th><th>check</th><th>what was wrong</th></tr>{check_rows}</table>
{"".join(suites)}</body></html>
"""
