"""Calibrated council-years, spelled as real systems export them, publish DfE's rates.

Generates N calibrated authorities x Y years (each meets DfE's published counts in the census
years DfE publishes in full: docs/generator.md), then writes every generated file again in
each of several real export styles, the values unchanged, one landing folder per style:

  tidy           the generator's own files (the control)
  hr-ten-places  FTE, hours and days as an HR system writes them, to 10 places
                 (`0.8000000000`); money to 10 places (`42.5000000000`)
  register-swe   SWE numbers as on the Social Work England register: `SW` and the digits
                 without leading zeros (`SW0355612466` -> `SW355612466`), some in lower case
  excel          Excel's "Save as CSV": numbers as doubles to 15 significant digits, dates
                 DD/MM/YYYY, booleans TRUE/FALSE, CRLF, UTF-8 with a BOM
  padded-quoted  every cell quoted with spaces inside the quotes, decimals with trailing
                 zeros (`0.8000`), numeric codes zero-padded (`05`)
  windows-1252   encoded cp1252 (`?` for a letter it lacks, as Windows writes it), money as
                 `£1,234.50` (`-£12.00`), CRLF
  sql-export     dates `2025-09-30 00:00:00`, booleans 1/0, money `1234.5000`, `NULL` for
                 every empty cell but free text (a team, a job title, an id)

Each style gets a fresh WORKFORCE_HOME and one `workforce run`. The table gives its exit
code and time, the rows quarantined (`audit.quarantine`) and files rejected (`rejected/`),
how many authority-years publish DfE's figure (reference/csww_indicators_2017_to_2025.csv)
to 0.1 on every headline rate DfE publishes for them (turnover, vacancy, agency, caseload,
sickness absence; a DfE symbol is no figure), the worst difference, and whether the style's
`kpi_values` are the tidy control's, value by value. Measures and explains; asserts nothing.

    python benchmarks/real_exports.py --authorities 25 --years 1
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.contract import KINDS, Column, Type
from orchestration.generator import generate
from orchestration.ingest.landing import landed_files

WORKFORCE = Path(sys.executable).with_name("workforce")
DFE_INDICATORS = Path(__file__).parents[1] / "reference" / "csww_indicators_2017_to_2025.csv"
HEADLINE_RATES = (
    "turnover_rate_fte",
    "vacancy_rate_fte",
    "agency_rate_fte",
    "caseload_fte",
    "absence_rate_fte",
)
TOLERANCE = 0.1  # DfE publishes to one decimal place
DECIMALS = (Type.FTE, Type.QUANTITY, Type.MONEY)


# --- the styles: how one cell is spelled -----------------------------------------------------


def free_text(column: Column) -> bool:
    """Text kept as delivered (docs/extracts.md): `NULL` there would be the word."""
    return column.type is Type.TEXT and not column.pattern


def places(value: str, count: int) -> str:
    """A decimal at exactly `count` places; the generator writes at most 2, so no rounding."""
    return f"{Decimal(value):.{count}f}"


def excel_number(value: str) -> str:
    """A double as Excel saves it: 15 significant digits, no exponent, no trailing zeros
    (0.8 stays 0.8, 1/3 is 0.333333333333333)."""
    spelled = f"{float(value):.15g}"
    if "e" in spelled:  # beyond .15g's fixed range (not in generated extracts): spell it out
        spelled = f"{Decimal(spelled):f}"
    return spelled


def day_first(value: str) -> str:
    year, month, day = value.split("-")
    return f"{day}/{month}/{year}"


def pounds(value: str) -> str:
    """`£1,234.50`, `-£12.00`: a finance export's money."""
    amount = Decimal(value)
    if amount.as_tuple().exponent > -2:
        amount = amount.quantize(Decimal("0.01"))
    return f"{'-' if amount < 0 else ''}£{abs(amount):,f}"


def register_number(value: str) -> str:
    """`SW0355612466` as on the register: `SW355612466`; one number in four (by the number,
    so a person keeps it everywhere) in lower case, as typed by hand."""
    number = int(value[2:])
    return f"{'sw' if number % 4 == 0 else 'SW'}{number}"


def hr_ten_places(column: Column, value: str) -> str:
    return places(value, 10) if value and column.type in DECIMALS else value


def register_swe(column: Column, value: str) -> str:
    return register_number(value) if value and column.name == "swe_number" else value


def excel(column: Column, value: str) -> str:
    if not value:
        return value
    if column.type in DECIMALS:
        return excel_number(value)
    if column.type is Type.DATE:
        return day_first(value)
    if column.type is Type.BOOL:
        return value.upper()
    return value


def padded_quoted(column: Column, value: str) -> str:
    if value and column.type in DECIMALS:
        value = places(value, 4)
    elif value and column.type is Type.INT_CODE:
        value = f"{int(value):02d}"
    return f" {value} "


def windows_1252(column: Column, value: str) -> str:
    return pounds(value) if value and column.type is Type.MONEY else value


