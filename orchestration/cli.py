"""The `workforce` command: run the pipeline, generate sample extracts, show a demo."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestration.publish.currency import Current
from orchestration.publish.digest import verify
from orchestration.publish.outcome import (
    EXIT_BLOCKED,
    EXIT_FAILED,
    EXIT_PUBLISHED,
    EXIT_REJECTED,
    RunOutcome,
)
from orchestration.report.export import ExportFormat
from orchestration.settings import DEFAULT_HOME, HOME_ENV, HUB_ENV, Settings
from orchestration.warehouse import WarehouseBusy, warehouse_lock

HOME_HELP = (
    f"Every command reads and writes under ${HOME_ENV} (default: {DEFAULT_HOME} in the current "
    "directory): landing/, the warehouse, published/, the audit trail, reports and exports."
)
app = typer.Typer(
    help="Children's social work workforce pipeline: extracts in, validated DfE KPIs out."
    f"\n\n{HOME_HELP}",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, soft_wrap=True)  # error lines must not be cut mid-path


def refuse_if_busy(settings: Settings) -> None:
    """Say at once, naming it, when another run holds the warehouse (the run itself would
    refuse too, after Dagster's start-up)."""
    try:
        with warehouse_lock(settings.lock_file, {"run_id": None, "launched_by": "a check"}):
            pass
    except WarehouseBusy as busy:
        console.print(f"[red]{escape(str(busy))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None


def check_before_the_run(settings: Settings, full_refresh: bool) -> Current | None:
    """Say at once when the pseudonym key is missing or not the one the warehouse's
    pseudonyms were made with (the run's set-up would refuse too, after Dagster's start-up);
    a warehouse from before key fingerprints adopts the key here, saying so. Then, unless
    `full_refresh`, whether anything is new (`publish/currency.py`). Under the warehouse's
    lock, as a run holds it: a second command's check never opens the warehouse beside it."""
    import duckdb

    from orchestration.ingest.pseudonyms import KeyRefused, check_key
    from orchestration.publish.currency import current
    from orchestration.warehouse import warehouse_unavailable

    try:
        with warehouse_lock(settings.lock_file, {"run_id": None, "launched_by": "a check"}):
            check_key(settings, log=lambda line: console.print(escape(line), style="yellow"))
            return None if full_refresh else current(settings)
    except (KeyRefused, WarehouseBusy) as refused:
        console.print(f"[red]{escape(str(refused))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None
    except duckdb.Error as error:  # another process holds the warehouse open: said once
        console.print(f"[red]{escape(warehouse_unavailable(settings, error))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None


def command_log(settings: Settings, command: str) -> Path:
    """A new log file for one command's run: the process id too, since two runs started in
    the same second must not share a log."""
    path = settings.room("logs") / f"{command}-{datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def refuse_if_configuration_is_wrong(settings: Settings) -> None:
    """Say at once when workforce.yaml cannot be read or says what cannot be (naming the file,
    the line and the key), before anything runs: exit 1. (A wrong mapping is the authority's
    and kind's alone: the run holds back those files and loads the rest.)"""
    from orchestration.config import ConfigError, load_thresholds

    try:
        load_thresholds(settings.home)
    except ConfigError as wrong:
        console.print(f"[red]{escape(str(wrong))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None


def execute_pipeline(settings: Settings, full_refresh: bool = False) -> RunOutcome:
    """One run of the workforce job on the home's Dagster instance, and what came of it."""
    from orchestration.dbt_manifest import prepare_manifest

    refuse_if_busy(settings)  # (its callers refuse a wrong workforce.yaml before anything else)
    found = check_before_the_run(settings, full_refresh)
    if found and found.in_place:
        # as the sensor and the schedule would, start no run: it would load nothing, build
        # nothing and publish nothing (and Dagster's start-up alone costs seconds)
        return RunOutcome(found.run_id, "current", launched_by="workforce run (command line)")
    prepare_manifest(log=console.print)
    log_path = command_log(settings, "run")
    console.print(f"[dim]Running the pipeline (full log: {log_path})[/dim]")
    from orchestration.defs.launch import run_pipeline

    outcome = run_pipeline(settings, log_path, full_refresh, anything_new=found is None)
    if outcome.status == "refused":
        # Two runs can both pass the look above at once; the one the run's own lock then
        # refuses did nothing, and leaves no log, like one refused by the look.
        log_path.unlink(missing_ok=True)
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
    if outcome.status == "current":
        console.print(
            f"Nothing new since run {outcome.run_id}: every file in landing/ is loaded as it "
            "stands and the project is unchanged, so no run was started. Its publication stays "
            f"in place, byte-identical (checked against the SHA-256 recorded when it was "
            f"published): {settings.published}"
        )
        return
    held = f"{len(outcome.held)} held in landing/, " if outcome.held else ""
    console.print(
        f"Run {outcome.run_id}: {outcome.files_loaded} file(s) loaded, {outcome.files_skipped} "
        f"already loaded, {len(outcome.rejected)} rejected, {held}{outcome.rows_quarantined} "
        "row(s) quarantined."
    )
    for line in outcome.passed_over:
        console.print(f"[dim]{escape(line)}[/dim]")
    if outcome.rows_quarantined:
        for line in quarantine_lines(settings, outcome.run_id):
            console.print(f"quarantined: {escape(line)}", style="yellow")
        console.print(
            f"All quarantined rows: audit.quarantine in {settings.warehouse} and "
            f"audit/runs/{outcome.run_id}/quarantine.csv"
        )
    for reason in outcome.rejected:
        console.print(f"[yellow]rejected:[/yellow] {escape(reason)}")
    for reason in outcome.held:
        console.print(f"[yellow]held:[/yellow] {escape(reason)}")
    from orchestration.publish.audit_trail import accepted_line

    for accepted in outcome.accepted:
        console.print(f"accepted over the quarantine bound: {escape(accepted_line(accepted))}")
    if outcome.published_file and outcome.published_file != outcome.error:  # found, and did
        colour = "red" if outcome.status in ("failed", "blocked") else "yellow"
        console.print(f"[{colour}]Published file: {escape(outcome.published_file)}[/{colour}]")
    # "untouched" is said only of a file whose bytes are checked, now, against its digest
    checked = verify(settings.published, expected=False)
    untouched = (
        f"The previous publication is untouched: {settings.published}"
        if checked.state == "verified"
        else f"[red]{escape(checked.problem)}[/red]"
        if checked.problem
        else f"Nothing is published yet: {settings.published}"
    )
    if outcome.status == "blocked":
        console.print("[red]Validation failed; publication blocked. Failed checks:[/red]")
        for check in outcome.failed_checks:
            console.print(f"  - {escape(check.line())}", style="red")
        console.print(untouched)
    elif outcome.status in ("failed", "refused"):
        console.print(f"[red]Run {outcome.status}: {escape(outcome.error or '')}[/red]")
        console.print(untouched)
    elif outcome.status == "unchanged":
        console.print(
            f"Nothing changed: the publication of run {outcome.publication_run_id} stays in "
            f"place, byte-identical (checked against the SHA-256 recorded when it was "
            f"published): {settings.published}"
        )
    elif outcome.status == "republished":
        console.print(
            f"[green]Republished[/green] the publication of run {outcome.publication_run_id} "
            f"from the warehouse: {settings.published}"
        )
    elif outcome.status == "published":
        console.print(f"[green]Published[/green] {settings.published}")
    page = settings.run_audit / outcome.run_id / "validation.html"
    if outcome.status != "refused" and page.exists():  # never a page the run did not write
        console.print(f"Audit trail: {page}")


def nothing_landed(settings: Settings) -> list[str] | None:
    """With no extract in landing/ and none loaded before (no warehouse, or one holding no
    loaded file), what lies there instead (each file with why it is not an extract); None when
    there is something to run: an extract, or a warehouse whose files a run goes over again."""
    from orchestration.ingest.landing import RejectedFile, identify, landed_files_of

    landing = settings.landing
    others: list[str] = []
    passed_over: list[str] = []  # hidden and lock files, with why
    for path in landed_files_of(settings, passed_over=passed_over):
        try:
            identify(path, landing)
        except RejectedFile as why:
            others.append(str(why))
            continue
        return None
    others = passed_over + others
    if settings.warehouse.exists():
        try:
            with duckdb.connect(str(settings.warehouse), read_only=True) as conn:
                (loaded,) = conn.execute(
                    "select count(*) from audit.files where status in ('loaded', 'superseded')"
                ).fetchone()
        except duckdb.Error:  # busy, or not yet holding audit.files: the run says
            return None
        if loaded:
            return None
    return others


def say_nothing_landed(settings: Settings, others: list[str]) -> None:
    from orchestration.contract import KINDS, REFERENCE_KINDS

    console.print(f"Nothing to run: no extracts in {settings.landing}")
    for why in others[:10]:
        console.print(f"  not an extract: {escape(why)}", style="yellow")
    if len(others) > 10:
        console.print(f"  ... and {len(others) - 10} more files that are not extracts")
    console.print(
        "Extracts are read from landing/<la_code>/<kind>_<YYYYMMDD>.csv (or .xlsx, .parquet): "
        "<la_code> the authority's 3-digit DfE code, <kind> one of "
        f"{', '.join(KINDS)}, <YYYYMMDD> the date the extract is as at. DfE's files go in "
        f"landing/ itself: {', '.join(f'{k}_<YYYYMMDD>.csv' for k in REFERENCE_KINDS)}. "
        f"Sample extracts: workforce generate --out {settings.landing} (or workforce demo)."
    )


@app.command()
def run(
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh",
            help="Re-derive every authority, not only those whose deliveries changed.",
        ),
    ] = False,
    la: Annotated[
        str | None,
        typer.Option(
            "--la",
            help="In a hub (WORKFORCE_HUB=1): run this authority's partition alone. Runs for "
            "different authorities run side by side.",
        ),
    ] = None,
) -> None:
    """One pass: ingest new or corrected files, build, validate, publish.

    In a hub, each authority is a run of its own (all of them with new files, one after the
    other, or `--la CODE`), and the hub file is rolled up after each publishes.

    Exit codes: 0 published, 2 an input file was rejected (the rest published),
    3 validation blocked publication, 1 any other failure.
    """
    if la is not None:
        os.environ[HUB_ENV] = "1"  # before the definitions load: partitioned by authority
    settings = Settings.from_env()
    if settings.hub:
        raise typer.Exit(run_hub(settings, la, full_refresh))
    if settings.rollup().warehouse.exists():
        console.print(
            f"[red]{settings.home} is a hub of many councils (each authority in a room of its "
            f"own): set {HUB_ENV}=1 to run it, for every authority or one (`--la CODE`)[/red]"
        )
        raise typer.Exit(EXIT_FAILED)
    settings.prepare()
    started = time.monotonic()
    refuse_if_configuration_is_wrong(settings)
    others = nothing_landed(settings)
    if others is not None:
        say_nothing_landed(settings, others)
        raise typer.Exit(EXIT_PUBLISHED)
    outcome = run_or_say(settings, full_refresh)
    print_outcome(settings, outcome)
    console.print(f"[dim]{time.monotonic() - started:.1f} s[/dim]")
    raise typer.Exit(outcome.exit_code)


def run_or_say(settings: Settings, full_refresh: bool) -> RunOutcome:
    try:
        return execute_pipeline(settings, full_refresh)
    except typer.Exit:  # refused, already said why
        raise
    except Exception as e:  # anything unforeseen still gets a clear line and exit 1
        console.print(f"[red]workforce run failed: {escape(str(e))}[/red]")
        raise typer.Exit(EXIT_FAILED) from e


def run_hub(home: Settings, la: str | None, full_refresh: bool) -> int:
    """A hub's `workforce run`: one authority's partition, or each authority's in turn; the
    exit code is the worst of theirs."""
    if la is not None and not is_la_code(la):
        return EXIT_FAILED
    if home.warehouse.exists():  # (the home's own: a single council's)
        console.print(
            f"[red]{home.home} is a single council's home (one warehouse for every authority: "
            f"{home.warehouse}); a hub keeps each authority "
            "apart: start the hub in a new WORKFORCE_HOME (docs/deployment.md)[/red]"
        )
        return EXIT_FAILED
    refuse_if_configuration_is_wrong(home)
    authorities = [la] if la else hub_authorities(home)
    if not authorities:
        say_nothing_landed(home, [])
        return EXIT_PUBLISHED
    codes = []
    for code in authorities:
        tenant = home.for_authority(code)
        tenant.prepare()
        started = time.monotonic()
        console.print(f"[bold]Authority {code}[/bold]")
        try:
            outcome = run_or_say(tenant, full_refresh)
        except typer.Exit as refused:
            codes.append(refused.exit_code)
            continue
        print_outcome(tenant, outcome)
        console.print(f"[dim]{time.monotonic() - started:.1f} s[/dim]")
        codes.append(outcome.exit_code)
    if not la:
        console.print(f"Hub file: {home.rollup().published}")
    if EXIT_FAILED in codes:
        return EXIT_FAILED
    return max(codes, default=EXIT_PUBLISHED)  # blocked (3) before rejected (2)


def is_la_code(la: str) -> bool:
    """Whether `--la` names an authority; says so when it does not."""
    from orchestration.ingest.landing import LA_CODE

    if LA_CODE.match(la):
        return True
    console.print(f"[red]--la {escape(la)}: not an authority's 3-digit DfE code[/red]")
    return False


def hub_authorities(home: Settings) -> list[str]:
    """The authorities of a hub: a folder in landing/, or a warehouse of their own."""
    from orchestration.ingest.landing import LA_CODE

    found = set()
    for folder in (home.landing, home.home / "warehouse"):
        if folder.is_dir():
            found |= {p.name for p in folder.iterdir() if p.is_dir() and LA_CODE.match(p.name)}
    return sorted(found)


@app.command()
def forget(
    la: Annotated[str, typer.Option("--la", help="The authority leaving the hub (3-digit code).")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Remove it: without this, only say what would go.")
    ] = False,
) -> None:
    """Remove one authority of a hub everywhere: its landing folder, warehouse, archive,
    rejected files, published file, returns, reports, exports, logs and audit trail, its runs
    in Dagster and its rows of the hub file (published again without them). What stays is one
    line in audit/forgotten.jsonl: the authority, when and by whom, and how much was removed.

    Exit codes: 0 forgotten (or, without --yes, listed), 1 refused (not a hub, or its run is
    under way)."""
    from orchestration.hub.forget import forget as forget_authority
    from orchestration.hub.forget import rooms

    os.environ[HUB_ENV] = "1"
    settings = Settings.from_env()
    if not is_la_code(la):
        raise typer.Exit(EXIT_FAILED)
    if settings.warehouse.exists():  # (the home's own: a single council's)
        console.print(
            f"[red]{settings.home} is a single council's home: its warehouse holds every "
            "authority together, so one cannot be removed from it alone[/red]"
        )
        raise typer.Exit(EXIT_FAILED)
    found = rooms(settings, la)
    if not yes:
        console.print(
            f"Would remove authority {la}: "
            + (
                ", ".join(p.relative_to(settings.home).as_posix() for p in found)
                or "nothing of it is stored"
            )
            + ", its Dagster runs and its rows of the hub file. "
            "Run again with --yes to remove it."
        )
        raise typer.Exit(EXIT_PUBLISHED)
    try:
        done = forget_authority(settings, la, log=lambda line: console.print(escape(line)))
    except WarehouseBusy as busy:
        console.print(f"[red]{escape(str(busy))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None
    console.print(escape(done.summary()))
    console.print(f"Recorded in {settings.home / 'audit' / 'forgotten.jsonl'}")


def landed_file_name(settings: Settings, file: str) -> str:
    """A file as named below landing/ (`383/agency_timesheets_20250131.csv`), however given:
    so, as `landing/383/...`, or as a path into the landing folder."""
    path = Path(file)
    try:
        return path.resolve().relative_to(settings.landing.resolve()).as_posix()
    except ValueError:
        pass
    name = path.as_posix()
    return name.removeprefix("./").removeprefix("landing/")


@app.command()
def accept(
    file: Annotated[
        str,
        typer.Argument(
            help="The file as named below landing/, e.g. 383/agency_timesheets_20250131.csv."
        ),
    ],
    reason: Annotated[
        str, typer.Option("--reason", help="Why its quarantined rows may be left out (recorded).")
    ],
) -> None:
    """Accept a loaded file over its quarantine bound on the record, so it no longer blocks.

    A file with more rows quarantined than max_quarantine_share (workforce.yaml) blocks every
    run until a correction supersedes it or this accepts it: who (the OS user), when and why
    go into audit.acceptances, each run's audit trail, the publications log and the board
    pack. The next `workforce run` publishes it. Exit codes: 0 accepted, 1 refused (the file
    is not loaded, not over its bound, already accepted, or the warehouse is busy)."""
    from orchestration.config import load_thresholds
    from orchestration.ingest.quarantine_share import NotAcceptable
    from orchestration.ingest.quarantine_share import accept as accept_file
    from orchestration.warehouse import connect

    settings = Settings.from_env()
    name = landed_file_name(settings, file)
    if settings.hub:  # the file's authority's room
        settings = settings.for_authority(name.split("/")[0])
    if not settings.warehouse.exists():
        console.print(
            f"[red]{escape(name)} is not loaded: nothing is loaded in {settings.home}[/red]"
        )
        raise typer.Exit(EXIT_FAILED)
    try:
        with warehouse_lock(
            settings.lock_file, {"run_id": None, "launched_by": "workforce accept"}
        ):
            with connect(settings.warehouse) as conn:
                found, acceptance = accept_file(
                    conn, name, reason, load_thresholds(settings.home).max_quarantine_share
                )
    except (NotAcceptable, WarehouseBusy) as refused:
        console.print(f"[red]Not accepted: {escape(str(refused))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(
        f"Accepted {found.counts()}; {acceptance.line()}. Recorded in audit.acceptances; the "
        "next `workforce run` publishes it, and its publications log and board pack name it."
    )


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Folder to write <la_code>/<kind>_<date>.csv into.")],
    authorities: Annotated[int, typer.Option(min=1, help="How many authorities.")] = 1,
    years: Annotated[int, typer.Option(min=1, help="How many census years.")] = 3,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 1,
    calibrate: Annotated[
        bool,
        typer.Option(
            "--calibrate",
            help="Meet DfE's published counts of each authority in the census years DfE "
            "publishes (reference/csww_indicators_2017_to_2025.csv).",
        ),
    ] = False,
) -> None:
    """Write synthetic extracts in the contract's format."""
    from orchestration.generator import generate as write_extracts

    started = time.monotonic()
    paths = write_extracts(
        out, authorities, years, seed, progress=console.print, calibrate=calibrate
    )
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
        typer.Option(
            help="Folder to write into, under stable file names (workforce.xlsx, <table>.csv, "
            "...) \\[default: $WORKFORCE_HOME/exports/<run id>]."
        ),
    ] = None,
) -> None:
    """Export every table of the published file for Excel, Power BI or pandas."""
    from orchestration.report.export import NoPublicationError, export_publication

    settings = Settings.from_env()
    if settings.hub:  # the hub file
        settings = settings.rollup()
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
        for note in t.notes:
            typer.echo(f"    {note}")
    for warning in done.warnings:
        console.print(f"[yellow]{escape(warning)}[/yellow]")
    typer.echo(f"Exported to {done.folder}")


@app.command()
def docs() -> None:
    """Generate dbt's documentation site (every model, column and lineage) as one HTML page."""
    from orchestration.report.dbt_docs import DocsError, generate_docs

    settings = Settings.from_env()
    settings.prepare()
    try:
        with warehouse_lock(settings.lock_file, {"run_id": None, "launched_by": "workforce docs"}):
            site = generate_docs(settings)
    except (DocsError, WarehouseBusy) as e:
        console.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(f"dbt docs (open in a browser): {site.page}")


# --la and --year of the commands that write one authority's census-year output
AuthorityOption = Annotated[
    str | None,
    typer.Option("--la", help="3-digit DfE authority code \\[default: the only one published]."),
]
CensusYearOption = Annotated[
    int | None,
    typer.Option("--year", help="Census year (to 30 Sep) \\[default: the latest published]."),
]


@app.command()
def report(
    la: AuthorityOption = None,
    year: CensusYearOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="HTML file to write \\[default: $WORKFORCE_HOME/reports/board-pack-<la>-<year>.html]."
        ),
    ] = None,
) -> None:
    """Write the board pack: one self-contained HTML page from the published, validated figures."""
    from orchestration.config import ConfigError
    from orchestration.report import ReportError, write_board_pack

    settings = Settings.from_env().of_authority(la)
    try:
        path = write_board_pack(settings, la, year, out)
    except (ReportError, ConfigError) as e:
        console.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(f"Board pack: {path}")


