"""The `workforce` command: run the pipeline, generate sample extracts, show a demo."""

from __future__ import annotations

import fcntl
import logging
import sys
import time
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestration.audit import CheckOutcome, write_run_audit
from orchestration.export import ExportFormat
from orchestration.settings import Settings

app = typer.Typer(
    help="Children's social work workforce pipeline: extracts in, validated DfE KPIs out.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, soft_wrap=True)  # error lines must not be cut mid-path

EXIT_PUBLISHED, EXIT_FAILED, EXIT_REJECTED, EXIT_BLOCKED = 0, 1, 2, 3
HEADLINE_KPIS = {
    "turnover_rate_fte": "Turnover rate (FTE)",
    "vacancy_rate_fte": "Vacancy rate (FTE)",
    "agency_rate_fte": "Agency worker rate (FTE)",
    "caseload_fte": "Average caseload (cases per FTE)",
    "absence_rate_fte": "Sickness absence rate (FTE)",
    "inpost_fte": "Social workers in post (FTE)",
}


@dataclass
class RunOutcome:
    run_id: str
    exit_code: int
    loaded: int = 0
    skipped: int = 0
    quarantined: int = 0
    rejected: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    error: str | None = None
    audit_folder: Path | None = None
    unchanged_since: str | None = None  # run id of the publication kept in place


class ProgressFormatter(logging.Formatter):
    """One short line per pipeline message: what happened, not the run's bookkeeping."""

    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", {}) or {}
        step = (meta.get("step_key") or "").replace("__", "/")
        message = meta.get("orig_message") or record.getMessage()
        return f"  {step}: {message}" if step else f"  {message}"


def progress_logger():
    import dagster as dg

    @dg.logger(description="Compact progress lines on stderr for the workforce CLI.")
    def progress(_init_context) -> logging.Logger:
        log = logging.Logger("workforce.progress", level=logging.INFO)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(ProgressFormatter())
        log.addHandler(handler)
        return log

    return progress


@contextmanager
def single_run(settings: Settings):
    """One run at a time against a warehouse; a second one is refused, clearly."""
    settings.lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(settings.lock_file, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            console.print(
                f"[red]Another workforce run is using {settings.home} "
                f"(lock {settings.lock_file}); try again when it has finished.[/red]"
            )
            raise typer.Exit(EXIT_FAILED) from None
        yield


def root_cause(error) -> str:
    """The innermost error of Dagster's wrapping: the one that says what went wrong."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def execute_pipeline(settings: Settings) -> RunOutcome:
    """One pass of the whole asset graph, in this process, and what came of it."""
    from orchestration.manifest import prepare_manifest

    prepare_manifest(log=console.print)
    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.publish import record_attempt

    started = datetime.now()
    # dbt's own log goes to a file; the console shows the pipeline's progress lines.
    log_path = settings.home / "logs" / f"run-{started:%Y%m%dT%H%M%S}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console.print(f"[dim]Running the pipeline (full log: {log_path})[/dim]")
    with log_path.open("w") as log, redirect_stdout(log):
        job = defs.get_job_def("workforce").with_logger_defs({"progress": progress_logger()})
        result = job.execute_in_process(
            instance=dg.DagsterInstance.ephemeral(),
            raise_on_error=False,
            run_config={"loggers": {"progress": {}}},
        )
    outcome = RunOutcome(run_id=result.run_id, exit_code=EXIT_PUBLISHED)
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        outcome.loaded += getattr(metadata.get("files_loaded"), "value", 0) or 0
        outcome.loaded += getattr(metadata.get("files_corrected"), "value", 0) or 0
        outcome.skipped += getattr(metadata.get("files_skipped"), "value", 0) or 0
        outcome.quarantined += getattr(metadata.get("rows_quarantined"), "value", 0) or 0
        if "published" in metadata and not metadata["published"].value:
            outcome.unchanged_since = metadata["publication_run_id"].value
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        outcome.rejected = [
            reason
            for (reason,) in conn.execute(
                "select reason from audit.files where run_id = ? and status = 'rejected'",
                [result.run_id],
            ).fetchall()
        ]
    checks = [
        CheckOutcome(e.asset_key.to_user_string(), e.check_name, e.passed, e.description)
        for e in result.get_asset_check_evaluations()
    ]
    outcome.failed_checks = [
        f"{c.asset}:{c.name}" + (f" - {c.description}" if c.description else "")
        for c in checks
        if not c.passed
    ]
    if not result.success:
        failures = [e for e in result.all_events if e.is_step_failure]
        outcome.error = (
            "; ".join(f"{e.step_key}: {root_cause(e.step_failure_data.error)}" for e in failures)
            if failures
            else "the run did not finish"
        )
    if outcome.failed_checks:
        outcome.exit_code = EXIT_BLOCKED
        failed = [f"{c.asset}:{c.name}" for c in checks if not c.passed]
        record_attempt(settings, result.run_id, started, "blocked", failed)
    elif not result.success:
        outcome.exit_code = EXIT_FAILED
        record_attempt(settings, result.run_id, started, "failed")
    elif outcome.rejected:
        outcome.exit_code = EXIT_REJECTED
    status = {EXIT_BLOCKED: "blocked", EXIT_FAILED: "failed"}.get(
        outcome.exit_code, "unchanged" if outcome.unchanged_since else "published"
    )
    outcome.audit_folder = write_run_audit(settings, result.run_id, status, outcome.skipped, checks)
    return outcome


def quarantine_lines(settings: Settings, run_id: str, limit: int = 10) -> list[str]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select file_name, source_row, column_name, rule, value from audit.quarantine "
            "where run_id = ? order by file_name, source_row, column_name limit ?",
            [run_id, limit],
        ).fetchall()
    return [
        f"{name} row {row}, column {column}: {'' if value is None else repr(value) + ' '}{rule}"
        for name, row, column, rule, value in rows
    ]


def print_outcome(settings: Settings, outcome: RunOutcome) -> None:
    console.print(
        f"Run {outcome.run_id}: {outcome.loaded} file(s) loaded, {outcome.skipped} already "
        f"loaded, {len(outcome.rejected)} rejected, {outcome.quarantined} row(s) quarantined."
    )
    if outcome.quarantined:
        for line in quarantine_lines(settings, outcome.run_id):
            console.print(f"quarantined: {escape(line)}", style="yellow")
        console.print(
            f"All quarantined rows: audit.quarantine in {settings.warehouse} and "
            f"audit/runs/{outcome.run_id}/quarantine.csv"
        )
    for reason in outcome.rejected:
        console.print(f"[yellow]rejected:[/yellow] {reason}")
    if outcome.failed_checks:
        console.print("[red]Validation failed; publication blocked. Failed checks:[/red]")
        for check in outcome.failed_checks:
            console.print(f"  - {escape(check)}", style="red")
        console.print(f"The previous publication is untouched: {settings.published}")
    elif outcome.error:
        console.print(f"[red]Run failed: {outcome.error}[/red]")
        console.print(f"The previous publication is untouched: {settings.published}")
    elif outcome.unchanged_since:
        console.print(
            f"Nothing changed: the publication of run {outcome.unchanged_since} stays in place, "
            f"byte-identical: {settings.published}"
        )
    else:
        console.print(f"[green]Published[/green] {settings.published}")
    if outcome.audit_folder:
        console.print(f"Audit trail: {outcome.audit_folder / 'validation.html'}")


@app.command()
def run() -> None:
    """One pass: ingest new or corrected files, build, validate, publish.

    Exit codes: 0 published, 2 an input file was rejected (the rest published),
    3 validation blocked publication, 1 any other failure.
    """
    settings = Settings.from_env()
    settings.prepare()
    with single_run(settings):
        started = time.monotonic()
        try:
            outcome = execute_pipeline(settings)
        except Exception as e:  # anything unforeseen still gets a clear line and exit 1
            console.print(f"[red]workforce run failed: {e}[/red]")
            raise typer.Exit(EXIT_FAILED) from e
        print_outcome(settings, outcome)
        console.print(f"[dim]{time.monotonic() - started:.1f} s[/dim]")
    raise typer.Exit(outcome.exit_code)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write <la_code>/<kind>_<date>.csv into.")],
    authorities: Annotated[int, typer.Option(min=1, help="How many authorities.")] = 1,
    years: Annotated[int, typer.Option(min=1, help="How many census years.")] = 3,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 1,
) -> None:
    """Write synthetic extracts in the contract's format."""
    from orchestration.generator import generate as write_extracts

    started = time.monotonic()
    paths = write_extracts(out, authorities, years, seed, progress=console.print)
    size = sum(p.stat().st_size for p in paths)
    console.print(
        f"Wrote {len(paths)} files ({size / 1e6:.1f} MB) for {authorities} authorities x "
        f"{years} years into {out} in {time.monotonic() - started:.1f} s"
    )


@app.command()
def export(
    format: Annotated[
        ExportFormat, typer.Option("--format", help="csv, xlsx (one workbook) or parquet.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write into [default: $WORKFORCE_HOME/exports/<run id>]."),
    ] = None,
) -> None:
    """Export every table of the published file for Excel, Power BI or pandas."""
    from orchestration.export import NoPublicationError, export_publication

    settings = Settings.from_env()
    try:
        done = export_publication(settings, format, out)
    except NoPublicationError as e:
        console.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None
    # plain lines (table, rows, path), whole however narrow the terminal: scripts read them
    typer.echo(f"Publication {done.run_id} exported as {format.value}:")
    for t in done.tables:
        sheets = f" (sheets: {', '.join(t.sheets)})" if t.sheets else ""
        typer.echo(f"  {t.table}: {t.rows:,} rows -> {t.path}{sheets}")
    for warning in done.warnings:
        console.print(f"[yellow]{escape(warning)}[/yellow]")
    typer.echo(f"Exported to {done.folder}")


@app.command()
def docs() -> None:
    """Generate dbt's documentation site (every model, column and lineage) as one HTML page."""
    from orchestration.dbt_docs import DocsError, generate_docs

    settings = Settings.from_env()
    settings.prepare()
    with single_run(settings):
        try:
            site = generate_docs(settings)
        except DocsError as e:
            console.print(f"[red]{escape(str(e))}[/red]")
            raise typer.Exit(EXIT_FAILED) from None
    typer.echo(f"dbt docs (open in a browser): {site.page}")


@app.command()
def report(
    la: Annotated[
        str | None,
        typer.Option("--la", help="3-digit DfE authority code [default: the only one published]."),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", help="Census year (to 30 Sep) [default: the latest published]."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="HTML file to write [default: $WORKFORCE_HOME/reports/board-pack-<la>-<year>.html]."
        ),
    ] = None,
) -> None:
    """Write the board pack: one self-contained HTML page from the published, validated figures."""
    from orchestration.report import ReportError, write_board_pack

    settings = Settings.from_env()
    try:
        path = write_board_pack(settings, la, year, out)
    except ReportError as e:
        console.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(f"Board pack: {path}")


def headline_table(published: Path) -> Table:
    with duckdb.connect(str(published), read_only=True) as conn:
        rows = conn.execute(
            """
            with latest as (
                select max(period_end) as period_end from kpi_values
                where period_type = 'census_year' and la_code <> 'ALL'
            )
            select la_code, kpi_code, value, national_value, period_end
            from kpi_values join latest using (period_end)
            where period_type = 'census_year' and breakdown = 'total' and la_code <> 'ALL'
              and kpi_code in ?
            order by la_code
            """,
            [list(HEADLINE_KPIS)],
        ).fetchall()
    census = rows[0][4] if rows else None
    table = Table(title=f"Headline KPIs, census year to {census}")
    table.add_column("Authority")
    table.add_column("KPI")
    table.add_column("Value", justify="right")
    table.add_column("England", justify="right")
    by_code = {(la, code): (value, national) for la, code, value, national, _ in rows}
    for la in sorted({la for la, _ in by_code}):
        for code, label in HEADLINE_KPIS.items():
            value, national = by_code.get((la, code), (None, None))
            suffix = "%" if "rate" in code else ""
            table.add_row(
                la,
                label,
                "-" if value is None else f"{value:,.1f}{suffix}",
                "-" if national is None else f"{national:,.1f}{suffix}",
            )
    return table


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed for the sample extracts.")] = 1,
    years: Annotated[int, typer.Option(min=1, help="Census years of history.")] = 3,
) -> None:
    """Generate one authority's sample extracts, run the pipeline, show the headline KPIs."""
    from orchestration.generator import generate as write_extracts

    settings = Settings.from_env()
    settings.prepare()
    console.print(f"Writing sample extracts for one authority into {settings.landing} ...")
    write_extracts(settings.landing, 1, years, seed)
    with single_run(settings):
        outcome = execute_pipeline(settings)
    print_outcome(settings, outcome)
    if outcome.exit_code in (EXIT_PUBLISHED, EXIT_REJECTED):
        Console().print(headline_table(settings.published))
        Console().print(f"Published file: {settings.published}")
        from orchestration.report import ReportError, write_board_pack

        try:
            Console().print(f"Board pack: {write_board_pack(settings)}", soft_wrap=True)
        except ReportError as e:
            console.print(f"[red]Board pack not written: {escape(str(e))}[/red]")
    raise typer.Exit(outcome.exit_code)