def sql_export(column: Column, value: str) -> str:
    if not value:
        return value if free_text(column) else "NULL"
    if column.type is Type.DATE:
        return f"{value} 00:00:00"
    if column.type is Type.BOOL:
        return {"true": "1", "false": "0"}[value]
    if column.type is Type.MONEY:
        return places(value, 4)
    return value


@dataclass(frozen=True)
class Style:
    name: str
    cell: Callable[[Column, str], str] | None  # None: the generator's file as it is
    encoding: str = "utf-8"
    line_end: str = "\n"
    quote_all: bool = False
    pad_header: bool = False


STYLES = (
    Style("tidy", None),
    Style("hr-ten-places", hr_ten_places),
    Style("register-swe", register_swe),
    Style("excel", excel, encoding="utf-8-sig", line_end="\r\n"),
    Style("padded-quoted", padded_quoted, quote_all=True, pad_header=True),
    Style("windows-1252", windows_1252, encoding="cp1252", line_end="\r\n"),
    Style("sql-export", sql_export),
)


def kind_of(path: Path) -> str:
    return re.fullmatch(r"(.+)_\d{8}", path.stem)[1]


def restyle(generated: Path, landing: Path, style: Style) -> int:
    """Every generated file written again in `style` under `landing`; the number of files."""
    if style.cell is None:
        shutil.copytree(generated, landing)
        return len(list(landing.glob("*/*.csv")))
    count = 0
    for source in sorted(generated.glob("*/*.csv")):
        kind = KINDS[kind_of(source)]
        target = landing / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open(encoding="utf-8", newline="") as file:
            rows = csv.reader(file)
            header = next(rows)
            columns = [kind.column(name) for name in header]
            # newline="": the csv module writes the line end itself. A character the code page
            # lacks is written `?`, as Windows does (in generated files: names, such as the
            # `ł` of Małgorzata; names are dropped as a file is read)
            with target.open("w", encoding=style.encoding, errors="replace", newline="") as out:
                writer = csv.writer(
                    out,
                    lineterminator=style.line_end,
                    quoting=csv.QUOTE_ALL if style.quote_all else csv.QUOTE_MINIMAL,
                )
                writer.writerow([f" {h} " if style.pad_header else h for h in header])
                for row in rows:
                    writer.writerow(
                        style.cell(column, value)
                        for column, value in zip(columns, row, strict=True)
                    )
        count += 1
    return count


# --- what a run published --------------------------------------------------------------------


def dfe_figures() -> dict[tuple[str, int, str], float]:
    """DfE's published headline rates by (authority, census year, KPI); symbols left out."""
    figures = {}
    with DFE_INDICATORS.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["geographic_level"] != "Local authority":
                continue
            for kpi in HEADLINE_RATES:
                try:
                    figures[row["old_la_code"], int(row["time_period"]), kpi] = float(row[kpi])
                except ValueError:  # x, u, z, c, low: DfE gives no figure
                    pass
    return figures


def published_kpis(home: Path) -> dict[tuple, tuple]:
    """kpi_values by its key (authority, KPI, breakdown, period), all but the run id."""
    path = home / "published" / "workforce.duckdb"
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as conn:
        rows = conn.execute(
            "select la_code, kpi_code, breakdown, breakdown_value, period_type, period_start, "
            "period_end, * exclude (la_code, kpi_code, breakdown, breakdown_value, period_type, "
            "period_start, period_end, published_run_id) from kpi_values"
        ).fetchall()
    return {row[:7]: row[7:] for row in rows}


def headline_rates(kpis: dict[tuple, tuple]) -> dict[tuple[str, int, str], float]:
    """Each authority's headline census-year rates: (la_code, census year, KPI) -> value."""
    return {
        (la, end.year, kpi): float(rest[0])
        for (la, kpi, breakdown, _, period_type, _, end), rest in kpis.items()
        if la != "ALL"
        and period_type == "census_year"
        and breakdown == "total"
        and kpi in HEADLINE_RATES
        and rest[0] is not None
    }


def against_dfe(rates: dict, dfe: dict) -> tuple[int, int, float, str]:
    """Authority-years within 0.1 of DfE on every rate DfE publishes for them, of those
    compared, and the worst difference (with where it is, and how many rates were compared)."""
    years: dict[tuple[str, int], bool] = {}
    worst, where = 0.0, ""
    compared = [(key, value) for key, value in sorted(rates.items()) if key in dfe]
    for (la, year, kpi), value in compared:
        difference = abs(value - dfe[la, year, kpi])
        # DfE rounds to one place; 1e-9 absorbs binary floating point (0.1 is no double)
        years[la, year] = years.get((la, year), True) and difference <= TOLERANCE + 1e-9
        if difference > worst:
            worst, where = difference, f"{la} {year} {kpi}: {value:.3f} vs DfE {dfe[la, year, kpi]}"
    where += f" ({len(compared)} rates compared)"
    return sum(years.values()), len(years), worst, where


