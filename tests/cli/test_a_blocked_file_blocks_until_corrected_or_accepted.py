"""A file over its quarantine bound blocks every run, not only the run that delivered it,
until a correction supersedes it or someone accepts it on the record (`workforce accept`).

One home (a copy of the hand fixture's publication), one chain of plain `workforce run`s:
a timesheet file and a payroll file each with a fifth of their rows unreadable land and
block; two more plain runs block again, naming each file and the check, and leave the
published file byte-identical; accepting a file that is not over its bound, or not loaded,
is refused; then the timesheets are accepted (who, when, why) and the payroll corrected, and
the next run publishes: the accepted file with its reason in the audit trail, the
publications log and the board pack, the corrected one in place of its predecessor. One dbt
build in all: a blocked run stops before it.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.builders import agency_timesheets, payroll, write_extract
from tests.conftest import PROJECT_ROOT, WORKFORCE, query, run_workforce

TIMESHEETS = "383/agency_timesheets_20251130.csv"
PAYROLL = "383/payroll_20251130.csv"
REASON = "two timesheets lost in the agency portal; the agency confirmed the charges are void"
KPIS = "select * exclude (published_run_id) from kpi_values order by all"


def deliver_timesheets(landing: Path) -> None:
    """Ten November timesheets of G1 at £100, two of them with an unreadable charge."""
    rows = [
        agency_timesheets(
            timesheet_id=f"T{i}",
            assignment_id="G1",
            week_ending="2025-11-07",
            charge_gbp="abc" if i >= 18 else "100",
        )
        for i in range(10, 20)
    ]
    write_extract(landing, "383", "agency_timesheets", "2025-11-30", rows)


def deliver_payroll(landing: Path, bad: bool) -> None:
    """Five November pay lines of A1, one with an unreadable amount unless corrected."""
    rows = [
        payroll(
            employee_id="EMPX01",
            assignment_id="A1",
            pay_period="2025-11",
            pay_element=element,
            amount_gbp="n/a" if bad and element == "other" else 100,
        )
        for element in ("basic", "overtime", "market_supplement", "retention_allowance", "other")
    ]
    write_extract(landing, "383", "payroll", "2025-11-30", rows)


def output(result) -> str:
    return result.stdout + result.stderr


def run_id_of(result) -> str:
    return re.search(r"Run ([0-9a-f-]{36}):", result.stderr)[1]


def launch_the_publication_alone(home: Path) -> subprocess.CompletedProcess:
    """`dagster asset materialize` of the published file alone on the home's instance: what
    selecting that one asset and launching it in the UI does."""
    env = {**os.environ, "WORKFORCE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    env.pop("WORKFORCE_PSEUDONYM_KEY", None)
    return subprocess.run(
        [str(WORKFORCE.with_name("dagster")), "asset", "materialize", "-m", "orchestration.defs"]
        + ["--select", "published/workforce"],
        env=env,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=600,
    )


@pytest.fixture(scope="module")
def chain(hand_home: Path, tmp_path_factory) -> dict:
    home = tmp_path_factory.mktemp("blocked-file") / "workforce-data"
    shutil.copytree(hand_home, home)
    published = home / "published" / "workforce.duckdb"
    done: dict = {"home": home, "before": published.read_bytes(), "kpis": query(published, KPIS)}
    deliver_timesheets(home / "landing")
    deliver_payroll(home / "landing", bad=True)
    done["blocked"] = []
    for _ in range(3):  # the delivering run, then two plain reruns
        done["blocked"].append(run_workforce(home))
        done.setdefault("unchanged", []).append(published.read_bytes() == done["before"])
    # a launch of the publication alone, as from the Dagster UI: no check runs in it
    done["publication_alone"] = launch_the_publication_alone(home)
    done["unchanged_after_publication_alone"] = published.read_bytes() == done["before"]
    done["refused"] = {
        "not over its bound": run_workforce(
            home, "accept", "383/agency_timesheets_20251031.csv", "--reason", "fine"
        ),
        "not loaded": run_workforce(home, "accept", "383/payroll_20250131.csv", "--reason", "x"),
        "no reason": run_workforce(home, "accept", TIMESHEETS, "--reason", " "),
    }
    done["accepted"] = run_workforce(home, "accept", f"landing/{TIMESHEETS}", "--reason", REASON)
    deliver_payroll(home / "landing", bad=False)  # the correction: same name and date
    done["published"] = run_workforce(home)
    done["report"] = run_workforce(home, "report", "--la", "383")
    return done


def test_a_file_over_its_bound_blocks_every_plain_rerun_and_the_publication_stays(chain):
    assert [r.returncode for r in chain["blocked"]] == [3, 3, 3]
    assert chain["unchanged"] == [True, True, True]  # published kpi_values byte-identical
    for result in chain["blocked"]:
        for name, check, counts in [
            (TIMESHEETS, "raw/agency_timesheets:quarantine_share", "2 of 10 rows quarantined"),
            (PAYROLL, "raw/payroll:quarantine_share", "1 of 5 rows quarantined"),
        ]:
            assert any(
                check in line and f"{name}: {counts} (more than 5%)" in line
                for line in result.stderr.splitlines()
            ), output(result)
        assert f"workforce accept {TIMESHEETS} --reason" in result.stderr
        assert "Nothing changed" not in result.stderr
    # the reruns loaded nothing: the block is the data's, not the run's
    assert all("0 file(s) loaded" in r.stderr for r in chain["blocked"][1:])
    statuses = query(
        chain["home"] / "warehouse/warehouse.duckdb",
        "select status from audit.publications where run_id in ? order by finished_at",
        [[run_id_of(r) for r in chain["blocked"]]],
    )
    assert statuses == [("blocked",)] * 3


def test_the_publication_launched_alone_does_not_publish_data_last_judged_failing(chain):
    """Selecting only the published file (as in the Dagster UI) evaluates no check of the data
    behind it: the last evaluation of each stands, and a failed one stops the publication."""
    result = chain["publication_alone"]
    assert result.returncode != 0, output(result)
    assert chain["unchanged_after_publication_alone"]
    assert "raw/agency_timesheets:quarantine_share" in output(result)
    assert "last judged failing" in output(result)


def test_only_a_loaded_file_over_its_bound_can_be_accepted(chain):
    refused = chain["refused"]
    for result in refused.values():
        assert result.returncode == 1, output(result)
    assert (
        "383/agency_timesheets_20251031.csv is not over its bound: 0 of 4 rows quarantined"
        in output(refused["not over its bound"])
    )
    assert "383/payroll_20250131.csv is not loaded" in output(refused["not loaded"])
    assert "give the reason" in output(refused["no reason"])


def test_an_accepted_file_and_a_corrected_one_publish_and_the_acceptance_is_on_record(chain):
    home, result = chain["home"], chain["published"]
    assert chain["accepted"].returncode == 0, output(chain["accepted"])
    assert f"Accepted {TIMESHEETS}: 2 of 10 rows quarantined" in output(chain["accepted"])
    assert result.returncode == 0, output(result)
    published = home / "published" / "workforce.duckdb"
    assert query(published, KPIS) != chain["kpis"]
    who = getpass.getuser()
    # the warehouse's audit schema
    warehouse = home / "warehouse" / "warehouse.duckdb"
    ((name, check, by, reason, quarantined, read),) = query(
        warehouse,
        "select file_name, check_name, accepted_by, reason, rows_quarantined, rows_read "
        "from audit.acceptances",
    )
    assert (name, check, by, reason, quarantined, read) == (
        TIMESHEETS,
        "quarantine_share",
        who,
        REASON,
        2,
        10,
    )
    # the corrected payroll superseded the blocked one
    assert query(
        warehouse,
        "select status from audit.files where file_name = ? order by received_at",
        [PAYROLL],
    ) == [("superseded",), ("loaded",)]
    # the run's audit trail
    run_id = run_id_of(result)
    summary = json.loads((home / "audit/runs" / run_id / "summary.json").read_text())
    ((accepted,),) = [summary["outcome"]["accepted"]]
    assert (accepted["file_name"], accepted["accepted_by"], accepted["reason"]) == (
        TIMESHEETS,
        who,
        REASON,
    )
    assert accepted["accepted_at"]
    assert REASON in (home / "audit/runs" / run_id / "validation.html").read_text()
    # the publications log (warehouse and published file) and the published acceptances
    ((files,),) = query(
        published, "select accepted_files from publications where run_id = ?", [run_id]
    )
    assert [(f["file_name"], f["accepted_by"], f["reason"]) for f in files] == [
        (TIMESHEETS, who, REASON)
    ]
    assert query(published, "select file_name, accepted_by, reason from acceptances") == [
        (TIMESHEETS, who, REASON)
    ]
    # the passing check says what it let stand
    ((description,),) = query(
        published,
        "select description from checks where check_name = 'quarantine_share' "
        "and asset = 'raw/agency_timesheets'",
    )
    assert f"{TIMESHEETS}: 2 of 10 rows quarantined" in description and REASON in description
    # the board pack's data-quality section
    assert chain["report"].returncode == 0, output(chain["report"])
    page = Path(re.search(r"Board pack: (\S+)", chain["report"].stdout)[1]).read_text()
    section = page[page.index('id="data-quality"') : page.index('id="appendix-files"')]
    assert 'id="accepted-files"' in section
    assert TIMESHEETS in section and REASON in section and who in section