def census_lines(settings: Settings, la: str, year: int, out: Path | None) -> int:
    """Build, check and write one census return through its Dagster asset; print where it went
    and what the checks found; return the exit code (0 ready, 3 errors, 1 not built)."""
    import csv

    from orchestration.census.run import RESTRICTED_NOTICE
    from orchestration.census.source import published_years

    console.print(f"[yellow]{escape(RESTRICTED_NOTICE)}[/yellow]")
    published = published_years(settings)
    if (la, year) not in published:  # said at once, before Dagster starts
        choices = ", ".join(f"{code} {census}" for code, census in published) or "none"
        console.print(
            f"[red]Authority {escape(la)}, census year {year} is not published (published: "
            f"{escape(choices)}); run `workforce run` first[/red]"
        )
        return EXIT_FAILED
    refuse_if_busy(settings)
    log_path = command_log(settings, "census")
    from orchestration.defs.census import materialize_census_return

    metadata, error = materialize_census_return(settings, la, year, out, log_path)
    if error:
        console.print(f"[red]Census return not built: {escape(error)}[/red]")
        console.print(f"Log: {log_path}")
        return EXIT_FAILED
    typer.echo(metadata["summary"])
    if metadata.get("encoding_note"):
        console.print(f"[yellow]{escape(metadata['encoding_note'])}[/yellow]")
    with open(metadata["report_csv"], newline="", encoding="utf-8") as f:
        findings = list(csv.DictReader(f))
    for finding in findings[:10]:
        colour = "red" if finding["severity"] == "error" else "yellow"
        value = f" = {finding['value']}" if finding["value"] else ""
        console.print(
            f"  [{colour}]{finding['severity']}[/{colour}] {finding['rule']} "
            f"{escape(finding['worker'])} {finding['item']}{escape(value)}: "
            f"{escape(finding['message'])}"
        )
    if len(findings) > 10:
        console.print(f"  ... and {len(findings) - 10} more in the report")
    typer.echo(
        f"Return ({'ready to submit' if metadata['ready'] else 'NOT READY'}): {metadata['path']}"
    )
    typer.echo(f"Validation report: {metadata['report']} (and {metadata['report_csv']})")
    return EXIT_PUBLISHED if metadata["ready"] else EXIT_BLOCKED


