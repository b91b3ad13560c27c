"""`workforce run` says how far `dbt build` has got while it runs (models and seeds built of
all, tests run), and at the end which models took longest: not a minute of silence."""

from __future__ import annotations

import json
import re
from pathlib import Path

from orchestration.dbt_manifest import MANIFEST

LINE = re.compile(
    r"^  workforce_dbt_models: dbt build: (\d+) of (\d+) models and seeds built, (\d+) tests run, "
    r"\d+ s(?:; slowest: (.*))?$"
)


def test_the_run_prints_models_done_of_all_and_the_slowest_at_the_end(hand_home: Path):
    output = (hand_home.parent / "run-output.txt").read_text()
    lines = [m.groups() for m in map(LINE.match, output.splitlines()) if m]
    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    models = sum(n["resource_type"] in ("model", "seed") for n in nodes)
    tests = sum(n["resource_type"] == "test" for n in nodes)

    *during, (built, total, tests_run, slowest) = lines
    assert (int(built), int(total), int(tests_run)) == (models, models, tests)
    # on the way: every tenth of the models, counting up
    done = [int(b) for b, t, _, last in during if int(t) == models and last is None]
    assert len(done) >= 3 and done == sorted(done) and done[-1] < models
    # the five slowest, by name, slowest first
    timed = [re.fullmatch(r"(\w+) (\d+\.\d) s", part) for part in slowest.split(", ")]
    assert len(timed) == 5 and all(timed)
    seconds = [float(t[2]) for t in timed]
    assert seconds == sorted(seconds, reverse=True)
    assert {t[1] for t in timed} <= {n["name"] for n in nodes}
    # how dagster-dbt calls dbt stays in the log file
    assert "A dbt subsetted execution is not being performed" not in output
