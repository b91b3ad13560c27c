"""What a run pays before it does any work, measured in one run (ratios, since the machine is
shared): importing Dagster and dagster-dbt alone, against loading the project's Dagster
definitions (import and resolve the repository, as `dagster dev` does); `workforce --help`;
and a no-op `workforce run` (nothing new landed) on a home given with --home (for example
the demo's). Each figure is the median of --repeat runs. Measures only; asserts nothing.

    python benchmarks/startup.py --home workforce-data
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
IMPORT_ALONE = "import dagster, dagster_dbt"
LOAD_DEFINITIONS = (
    "from orchestration.defs import defs; defs.get_repository_def(); "
    "defs.resolve_job_def('workforce')"
)


def seconds(command: list[str], env: dict | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def median(command: list[str], repeat: int, env: dict | None = None) -> float:
    return statistics.median(seconds(command, env) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a WORKFORCE_HOME with a publication")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = [sys.executable, "-c"]
    alone = median([*python, IMPORT_ALONE], args.repeat)
    load = median([*python, LOAD_DEFINITIONS], args.repeat)
    help_ = median([str(BIN / "workforce"), "--help"], args.repeat)
    print(f"import dagster, dagster_dbt      {alone:6.2f} s")
    print(f"load the Dagster definitions     {load:6.2f} s   ({load / alone:.2f}x the imports)")
    print(f"workforce --help                 {help_:6.2f} s")
    if args.home:
        env = {**os.environ, "WORKFORCE_HOME": str(args.home.resolve())}
        noop = median([str(BIN / "workforce"), "run"], args.repeat, env)
        print(f"workforce run, nothing new       {noop:6.2f} s")


if __name__ == "__main__":
    main()