@app.command()
def census(
    la: AuthorityOption = None,
    year: CensusYearOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="XML file to write \\[default: $WORKFORCE_HOME/census/csww-<la>-<year>.xml]."
        ),
    ] = None,
) -> None:
    """Write the authority's DfE census return (CSWW XML) for the census year, from the
    published, validated data, checked against DfE's schema and business rules.

    Exit codes: 0 no errors (queries listed), 3 errors (the XML is written as
    ...-NOT-READY-has-errors.xml beside the report), 1 not built.
    """
    from orchestration.census.source import published_years

    settings = Settings.from_env()
    published = published_years(settings)
    authorities = sorted({code for code, _ in published})
    if la is None and len(authorities) == 1:
        la = authorities[0]
    if la is None:
        console.print(
            f"[red]Give --la: published authorities are {', '.join(authorities) or 'none'}[/red]"
        )
        raise typer.Exit(EXIT_FAILED)
    if year is None:
        year = max((census for code, census in published if code == la), default=0)
    try:
        code = census_lines(settings.of_authority(la), la, year, out)
    except typer.Exit:  # refused, already said why
        raise
    except Exception as e:  # anything unforeseen still gets a clear line and exit 1
        console.print(f"[red]workforce census failed: {escape(str(e))}[/red]")
        raise typer.Exit(EXIT_FAILED) from e
    raise typer.Exit(code)


