"""What one tick of the landing sensor costs with many files in the landing folder.

Writes N small extracts (default 100,000) under a temporary WORKFORCE_HOME and evaluates the
`landing_folder` sensor three times: the first look (every file hashed), a look with nothing
new (files only stat'ed), and a look after one more file lands. Prints the seconds of each,
the cursor's length and the size of the sensor's store. Measures only; asserts nothing.

    python benchmarks/sensor.py --files 100000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg


def write_files(landing: Path, count: int) -> None:
    """`count` one-line hr_absence extracts, 1,000 per authority folder."""
    header = "absence_id,employee_id,absence_type,start_date,end_date,working_days_lost\n"
    for i in range(count):
        folder = landing / f"{100 + i // 1000}"
        folder.mkdir(parents=True, exist_ok=True)
        day = date(2000, 1, 1) + timedelta(days=i % 1000)
        (folder / f"hr_absence_{day:%Y%m%d}.csv").write_text(
            header + f"S{i},E{i},SIC,2020-01-01,2020-01-02,1\n"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="workforce-sensor-")) / "workforce-data"
    os.environ["WORKFORCE_HOME"] = str(home)
    from orchestration.defs.automation import landing_folder

    started = time.perf_counter()
    write_files(home / "landing", args.files)
    written = sum(1 for _ in (home / "landing").rglob("*.csv"))
    print(f"wrote {written:,} files in {time.perf_counter() - started:,.1f} s under {home}")
    instance = dg.DagsterInstance.ephemeral()

    def tick(cursor: str | None, what: str) -> dg.SensorResult:
        started = time.perf_counter()
        result = landing_folder(dg.build_sensor_context(instance=instance, cursor=cursor))
        print(
            f"| {what} | {time.perf_counter() - started:,.2f} s | "
            f"{len(result.run_requests)} run request(s) | cursor {len(result.cursor)} chars |"
        )
        return result

    print("\n| tick | seconds | runs | cursor |\n|---|---|---|---|")
    first = tick(None, "first look (every file hashed)")
    same = tick(first.cursor, "nothing new (stat only)")
    (home / "landing" / "999").mkdir()
    (home / "landing" / "999" / "hr_absence_20250101.csv").write_text("absence_id\nX\n")
    tick(same.cursor, "one more file")
    store = home / "dagster" / "landing-seen"
    size = sum(p.stat().st_size for p in store.glob("*.json")) / 1e6
    print(f"\nsensor store: {size:,.1f} MB in {store}")


if __name__ == "__main__":
    main()
