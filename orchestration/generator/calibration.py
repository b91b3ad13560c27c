"""DfE's published census counts of an authority, which a calibrated simulation meets.

DfE publishes, per authority and census year, the counts behind each rate (reference/, the
"1. Indicators" data set of Children's social work workforce). A calibrated authority is
simulated around them: its size follows the in-post FTE, and on each census day the
simulation settles leavers, starters and posts (workforce.py), agency assignments
(agency.py), sickness episodes (absence.py) and case allocations (cases.py) so that each
count stands to the in-post FTE simulated as DfE's stands to DfE's in-post FTE. The rates the
pipeline then publishes (turnover, vacancy, agency, absence, caseload) are DfE's.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from orchestration.settings import PROJECT_ROOT

DFE_INDICATORS = PROJECT_ROOT / "reference" / "csww_indicators_2017_to_2025.csv"
WORKING_DAYS_A_YEAR = 253  # DfE's absence rate: days lost / (in-post FTE x 253)
COUNTS = (
    "inpost_fte",
    "inpost_headcount",
    "starters_fte",
    "leavers_fte",
    "agency_fte",
    "vacancy_fte",
    "case_holders_fte",
    "cases",
    "working_days_lost_fte",
)


@dataclass(frozen=True)
class CensusCounts:
    """DfE's published counts of one authority and census year (to 30 September)."""

    census_year: int
    inpost_fte: float
    inpost_headcount: float
    starters_fte: float
    leavers_fte: float
    agency_fte: float
    vacancy_fte: float
    case_holders_fte: float
    cases: float
    working_days_lost_fte: float
    agency_cover_fte: float | None = None  # agency covering vacancies, where DfE has it

    @property
    def turnover(self) -> float:
        return self.leavers_fte / self.inpost_fte

    @property
    def vacancy(self) -> float:
        return self.vacancy_fte / (self.vacancy_fte + self.inpost_fte)

    @property
    def agency(self) -> float:
        return self.agency_fte / (self.agency_fte + self.inpost_fte)

    @property
    def caseload(self) -> float:
        return self.cases / self.case_holders_fte

    @property
    def sickness(self) -> float:
        return self.working_days_lost_fte / (self.inpost_fte * WORKING_DAYS_A_YEAR)

    def leavers_for(self, inpost_fte: float) -> float:
        return self.turnover * inpost_fte

    def vacancies_for(self, inpost_fte: float) -> float:
        return self.vacancy_fte / self.inpost_fte * inpost_fte

    def agency_for(self, inpost_fte: float) -> float:
        return self.agency_fte / self.inpost_fte * inpost_fte

    def agency_cover_for(self, inpost_fte: float) -> float:
        return (self.agency_cover_fte or 0.0) / self.inpost_fte * inpost_fte

    def sickness_days_for(self, inpost_fte: float) -> float:
        return self.sickness * WORKING_DAYS_A_YEAR * inpost_fte


def _number(text: str) -> float | None:
    """A published figure, or None for DfE's symbols (x, c, u, z, low)."""
    try:
        return float(text)
    except ValueError:
        return None


@cache
def published_counts() -> dict[str, dict[int, CensusCounts]]:
    """Every authority's census years whose counts DfE published in full (a year with any
    count suppressed or unavailable is left out), by 3-digit code and census year."""
    counts: dict[str, dict[int, CensusCounts]] = {}
    with DFE_INDICATORS.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            if row["geographic_level"] != "Local authority":
                continue
            values = {name: _number(row[name]) for name in COUNTS}
            if any(v is None for v in values.values()) or not values["inpost_fte"]:
                continue
            if not values["case_holders_fte"]:
                continue
            year = int(row["time_period"])
            cover = _number(row["agency_cover_fte"])
            counts.setdefault(row["old_la_code"], {})[year] = CensusCounts(
                year, **values, agency_cover_fte=cover
            )
    return counts


def dfe_counts(la_code: str) -> dict[int, CensusCounts]:
    """The authority's published census years (empty when DfE publishes none in full)."""
    return published_counts().get(la_code, {})


def choose_fte(
    fte: Sequence[float], amount: float, rng: np.random.Generator, at_least: bool = False
) -> list[int]:
    """Indices of items (people, posts, assignments) whose FTE adds up to `amount`, as near as
    the items allow (to 0.05 FTE when there are enough of them); with `at_least`, the nearest
    total not below `amount` when there is one. Drawn at random, so who is chosen varies."""
    order = rng.permutation(len(fte)).tolist()
    chosen: list[int] = []
    remaining = amount
    # the bulk at random, then an exact pick (in tenths of an FTE) among the rest
    rest = []
    for i in order:
        if remaining - fte[i] > 2.0:
            chosen.append(i)
            remaining -= fte[i]
        else:
            rest.append(i)
    tenths = round(remaining * 10)
    best: dict[int, list[int]] = {0: []}  # reachable total in tenths -> items
    for i in rest[:200]:
        step = round(fte[i] * 10)
        for total, items in list(best.items()):
            if step > 0 and total + step <= tenths + 10 and total + step not in best:
                best[total + step] = [*items, i]

    def miss(total: int) -> tuple:
        short = total < tenths
        return (at_least and short, abs(total - tenths))

    return chosen + best[min(best, key=miss)]
