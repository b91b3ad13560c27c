"""How long does `workforce run` take at scale, against the floor of reading every file once?

Generates N authorities x Y years of extracts into a fresh WORKFORCE_HOME, times
  1. DuckDB reading every landed file once (the least any pipeline must do), and
  2. `workforce run` (ingest, dbt build, validation, publication),
and prints both, their ratio and the run's peak memory. Measures only; asserts nothing.

    python benchmarks/run_scale.py --authorities 20 --years 5
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration.generator import generate


def read_every_file_once(landing: Path) -> tuple[float, int]:
    files = sorted(landing.rglob("*.csv"))
    started = time.perf_counter()
    rows = 0
    with duckdb.connect() as conn:
        for path in files:
            rows += conn.execute(
                "select count(*) from read_csv(?, header = true, all_varchar = true)", [str(path)]
            ).fetchone()[0]
    return time.perf_counter() - started, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authorities", type=int, default=1)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--home", type=Path, help="WORKFORCE_HOME to use (default: a temp dir)")
    args = parser.parse_args()

    home = args.home or Path(tempfile.mkdtemp(prefix="workforce-bench-")) / "workforce-data"
    landing = home / "landing"
    print(f"WORKFORCE_HOME={home}")

    started = time.perf_counter()
    paths = generate(landing, args.authorities, args.years, args.seed)
    generated = time.perf_counter() - started
    size_mb = sum(p.stat().st_size for p in paths) / 1e6
    print(f"generate: {len(paths)} files, {size_mb:,.1f} MB in {generated:.1f} s")

    read_seconds, rows = read_every_file_once(landing)
    print(f"read every file once (DuckDB): {rows:,} rows in {read_seconds:.1f} s")

    workforce = Path(sys.executable).with_name("workforce")
    started = time.perf_counter()
    result = subprocess.run(
        [str(workforce), "run"],
        env={**os.environ, "WORKFORCE_HOME": str(home)},
        capture_output=True,
        text=True,
    )
    run_seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if result.returncode not in (0, 2):
        print(result.stdout, result.stderr, sep="\n")
    print(
        f"workforce run: exit {result.returncode} in {run_seconds:.1f} s, peak memory {peak_mb:,.0f} MB"
    )
    print(f"ratio run / read-once: {run_seconds / read_seconds:.1f}x")
    warehouse = home / "warehouse" / "warehouse.duckdb"
    print(f"warehouse size: {warehouse.stat().st_size / 1e6:,.1f} MB for {size_mb:,.1f} MB landed")


if __name__ == "__main__":
    main()