def quarantined(home: Path) -> tuple[int, list[tuple]]:
    """Rows in audit.quarantine, and the commonest (file, column, rule) with their counts."""
    path = home / "warehouse" / "warehouse.duckdb"
    if not path.exists():
        return 0, []
    with duckdb.connect(str(path), read_only=True) as conn:
        total = conn.execute("select count(*) from audit.quarantine").fetchone()[0]
        commonest = conn.execute(
            "select la_code || '/' || file_name || ' row ' || min(source_row), column_name, "
            "rule, any_value(value), count(*) from audit.quarantine "
            "group by la_code, file_name, column_name, rule order by 5 desc limit 5"
        ).fetchall()
    return total, commonest


def rejected(home: Path) -> list[Path]:
    return sorted((home / "rejected").glob("*.reason.txt"))


def differences(kpis: dict[tuple, tuple], control: dict[tuple, tuple]) -> tuple[int, list[str]]:
    """Rows of kpi_values not as the control publishes them (missing, extra or other values)."""
    differ = [key for key in control.keys() | kpis.keys() if kpis.get(key) != control.get(key)]
    shown = [f"{key}: {kpis.get(key)} vs tidy {control.get(key)}" for key in sorted(differ)[:3]]
    return len(differ), shown


# --- one style, landed to published ----------------------------------------------------------


def workforce_run(home: Path) -> tuple[int, float]:
    """`workforce run` on `home` as benchmarks/national.py runs it: exit code and wall time."""
    started = time.perf_counter()
    child = subprocess.run(
        [str(WORKFORCE), "run"],
        env={**os.environ, "WORKFORCE_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seconds = time.perf_counter() - started
    if child.returncode not in (0, 2):
        print(child.stdout[-4000:], file=sys.stderr)
    return child.returncode, seconds


@dataclass
class Outcome:
    style: str
    exit_code: int
    seconds: float
    quarantined: int
    rejected: int
    matching: int
    compared: int
    worst: float
    worst_where: str
    kpis: dict
    notes: list[str]


def measure(root: Path, generated: Path, style: Style, dfe: dict, keep: bool) -> Outcome:
    home = root / style.name
    restyle(generated, home / "landing", style)
    exit_code, seconds = workforce_run(home)
    total, commonest = quarantined(home)
    refused = rejected(home)
    kpis = published_kpis(home)
    matching, compared, worst, where = against_dfe(headline_rates(kpis), dfe)
    notes = [f"quarantined {n:,} x {f} {c}: {r} (e.g. {v!r})" for f, c, r, v, n in commonest]
    notes += [f"rejected: {p.read_text(errors='replace').strip()}" for p in refused[:5]]
    if not keep:
        shutil.rmtree(home)
    return Outcome(
        style.name,
        exit_code,
        seconds,
        total,
        len(refused),
        matching,
        compared,
        worst,
        where,
        kpis,
        notes,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authorities", type=int, default=25)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--styles",
        type=lambda text: text.split(","),
        default=[s.name for s in STYLES],
        help="comma-separated, of: " + ", ".join(s.name for s in STYLES) + " (tidy always runs)",
    )
    parser.add_argument("--keep", action="store_true", help="keep every style's home")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="workforce-real-exports-"))
    generated = root / "generated"
    started = time.perf_counter()
    generate(generated, args.authorities, args.years, args.seed, calibrate=True)
    files = list(landed_files(generated))
    authorities = sorted(p.name for p in generated.iterdir() if p.is_dir())
    print(
        f"generated {len(files):,} files ({sum(p.stat().st_size for p in files) / 1e6:,.0f} MB) "
        f"for {len(authorities)} calibrated authorities x {args.years} years in "
        f"{time.perf_counter() - started:,.1f} s: {' '.join(authorities)}"
    )
    print(f"homes under {root}")

    dfe = dfe_figures()
    chosen = [s for s in STYLES if s.name == "tidy" or s.name in args.styles]
    outcomes = []
    for style in chosen:
        outcome = measure(root, generated, style, dfe, args.keep)
        print(
            f"  {style.name}: exit {outcome.exit_code} in {outcome.seconds:,.1f} s",
            flush=True,
        )
        outcomes.append(outcome)
    if not args.keep:
        shutil.rmtree(generated)

    control = outcomes[0].kpis
    print(
        "\n| style | exit | seconds | quarantined rows | rejected files "
        "| authority-years matching DfE / compared | worst difference | kpi_values as tidy |"
        "\n|---|---|---|---|---|---|---|---|"
    )
    for o in outcomes:
        differ, shown = differences(o.kpis, control)
        o.notes += shown
        same = (
            "(control)"
            if o is outcomes[0]
            else "yes"
            if not differ
            else f"no: {differ:,} of {len(control):,} rows differ"
        )
        print(
            f"| {o.style} | {o.exit_code} | {o.seconds:,.1f} | {o.quarantined:,} | {o.rejected} "
            f"| {o.matching} / {o.compared} | {o.worst:.3f} | {same} |"
        )
    print(f"\n{len(control):,} kpi_values rows in the control")
    for o in outcomes:
        if o.worst_where:
            print(f"{o.style} worst: {o.worst_where}")
        for note in o.notes:
            print(f"{o.style}: {note}")


if __name__ == "__main__":
    main()