def agency_return_lines(settings: Settings, la: str, quarter: str, out: Path | None) -> int:
    """Build and write one agency rules return through its Dagster asset; print what it found
    and where it went; return the exit code (0 written, 1 not built)."""
    from orchestration.agency_rules.run import RESTRICTED_NOTICE
    from orchestration.agency_rules.source import (
        AgencyReturnError,
        published_quarters,
        quarter_dates,
        refusal,
    )

    try:
        quarter_dates(quarter)
    except AgencyReturnError as e:
        console.print(f"[red]{escape(str(e))}[/red]")
        return EXIT_FAILED
    quarter = quarter.strip().upper()
    if why := refusal(published_quarters(settings), la, quarter):  # said at once
        console.print(f"[red]{escape(why)}[/red]")
        return EXIT_FAILED
    console.print(f"[yellow]{escape(RESTRICTED_NOTICE)}[/yellow]")
    refuse_if_busy(settings)
    log_path = command_log(settings, "agency-return")
    from orchestration.defs.agency_rules import materialize_agency_return

    metadata, error = materialize_agency_return(settings, la, quarter, out, log_path)
    if error:
        console.print(f"[red]Agency rules return not built: {escape(error)}[/red]")
        console.print(f"Log: {log_path}")
        return EXIT_FAILED
    typer.echo(
        f"Agency rules return {la} {quarter}: {metadata['assignments']} agency assignment(s) of "
        "registered social workers active in the quarter"
    )
    from orchestration.agency_rules.run import RULE_MEASURES

    for measure, _ in RULE_MEASURES:
        typer.echo(f"  {measure}: {metadata[measure]}")
    for key, value in metadata.items():
        if key.startswith("agency_cost_gbp "):
            typer.echo(f"  agency_cost_gbp {key.split()[1]}: £{value}")
    if metadata["missing_swe_numbers"]:
        console.print(
            f"[yellow]  {metadata['missing_swe_numbers']} assignment(s) without an SWE number "
            "in the deliveries: its cell is empty[/yellow]"
        )
    typer.echo(f"Assignments (owner-only): {metadata['assignments_file']}")
    typer.echo(f"Summary (owner-only): {metadata['summary_file']}")
    return EXIT_PUBLISHED


