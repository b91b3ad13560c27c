"""Continuity with last year's return, as DfE COLLECT's continuity report checks it.

The previous census year's records are derived from the same warehouse, as its return would
be built today, and compared with this year's by the person's pseudonym: a worker in post then
with no record now (neither in post nor a leaver), and, for a worker on both, a role start date
or date of birth that changed, or an FTE that moved by more than half. Each is a query naming
the record, never a value: DfE asks the authority to confirm it.
"""

from __future__ import annotations

from decimal import Decimal

from orchestration.census.records import Return
from orchestration.census.rules import Finding
from orchestration.census.source import CensusSource

FTE_CHANGE = Decimal("0.5")
CHECK = "Check the worker's records in hr_staff; if right, explain in COLLECT"
FIXES = {
    "CSWW21": "Check the worker's posts are in the hr_staff snapshot; if they left, record "
    "end_date and leaving_reason, then deliver the extract again",
    # the usual cause: the posts the spell began in ended over 24 months ago and left the extract
    "CSWW22": "Keep the worker's earlier posts in the hr_staff extract (a spell starts at its "
    "earliest post the extract still holds), or correct start_date; if right, explain in COLLECT",
}


def check_continuity(census: Return, source: CensusSource) -> list[Finding]:
    previous = source.previous
    if previous is None:
        return []
    last_year = census.census_year - 1
    now = {}
    for worker, row in zip(census.workers, source.employed, strict=False):
        now.setdefault(row["employee_pseudonym"], []).append((worker, row))

    def query(code: str, message: str, record: str, fact: str) -> Finding:
        fix = FIXES.get(code, CHECK)
        return Finding(code, "query", message, record, census.encoding.element(fact), "", fix)

    findings = []
    for number, before in enumerate(previous.employed, start=1):
        if before["is_leaver"]:
            continue
        records = now.get(before["employee_pseudonym"], [])
        if not records:
            findings.append(
                query(
                    "CSWW21",
                    f"In post on 30 September {last_year} with no record in this return and no "
                    "leaving date: the worker's posts are missing from the hr_staff snapshot",
                    f"record {number} (employed) of the {last_year} return",
                    "RoleEndDate",
                )
            )
            continue
        for worker, row in records:
            if not row["is_starter"] and row["spell_start_date"] != before["spell_start_date"]:
                findings.append(
                    query(
                        "CSWW22",
                        f"RoleStartDate differs from the {last_year} return's for this worker",
                        worker.label,
                        "RoleStartDate",
                    )
                )
            born, born_before = row["date_of_birth"], before["date_of_birth"]
            if born and born_before and born != born_before:
                findings.append(
                    query(
                        "CSWW23",
                        f"The date of birth differs from the {last_year} return's for this worker",
                        worker.label,
                        "PersonBirthDate",
                    )
                )
            change = abs(Decimal(row["fte_in_post"] or 0) - Decimal(before["fte_in_post"] or 0))
            if not row["is_leaver"] and change > FTE_CHANGE:
                findings.append(
                    query(
                        "CSWW24",
                        f"FTE changed by more than {FTE_CHANGE} since the {last_year} return",
                        worker.label,
                        "FTE",
                    )
                )
    return findings
