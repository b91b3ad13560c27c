"""The validation report beside the return: one row per finding (rule, severity, worker, item,
value where it is not personal data, message) as CSV for a spreadsheet and as an HTML page.
Workers are named by their record number in the XML, never by an identifier."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from markupsafe import escape

from orchestration.cells import csv_safe
from orchestration.census.rules import RULES, Finding

COLUMNS = ("rule", "severity", "worker", "item", "value", "message")


def write_csv(path: Path, findings: list[Finding]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for finding in findings:
            # text a spreadsheet would run as a formula is written as text, as the exports do
            writer.writerow({k: csv_safe(v) for k, v in finding.as_row().items()})


def summary_line(findings: list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    return f"{counts['error']} error(s), {counts['query']} query(ies)"


def write_html(path: Path, title: str, status: str, findings: list[Finding]) -> None:
    by_rule = Counter((f.code, f.severity, f.message) for f in findings)
    summary_rows = "".join(
        f"<tr class='{escape(sev)}'><td>{escape(code)}</td><td>{escape(sev)}</td>"
        f"<td>{n}</td><td>{escape(message)}</td></tr>"
        for (code, sev, message), n in sorted(by_rule.items())
    )
    rows = "".join(
        "<tr class='{}'>{}</tr>".format(
            escape(f.severity),
            "".join(f"<td>{escape(v)}</td>" for v in f.as_row().values()),
        )
        for f in findings
    )
    rules = "".join(
        f"<tr><td>{escape(r.code)}</td><td>{escape(r.severity)}</td>"
        f"<td>{escape(', '.join(r.fields))}</td><td>{escape(r.message)}</td></tr>"
        for r in RULES
    )
    header = "".join(f"<th>{c}</th>" for c in COLUMNS)
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
td, th {{ border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: left; }}
tr.error td {{ background: #fde2e1; }} tr.query td {{ background: #fff4d6; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p><strong>{escape(status)}</strong>: {escape(summary_line(findings))}.
Errors must be fixed before the return is submitted; queries are submitted with an
explanation in DfE COLLECT. Values of identifiers and protected characteristics are not
shown: find the record in the XML beside this report.</p>
<h2>Findings by rule</h2>
<table><tr><th>rule</th><th>severity</th><th>findings</th><th>message</th></tr>{summary_rows}</table>
<h2>Every finding</h2>
<table><tr>{header}</tr>{rows}</table>
<h2>The rules</h2>
<table><tr><th>rule</th><th>severity</th><th>items</th><th>message</th></tr>{rules}
<tr><td>XSD</td><td>error</td><td>any</td><td>The XML does not match DfE's schema</td></tr></table>
</body></html>
""",
        encoding="utf-8",
    )