@app.command("agency-return")
def agency_return(
    la: Annotated[str, typer.Option("--la", help="3-digit DfE authority code.")],
    quarter: Annotated[str, typer.Option("--quarter", help="Calendar quarter, YYYYQn (2025Q3).")],
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to write to \\[default: $WORKFORCE_HOME/agency-returns/]."),
    ] = None,
) -> None:
    """Write the authority's agency rules return to DfE for the quarter: every agency
    assignment active in it with its SWE number and each rule's flag, and the per-rule counts
    and monthly agency cost, from the published, validated data (two owner-only CSV files).

    Exit codes: 0 written, 1 not built (unknown authority, a quarter without data, no
    publication).
    """
    settings = Settings.from_env().of_authority(la)
    try:
        code = agency_return_lines(settings, la, quarter, out)
    except typer.Exit:  # refused, already said why
        raise
    except Exception as e:  # anything unforeseen still gets a clear line and exit 1
        console.print(f"[red]workforce agency-return failed: {escape(str(e))}[/red]")
        raise typer.Exit(EXIT_FAILED) from e
    raise typer.Exit(code)


def headline_table(published: Path) -> Table:
    """The headline KPIs with their target and RAG, and England's figure for the rates (a
    council's count set against England's total compares nothing)."""
    from orchestration.report.headline import headline_figures

    census, rows = headline_figures(published)
    table = Table(title=f"Headline KPIs, census year to {census}")
    table.add_column("Authority")
    table.add_column("KPI")
    table.add_column("Value", justify="right")
    table.add_column("Target", justify="right")
    table.add_column("England", justify="right")
    for row in rows:
        suffix = "%" if row.unit == "percent" else ""
        target = "-" if row.target is None else f"{row.target:,.1f}{suffix}"
        table.add_row(
            row.authority,
            row.label,
            "-" if row.value is None else f"{row.value:,.1f}{suffix}",
            target + (f" ({row.rag})" if row.rag else ""),
            "-" if row.england is None else f"{row.england:,.1f}{suffix}",
        )
    table.caption = "England: DfE's published rate for the same year (rates only)."
    return table


