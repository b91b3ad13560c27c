"""The audit trail of one run, kept under $WORKFORCE_HOME/audit/runs/<run_id>/.

summary.json     the run's outcome (status, exit code, checks, error), and the files it
                 loaded, corrected or rejected (with SHA-256 and row counts)
quarantine.csv   every quarantined row of the run: file, row, column, rule, value
validation.html  a readable page of the checks and each Great Expectations expectation
gx/<suite>.json  the Great Expectations validation results (written by the checks)
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

import duckdb

from orchestration.cells import csv_safe
from orchestration.publish.outcome import CheckResult, RunOutcome, audit_folder
from orchestration.settings import Settings

FILES_SQL = """
    select file_name, kind, la_code, extract_date::varchar as extract_date, file_id as sha256,
        status, rows_read, rows_loaded, rows_quarantined, reason
    from audit.files where run_id = ? order by file_name
"""
QUARANTINE_SQL = """
    select file_name, source_row, column_name, rule, value from audit.quarantine
    where run_id = ? order by file_name, source_row, column_name
"""


def write_run_audit(
    settings: Settings, outcome: RunOutcome, conn: duckdb.DuckDBPyConnection | None
) -> Path:
    """The run's audit folder. `conn` is None when the run never had the warehouse (refused):
    then only the outcome is written."""
    folder = audit_folder(settings, outcome.run_id)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[dict] = []
    if conn is not None:
        cursor = conn.execute(FILES_SQL, [outcome.run_id])
        names = [d[0] for d in cursor.description]
        files = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        quarantine = conn.execute(QUARANTINE_SQL, [outcome.run_id])
        with (folder / "quarantine.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([d[0] for d in quarantine.description])
            writer.writerows(
                [csv_safe(v) if isinstance(v, str) else v for v in row]
                for row in quarantine.fetchall()
            )
    summary = {
        "run_id": outcome.run_id,
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "outcome": outcome.to_json(),
        "files": files,
        "files_skipped_as_already_loaded": outcome.files_skipped,
        "checks": [check.__dict__ for check in outcome.checks],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    (folder / "validation.html").write_text(
        validation_page(outcome.run_id, outcome.status, outcome.checks, folder / "gx")
    )
    return folder


def validation_page(run_id: str, status: str, checks: list[CheckResult], gx_dir: Path) -> str:
    def row(*cells: str) -> str:
        return "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"

    failed_first = sorted(checks, key=lambda c: (c.passed, c.asset, c.check_name))
    check_rows = "".join(
        row("passed" if c.passed else "FAILED", c.asset, c.check_name, c.description or "")
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
