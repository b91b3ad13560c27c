"""The audit trail of one run, kept under $WORKFORCE_HOME/audit/runs/<run_id>/.

summary.json     the run's outcome (status, exit code, checks, error, the files over their
                 quarantine bound it let stand because they were accepted: who, when, why),
                 and the files it loaded, corrected or rejected (with SHA-256 and row counts),
                 held in landing/ by the configuration, or skipped unread (hidden and lock files)
quarantine.csv   every quarantined row of the run: file, row, column, rule, value
validation.html  a readable page: the outcome and what failed (where and why) first, then
                 every check and each Great Expectations expectation, collapsed
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
from orchestration.warehouse import records

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
        files = records(conn, FILES_SQL, [outcome.run_id])
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
        # left in landing/, not loaded, because of the configuration (reason naming each file)
        "files_held": outcome.held,
        # hidden and Office lock files: never read (each with why)
        "files_skipped": outcome.passed_over,
        "checks": [check.__dict__ for check in outcome.checks],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    (folder / "validation.html").write_text(validation_page(outcome, folder / "gx"))
    return folder


def validation_page(outcome: RunOutcome, gx_dir: Path) -> str:
    """The run's validation, readable at 1,280 px: first the outcome and only the checks that
    failed or warned (where, which check, why), then every check and every Great Expectations
    expectation, collapsed. Every text is escaped: check messages quote delivered values."""
    problems = sorted(
        (c for c in outcome.checks if not c.passed),
        key=lambda c: (not c.blocks, c.asset, c.check_name),
    )
    passed = sum(c.passed for c in outcome.checks)
    if problems:
        failed = (
            f'<h2 id="problems-heading">What failed ({len(problems)})</h2>'
            f'<ol id="problems">{"".join(_problem(c) for c in problems)}</ol>'
        )
    elif outcome.checks:
        failed = f'<p id="all-passed" class="ok">All {len(outcome.checks)} checks passed.</p>'
    else:
        failed = '<p id="no-checks">No check ran in this run.</p>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Validation of run {_e(outcome.run_id)}: {_e(outcome.status)}</title>
<style>{PAGE_STYLE}</style></head>
<body><h1>Validation of run {_e(outcome.run_id)}</h1>
{_summary(outcome, passed, len(problems))}
{failed}
<h2 id="all-checks-heading">All checks</h2>
<details id="all-checks"><summary>{len(outcome.checks)} checks: {passed} passed, \
{len(outcome.checks) - passed} failed or warned</summary>
{_checks_table(outcome.checks)}</details>
<h2 id="expectations-heading">Great Expectations suites</h2>
{_suites(gx_dir)}
</body></html>
"""