# why the demo's return is not ready: the generator leaves these cells blank on purpose
DEMO_GAPS = (
    "Not ready on purpose: the demo's HR extract leaves a few qual_inst (asked for to 2024) and "
    "base_salary_gbp (from 2025) cells blank, as real HR systems do, so the return shows what "
    "its report finds and how to fix it. A council's return is ready when the report has no error:"
)


def demo_census_return(settings: Settings) -> None:
    """The latest year's census return: its path and its validation summary (a few lines; the
    return is built in under a second, without Dagster's start-up)."""
    from orchestration.census.run import RESTRICTED_NOTICE, CensusError, generate_census_return
    from orchestration.census.source import published_years

    published = published_years(settings)
    if not published:
        return
    la, year = max(published, key=lambda pair: (pair[1], pair[0]))
    console.print(f"[dim]{escape(RESTRICTED_NOTICE)}[/dim]")
    try:
        result = generate_census_return(settings, la, year)
    except CensusError as e:
        console.print(f"[red]Census return not built: {escape(str(e))}[/red]")
        return
    Console().print(f"Census return: {result.path}", soft_wrap=True)
    Console().print(f"  {result.summary}; report: {result.report_html}", soft_wrap=True)
    if result.note:
        console.print(f"  [yellow]{escape(result.note)}[/yellow]")
    if not result.ready:
        from orchestration.census.report import causes

        console.print(f"  [yellow]{DEMO_GAPS}[/yellow]")
        for first, count, _ in causes(result.errors):
            console.print(
                f"  {first.code} x{count}: {escape(first.message)}. Fix: {escape(first.fix)}"
            )


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed for the sample extracts.")] = 1,
    years: Annotated[int, typer.Option(min=1, help="Census years of history.")] = 3,
) -> None:
    """Generate one authority's sample extracts, run the pipeline, show the headline KPIs.

    The authority (Leeds, 383) is calibrated to DfE's published counts, so its headline rates
    are DfE's for the census years DfE publishes. DfE's indicators and statistical neighbour
    groupings are delivered beside the extracts, so the authority is compared with its
    neighbours and ranked among the other authorities."""
    from orchestration.generator import generate as write_extracts
    from orchestration.generator.dfe_files import LICENCE, write_dfe_files

    settings = Settings.from_env()
    settings.prepare()
    refuse_if_configuration_is_wrong(settings)
    console.print(f"Writing sample extracts for one authority into {settings.landing} ...")
    write_extracts(settings.landing, 1, years, seed, calibrate=True)
    dfe_files = ", ".join(path.name for path in write_dfe_files(settings.landing))
    console.print(f"and DfE's published files beside them ({dfe_files}). {LICENCE}")
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
        demo_census_return(settings)
    raise typer.Exit(outcome.exit_code)
