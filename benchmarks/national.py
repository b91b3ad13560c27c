"""What a run costs at regional or national scale, against what it delivers.

Generates (or reuses) a WORKFORCE_HOME of N authorities x Y years of extracts and prints one
table, every figure from this one run (the machine is shared: compare ratios, not seconds
across runs):

  files, MB and rows landed
  floor         DuckDB reading every landed file once, one query per kind
  full build    `workforce run` from an empty warehouse over everything landed
  one delivery  one authority's next `hr_staff` snapshot, landed to published
  correction    that snapshot delivered again with one cell changed
  no-op         `workforce run` with nothing new landed
  peak RSS      the largest resident set of any `workforce run` above
  sizes         warehouse and published files

With --hub, the home is a hub of many councils (WORKFORCE_HUB=1, docs/deployment.md): the
full build runs the authorities two at a time (`workforce run --la`, as the run queue does),
a delivery is its authority's run alone (the hub file's roll-up included), and the table adds
two authorities' deliveries run side by side against one.

With --sweep-authorities and --sweep-years, the one-delivery cost is also measured on fresh
homes of every authorities x years pair given, and plotted (PNG) against the size of the
history it lands on (--no-table: the sweep alone; --earlier adds a point measured by the
table's run at a scale too long to build twice; with --hub, --build-at-most N builds N
authorities of a larger pair and widens the hub to the rest). Measures only; asserts nothing.

    python benchmarks/national.py --authorities 20 --years 5
    python benchmarks/national.py --no-table --sweep-authorities 1,20,150 --sweep-years 1,3,10 \\
        --earlier 150,10,41.5 --plot docs/performance-delivery.png
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from orchestration.contract import KINDS
from orchestration.generator import generate
from orchestration.ingest.landing import landed_files

WORKFORCE = Path(sys.executable).with_name("workforce")
# what a full build starts without: everything but the landing folder and the settings
BUILT = ("warehouse", "published", "archive", "rejected", "audit", "dagster", "dbt", "logs")


@dataclass
class Timed:
    seconds: float
    exit_code: int
    peak_mb: float


def authorities_of(landing: Path) -> list[str]:
    return sorted(p.name for p in landing.iterdir() if p.is_dir())


def side_by_side(home: Path, la_codes: list[str], at_once: int = 2) -> Timed:
    """Each authority's `workforce run --la`, `at_once` of them at a time (a hub's run queue)."""
    started = time.perf_counter()
    queue, running, worst = list(la_codes), [], 0
    while queue or running:
        while queue and len(running) < at_once:
            running.append(start_run(home, "--la", queue.pop(0)))
        time.sleep(0.1)
        for child in [c for c in running if c.poll() is not None]:
            output, _ = child.communicate()
            if child.returncode not in (0, 2):
                print(output[-4000:], file=sys.stderr)
            worst = max(worst, child.returncode)
            running.remove(child)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Timed(time.perf_counter() - started, worst, peak_mb)


def start_run(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [str(WORKFORCE), "run", *args],
        env={**os.environ, "WORKFORCE_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def workforce_run(home: Path, *args: str) -> Timed:
    """`workforce run` as a child process: wall time, exit code and its peak RSS."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [str(WORKFORCE), "run", *args],
        env={**os.environ, "WORKFORCE_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output, _ = child.communicate()
    seconds = time.perf_counter() - started
    if child.returncode not in (0, 2):
        print(output[-4000:], file=sys.stderr)
    # ru_maxrss of RUSAGE_CHILDREN is the largest of the children waited for so far
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return Timed(seconds, child.returncode, peak_mb)


def floor(landing: Path) -> tuple[float, int]:
    """DuckDB reading every landed file once: one query per kind over all its files."""
    started = time.perf_counter()
    rows = 0
    with duckdb.connect() as conn:
        for kind in KINDS:
            files = [str(p) for p in landing.glob(f"*/{kind}_*.csv")]
            if files:
                rows += conn.execute(
                    # one schema per kind (the generator writes the contract's header):
                    # union_by_name would sniff every file and cost ten times the read
                    "select count(*) from read_csv(?, header = true, all_varchar = true)",
                    [files],
                ).fetchone()[0]
    return time.perf_counter() - started, rows


def next_snapshot(landing: Path, la_code: str, months: int = 1) -> tuple[Path, Path]:
    """The authority's latest hr_staff file, and the name of its snapshot `months` month-ends
    after it."""
    latest = sorted((landing / la_code).glob("hr_staff_*.csv"))[-1]
    day = date.fromisoformat(re.search(r"_(\d{8})\.", latest.name)[1]).replace(day=1)
    for _ in range(months + 1):
        day = (day + timedelta(days=32)).replace(day=1)
    return latest, latest.with_name(f"hr_staff_{day - timedelta(days=1):%Y%m%d}.csv")


def with_one_cell_changed(text: str) -> str:
    """The same snapshot with the first row's team renamed: a correction."""
    rows = list(csv.DictReader(io.StringIO(text)))
    rows[0]["team"] = (rows[0].get("team") or "") + " (corrected)"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def megabytes(path: Path) -> float:
    return path.stat().st_size / 1e6 if path.exists() else 0.0


def prepare_home(home: Path, authorities: int, years: int, seed: int) -> None:
    """Extracts in landing/ (generated unless already there), nothing built yet."""
    landing = home / "landing"
    if not landing.exists():
        started = time.perf_counter()
        paths = generate(landing, authorities, years, seed)
        print(f"generated {len(paths):,} files in {time.perf_counter() - started:,.1f} s")
    for folder in BUILT:
        shutil.rmtree(home / folder, ignore_errors=True)


def one_delivery(home: Path, hub: bool = False) -> tuple[Timed, Path]:
    """Land the first authority's next hr_staff snapshot and run (in a hub, its run)."""
    landing = home / "landing"
    la_code = authorities_of(landing)[0]
    latest, following = next_snapshot(landing, la_code)
    following.write_bytes(latest.read_bytes())
    return workforce_run(home, *(["--la", la_code] if hub else [])), following


def two_deliveries(home: Path) -> tuple[Timed, list[Path]]:
    """The next snapshots of the second and third authorities, their runs side by side."""
    la_codes = authorities_of(home / "landing")[1:3]
    delivered = []
    for la_code in la_codes:
        latest, following = next_snapshot(home / "landing", la_code)
        following.write_bytes(latest.read_bytes())
        delivered.append(following)
    return side_by_side(home, la_codes), delivered


def measure(home: Path, authorities: int, years: int, seed: int, hub: bool) -> dict[str, str]:
    prepare_home(home, authorities, years, seed)
    landing = home / "landing"
    files = list(landed_files(landing))
    landed_mb = sum(p.stat().st_size for p in files) / 1e6
    floor_seconds, rows = floor(landing)
    full = side_by_side(home, authorities_of(landing)) if hub else workforce_run(home)
    delivery, delivered = one_delivery(home, hub)
    first = ["--la", authorities_of(landing)[0]] if hub else []
    delivered.write_text(with_one_cell_changed(delivered.read_text()))
    correction = workforce_run(home, *first)
    noop = workforce_run(home, *first)
    delivered.unlink()  # the landing folder as generated, for the next run of this script
    peak = max(t.peak_mb for t in (full, delivery, correction, noop))
    share = lambda t: f"{t.seconds:,.1f} s ({t.seconds / full.seconds:.1%} of full)"  # noqa: E731
    extra = {}
    if hub and authorities >= 3:
        both, landed_two = two_deliveries(home)
        for path in landed_two:
            path.unlink()
        extra["two authorities' deliveries, side by side"] = (
            f"{both.seconds:,.1f} s ({both.seconds / delivery.seconds:.2f}x one; "
            f"exit {both.exit_code})"
        )
    warehouses = [home / "warehouse" / "warehouse.duckdb"]
    if hub:
        warehouses = list((home / "warehouse").glob("*/warehouse.duckdb"))
    return {
        "scale": f"{authorities} authorities x {years} years",
        "landed": f"{len(files):,} files, {landed_mb:,.0f} MB, {rows:,} rows",
        "floor (read every file once)": f"{floor_seconds:,.1f} s",
        "full build": f"{full.seconds:,.1f} s (exit {full.exit_code}; "
        f"{full.seconds / floor_seconds:,.1f}x the floor)",
        "one new delivery": share(delivery) + f" (exit {delivery.exit_code})",
        "a correction": share(correction) + f" (exit {correction.exit_code})",
        **extra,
        "no-op": f"{noop.seconds:,.1f} s (exit {noop.exit_code})",
        "peak RSS": f"{peak:,.0f} MB",
        "warehouse": f"{sum(megabytes(w) for w in warehouses):,.0f} MB"
        + (f" in {len(warehouses)} files" if hub else ""),
        "published": f"{megabytes(home / 'published' / 'workforce.duckdb'):,.1f} MB",
    }


def sweep(
    root: Path,
    authorities: list[int],
    years: list[int],
    seed: int,
    skip: set[tuple[int, int]],
    hub: bool = False,
    built_at_most: int | None = None,
) -> list[tuple[int, int, float]]:
    """One delivery's cost on fresh homes of each authorities x years pair (but `skip`). In a
    hub, a pair of more than `built_at_most` authorities builds that many and widens the hub
    to the rest (`widen_hub`, which understates the roll-up's publication log)."""
    points = []
    for n in authorities:
        for y in years:
            if (n, y) in skip:
                continue
            home = root / f"sweep-{n}x{y}" / "workforce-data"
            built = min(n, built_at_most) if hub and built_at_most else n
            prepare_home(home, built, y, seed)
            if hub:
                side_by_side(home, authorities_of(home / "landing"))
                widened = widen_hub(home, n) if built < n else 0
            else:
                workforce_run(home)
            delivery, delivered = one_delivery(home, hub)
            shutil.rmtree(home.parent)  # a national sweep's homes would not fit on disk together
            how = f" ({built} built, the hub widened by {widened})" if built < n else ""
            print(
                f"  sweep {n:>3} authorities x {y:>2} years: one delivery "
                f"{delivery.seconds:.1f} s{how}"
            )
            points.append((n, y, delivery.seconds))
    return points


def plot(
    points: list[tuple[int, int, float]], path: Path, earlier: list[tuple[int, int, float]]
) -> None:
    """Delivery cost against years of history and against authorities; `earlier` points
    (measured by an earlier run of the table) are drawn hollow."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (by_years, by_authorities) = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    every = points + earlier
    for n in sorted({n for n, _, _ in every}):
        line = sorted((y, s) for m, y, s in every if m == n)
        drawn = by_years.plot(
            *zip(*line, strict=True), marker="o", label=f"{n} authorit{'y' if n == 1 else 'ies'}"
        )
        hollow = [(y, s) for m, y, s in earlier if m == n]
        if hollow:
            by_years.plot(*zip(*hollow, strict=True), "o", mfc="white", c=drawn[0].get_color())
    for y in sorted({y for _, y, _ in every}):
        line = sorted((n, s) for n, z, s in every if z == y)
        drawn = by_authorities.plot(
            *zip(*line, strict=True), marker="o", label=f"{y} year{'' if y == 1 else 's'}"
        )
        hollow = [(n, s) for n, z, s in earlier if z == y]
        if hollow:
            by_authorities.plot(
                *zip(*hollow, strict=True), "o", mfc="white", c=drawn[0].get_color()
            )
    by_years.set(xlabel="years of history", ylabel="one delivery, landed to published (s)")
    by_authorities.set(xlabel="authorities in the warehouse")
    for axes in (by_years, by_authorities):
        axes.legend()
        axes.set_ylim(bottom=0)
    fig.suptitle(
        "Cost of one authority's new hr_staff snapshot against what is stored"
        + ("\n(hollow: measured by the run of the table at that scale)" if earlier else "")
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"plot: {path}")


def widen_hub(home: Path, authorities: int) -> int:
    """Give the built hub's own warehouse (warehouse/hub/) the figures of `authorities`
    authorities: the built ones' rows (KPI inputs, published rows, files) copied under other
    DfE codes. A delivery's roll-up then computes over that many, as in a hub of that size
    (each authority's own run reads only its own warehouse). Its publication log is not
    widened: a built hub's lists every file behind each of its roll-ups, and copying it
    costs a national delivery about 15 s (docs/performance.md), so a widened hub's delivery
    understates a built one's. Returns how many were added."""
    from orchestration.hub.rollup import authorities_in, handed_over
    from orchestration.ingest.run import authority_codes
    from orchestration.warehouse import table_columns

    hub = home / "warehouse" / "hub" / "warehouse.duckdb"
    tables = [*handed_over(), ("audit", "files"), ("audit", "acceptances")]
    with duckdb.connect(str(hub)) as conn:
        built = authorities_in(conn)
        spare = sorted(authority_codes() - set(built))[: max(authorities - len(built), 0)]
        for i, code in enumerate(spare):
            source = built[i % len(built)]
            for schema, name in tables:
                columns = table_columns(conn, schema, name)
                if "la_code" not in columns:
                    continue
                listed = ", ".join("?" if c == "la_code" else f'"{c}"' for c in columns)
                conn.execute(
                    f"insert into {schema}.{name} select {listed} from {schema}.{name} "
                    "where la_code = ?",
                    [code, source],
                )
    return len(spare)


def months_on(home: Path, months: int = 2) -> Timed:
    """The first authority's snapshot `months` months after its latest in landing/ (two: the
    month after the one the table delivered and corrected), landed and run as a new delivery,
    then taken out of landing/."""
    landing = home / "landing"
    la_code = authorities_of(landing)[0]
    latest, delivered = next_snapshot(landing, la_code, months)
    delivered.write_bytes(latest.read_bytes())
    try:
        return workforce_run(home, "--la", la_code)
    finally:
        delivered.unlink()


def numbers(text: str) -> list[float]:
    return [float(v) if "." in v else int(v) for v in text.split(",") if v]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authorities", type=int, default=20)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--home", type=Path, help="reuse this home's landing folder if present")
    parser.add_argument("--sweep-authorities", type=numbers, default=[])
    parser.add_argument("--sweep-years", type=numbers, default=[])
    parser.add_argument("--plot", type=Path, help="PNG of the sweep")
    parser.add_argument("--hub", action="store_true", help="a hub of many councils")
    parser.add_argument(
        "--no-table", dest="table", action="store_false", help="only the sweep and its plot"
    )
    parser.add_argument(
        "--earlier",
        type=numbers,
        action="append",
        default=[],
        metavar="AUTHORITIES,YEARS,SECONDS",
        help="a delivery measured by an earlier run of the table (150 x 10 takes an hour): "
        "not measured again, drawn hollow in the plot",
    )
    parser.add_argument(
        "--widen-hub-to",
        type=int,
        metavar="N",
        help="with --hub, after the table: the hub's own warehouse given N authorities' "
        "figures (the built ones' copied under other codes), and one delivery measured again",
    )
    parser.add_argument(
        "--build-at-most",
        type=int,
        metavar="N",
        help="with --hub, the sweep builds at most N authorities and widens the hub to the rest",
    )
    args = parser.parse_args()
    if args.hub:
        os.environ["WORKFORCE_HUB"] = "1"

    root = Path(tempfile.mkdtemp(prefix="workforce-national-"))
    home = args.home or root / "workforce-data"
    if args.table:
        print(f"WORKFORCE_HOME={home}")
        table = measure(home, args.authorities, args.years, args.seed, args.hub)
        width = max(map(len, table))
        print("\n| measure | figure |\n|---|---|")
        for name, figure in table.items():
            print(f"| {name:<{width}} | {figure} |")
        if args.hub and args.widen_hub_to:
            added = widen_hub(home, args.widen_hub_to)
            delivery = months_on(home)
            print(
                f"\none new delivery, the hub widened to {args.widen_hub_to} authorities "
                f"({added} of them copies of the built ones' figures): "
                f"{delivery.seconds:,.1f} s (exit {delivery.exit_code})"
            )
    if args.sweep_authorities and args.sweep_years:
        earlier = [(int(n), int(y), float(s)) for n, y, s in args.earlier]
        skip = {(n, y) for n, y, _ in earlier}
        points = sweep(
            root,
            args.sweep_authorities,
            args.sweep_years,
            args.seed,
            skip,
            args.hub,
            args.build_at_most,
        )
        if args.plot:
            plot(points, args.plot, earlier)


if __name__ == "__main__":
    main()