PAGE_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;line-height:1.4;color:#1b1b1b}
h1{font-size:1.5em;margin:0 0 .5em}h2{font-size:1.2em;margin:1.5em 0 .5em}
code,.name{font-family:ui-monospace,monospace;font-size:13px}
#outcome{padding:.5em 1em;border-left:6px solid #888;background:#f4f4f4}
#outcome.blocked,#outcome.failed,#outcome.refused{border-color:#b00020;background:#fdecee}
#outcome.published,#outcome.unchanged,#outcome.republished{border-color:#1b7f3b;background:#eaf6ee}
#outcome p,#outcome ul{margin:.3em 0}
#problems{padding:0;margin:0;list-style:none}
.problem{border:1px solid #ddd;border-left:6px solid #b00020;padding:.5em 1em;margin:0 0 .75em}
.problem.warned{border-left-color:#b26a00}
.problem .head{display:flex;flex-wrap:wrap;gap:.25em 1em;align-items:baseline}
.badge{font-weight:bold;color:#b00020}.warned .badge{color:#b26a00}
.where{font-weight:bold}
.reason{margin:.4em 0 .2em;padding-left:1.2em}.reason li{margin:.15em 0}
.name,.reason,.where,td,summary,code{overflow-wrap:anywhere;word-break:break-word}
details>summary{cursor:pointer}.full-name{font-size:12px;color:#555}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:.5em 0 1em}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;font-size:13px}
th.result{width:5.5em}th.asset{width:16em}th.check{width:30%}
.ok{color:#1b7f3b;font-weight:bold}
tr.failed td:first-child{color:#b00020;font-weight:bold}
tr.warned td:first-child{color:#b26a00;font-weight:bold}
"""

# A check's name as shown; the full name stays in its title and below it (dbt names a test by
# its arguments: up to 300 characters of one word)
SHORT_NAME = 64

# what each status means for the publication, said first
STATUS_LINES = {
    "published": "Published: every blocking check passed and this run's publication is in place.",
    "unchanged": "Nothing new to publish: the publication in place stays, byte-identical "
    "(checked against the SHA-256 recorded when it was published).",
    "republished": "Republished: nothing new to publish, but the published file was found "
    "missing or altered, so the publication in place was written again from the warehouse.",
    "blocked": "Blocked: {failed} blocking check(s) failed, so nothing was published; the "
    "publication in place is untouched.",
    "failed": "Failed: a step of the run failed, so nothing was published; the publication in "
    "place is untouched.",
    "refused": "Refused: another run holds the warehouse; nothing was done.",
    "not_published": "Not published: this run did not include the publication.",
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _text(message: str) -> str:
    """A message as the text of a cell or a list item: escaped, and `'`-prefixed when it
    begins like a formula (a table copied from the page into a spreadsheet stays text)."""
    return _e(csv_safe(message))


def short_name(check: CheckResult) -> str:
    """A check's name, readable: a dbt test's name is its generic test, its model and its
    arguments run together (`expression_is_true_kpi_values_value_100_or_...`); shown as
    `expression is true: value_100_or_...`, cut to SHORT_NAME characters."""
    name, table = check.check_name, check.asset.rsplit("/", 1)[-1]
    test, found, arguments = name.partition(f"_{table}")
    if found and test and (not arguments or arguments.startswith("_")):
        name = test.replace("_", " ") + (f": {arguments.strip('_')}" if arguments else "")
    return name if len(name) <= SHORT_NAME else name[: SHORT_NAME - 1].rstrip("_ :") + "…"


def _reason_lines(check: CheckResult) -> list[str]:
    """What was wrong, one line per finding (checks join their findings with '; ')."""
    if not check.description:
        return ["The check recorded no message: see the run's log in the Dagster UI."]
    return [line for line in check.description.split("; ") if line.strip()]


def _problem(check: CheckResult) -> str:
    kind = "failed" if check.blocks else "warned"
    badge = "FAILED (blocks publication)" if check.blocks else "WARNING (does not block)"
    name = short_name(check)
    full = (
        ""
        if name == check.check_name
        else f'<details class="full-name"><summary>full check name</summary>'
        f"<code>{_e(check.check_name)}</code></details>"
    )
    reasons = "".join(f"<li>{_text(line)}</li>" for line in _reason_lines(check))
    return (
        f'<li class="problem {kind}"><div class="head"><span class="badge">{badge}</span>'
        f'<span class="where">{_e(check.asset)}</span>'
        f'<span class="name" title="{_e(check.check_name)}">{_e(name)}</span></div>'
        f'<ul class="reason">{reasons}</ul>{full}</li>'
    )


def _summary(outcome: RunOutcome, passed: int, problems: int) -> str:
    blocking = sum(c.blocks for c in outcome.checks)
    lines = [STATUS_LINES.get(outcome.status, outcome.status).format(failed=blocking)]
    if outcome.published_file:
        lines.append(f"Published file: {outcome.published_file}")
    if outcome.error and outcome.error != outcome.published_file:
        lines.append(f"Error: {outcome.error}")
    if outcome.publication_run_id and not outcome.published:
        lines.append(f"In place: the publication of run {outcome.publication_run_id}.")
    if outcome.checks:
        warned = problems - blocking
        lines.append(
            f"{passed} of {len(outcome.checks)} checks passed"
            + (f", {blocking} failed" if blocking else "")
            + (f", {warned} warned" if warned else "")
            + "."
        )
    lines.append(
        f"{outcome.files_loaded} file(s) loaded, {outcome.files_skipped} already loaded, "
        f"{len(outcome.rejected)} rejected, "
        + (f"{len(outcome.held)} held in landing/, " if outcome.held else "")
        + f"{outcome.rows_quarantined} row(s) quarantined"
        + (" (quarantine.csv in this folder)." if outcome.rows_quarantined else ".")
    )
    rejected = "".join(f"<li>rejected: {_e(reason)}</li>" for reason in outcome.rejected)
    rejected += "".join(
        f"<li>accepted over the quarantine bound: {_text(accepted_line(a))}</li>"
        for a in outcome.accepted
    )
    rejected += "".join(f"<li>held: {_e(reason)}</li>" for reason in outcome.held)
    return (
        f'<section id="outcome" class="{_e(outcome.status)}">'
        + "".join(f"<p>{_e(line)}</p>" for line in lines)
        + (f"<ul>{rejected}</ul>" if rejected else "")
        + "</section>"
    )


def accepted_line(accepted: dict) -> str:
    """A file over its quarantine bound that stands because someone accepted it, in words."""
    return (
        f"{accepted['file_name']} ({accepted['rows_quarantined']} of {accepted['rows_read']} "
        f"rows quarantined), accepted by {accepted['accepted_by']} on "
        f"{str(accepted['accepted_at'])[:16]}: {accepted['reason']}"
    )


def _checks_table(checks: list[CheckResult]) -> str:
    rows = "".join(
        f'<tr class="{"passed" if c.passed else "failed" if c.blocks else "warned"}">'
        f"<td>{'passed' if c.passed else 'FAILED' if c.blocks else 'warning'}</td>"
        f"<td>{_e(c.asset)}</td>"
        f'<td class="name" title="{_e(c.check_name)}">{_e(short_name(c))}</td>'
        f"<td>{_text(c.description or '')}</td></tr>"
        for c in sorted(checks, key=lambda c: (c.passed, c.asset, c.check_name))
    )
    return (
        '<table id="all-checks-table"><tr><th class="result">result</th>'
        '<th class="asset">asset</th><th class="check">check</th>'
        f"<th>what was wrong, or what it guards</th></tr>{rows}</table>"
    )


def _expectation_results(result: dict) -> list[tuple[str, dict]]:
    """(authorities, expectation result) of a suite's result, batched by authority or not."""
    if "authority_batches" in result:
        return [
            (f"{batch['la_codes'][0]} to {batch['la_codes'][-1]}", r)
            for batch in result["authority_batches"]
            for r in batch["result"].get("results", [])
        ]
    return [("", r) for r in result.get("results", [])]


def _observed(result: dict) -> str:
    """Counts and the observed value only: the examples of failing values are in the check's
    message, which names their file and row."""
    if "unexpected_count" in result:
        return f"{result['unexpected_count']} of {result.get('element_count', '?')} rows unexpected"
    if "observed_value" in result:
        return f"observed {json.dumps(result['observed_value'], default=str)[:200]}"
    return ""


def _suites(gx_dir: Path) -> str:
    sections = []
    for result_file in sorted(gx_dir.glob("*.json")):
        result = json.loads(result_file.read_text())
        results = _expectation_results(result)
        failed = sum(not r.get("success") for _, r in results)
        rows = "".join(
            f'<tr class="{"passed" if r.get("success") else "failed"}">'
            f"<td>{'passed' if r.get('success') else 'FAILED'}</td>"
            f"<td>{_e(r.get('expectation_config', {}).get('type', ''))}</td>"
            f"<td><code>{_e(json.dumps(r.get('expectation_config', {}).get('kwargs', {}))[:300])}"
            f"</code></td><td>{_e(_observed(r.get('result', {})))}"
            f"{_e(f' (authorities {where})' if where else '')}</td></tr>"
            for where, r in sorted(results, key=lambda wr: bool(wr[1].get("success")))
        )
        error = f"<p>{_e(result['error'])}</p>" if result.get("error") else ""
        sections.append(
            f'<details class="suite"{" open" if failed or error else ""}><summary>'
            f"{_e(result_file.stem)}: {len(results) - failed} of {len(results)} expectations "
            f'passed</summary>{error}<table><tr><th class="result">result</th>'
            f'<th class="check">expectation</th><th>arguments</th><th>observed</th></tr>'
            f"{rows}</table></details>"
        )
    return "".join(sections) or "<p>No Great Expectations suite ran in this run.</p>"
