"""The validation report beside the return: one row per finding (rule, severity, worker, item,
value where it is not personal data, message, how to fix it) as CSV for a spreadsheet and as an
HTML page that leads with the causes, one per rule, and what to do about each. Workers are
named by their record number in the XML, never by an identifier."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from markupsafe import escape

from orchestration.cells import csv_safe
from orchestration.census.encoding import Encoding
from orchestration.census.rules import RULES, Finding

COLUMNS = ("rule", "severity", "worker", "item", "value", "message", "fix")
# rules checked outside RULES (rules.check_la_level, continuity.py), for the report's rule list
OTHER_RULES = (
    ("CSWW20", "error", "the LA-level items", "The authority's item is missing"),
    ("CSWW21", "query", "RoleEndDate", "In post last year with no record now, no leaving date"),
    ("CSWW22", "query", "RoleStartDate", "RoleStartDate differs from last year's return"),
    ("CSWW23", "query", "PersonBirthDate", "The date of birth differs from last year's return"),
    ("CSWW24", "query", "FTE", "FTE changed by more than 0.5 since last year's return"),
    ("XSD", "error", "any", "The XML does not match the collection's schema"),
)


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


def causes(findings: list[Finding]) -> list[tuple[Finding, int, list[str]]]:
    """One row per cause (rule, message and fix): its first finding, how many, which items."""
    grouped: dict[tuple, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.code, finding.message, finding.fix), []).append(finding)
    ordered = sorted(grouped.values(), key=lambda g: (g[0].severity != "error", g[0].code))
    return [(g[0], len(g), sorted({f.item for f in g})) for g in ordered]


def write_html(
    path: Path, title: str, status: str, findings: list[Finding], encoding: Encoding
) -> None:
    cause_rows = "".join(
        f"<tr class='{escape(first.severity)}'><td>{escape(first.code)}</td>"
        f"<td>{escape(first.severity)}</td><td>{n}</td><td>{escape(', '.join(items))}</td>"
        f"<td>{escape(first.message)}</td><td>{escape(first.fix)}</td></tr>"
        for first, n, items in causes(findings)
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
        f"<td>{escape(', '.join(r.fields) or 'the items the collection requires')}</td>"
        f"<td>{escape(r.message)}</td></tr>"
        for r in RULES
        if r.applies(encoding)
    ) + "".join(
        "<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in OTHER_RULES
    )
    header = "".join(f"<th>{c}</th>" for c in COLUMNS)
    note = (
        f"<p class='note'><strong>Encoding:</strong> {escape(encoding.substitute)}</p>"
        if encoding.substitute
        else f"<p>Written in DfE's {encoding.collection} encoding of the return.</p>"
    )
    path.write_text(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; margin-bottom: 2em; }}
td, th {{ border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }}
tr.error td {{ background: #fde2e1; }} tr.query td {{ background: #fff4d6; }}
p.note {{ background: #fff4d6; padding: 0.5em; }}
</style></head><body>
<h1>{escape(title)}</h1>
{note}
<p><strong>{escape(status)}</strong>: {escape(summary_line(findings))}.
Errors must be fixed before the return is submitted; queries are submitted with an
explanation in DfE COLLECT. Values of identifiers, protected characteristics and pay are not
shown: find the record in the XML beside this report.</p>
<h2>What to fix: one row per cause</h2>
<table><tr><th>rule</th><th>severity</th><th>findings</th><th>items</th><th>message</th>
<th>how to fix</th></tr>{cause_rows}</table>
<h2>Every finding</h2>
<table><tr>{header}</tr>{rows}</table>
<h2>The rules of the {encoding.collection} collection</h2>
<table><tr><th>rule</th><th>severity</th><th>items</th><th>message</th></tr>{rules}</table>
</body></html>
""",
        encoding="utf-8",
    )
