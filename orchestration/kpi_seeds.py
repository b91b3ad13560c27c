"""The KPI seeds (seeds/kpi_definitions.csv, kpi_breakdowns.csv, kpi_breakdown_values.csv,
kpi_targets.csv) as Python reads them: the one list of KPIs, their breakdowns and targets.

Code that needs a list of KPIs (the DfE file's required columns, the candidate check of the
published file, the headline wording, the Great Expectations suite, the generated
docs/kpi-definitions.md) reads it here, so that a new KPI is one seed row and its model.
Readers of a publication read the published copies of the same seeds instead.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from orchestration.settings import SEEDS_DIR


def read_seed(name: str, seeds: Path = SEEDS_DIR) -> list[dict[str, str]]:
    """The rows of seeds/<name>.csv, each a dict of text ('' for a blank cell)."""
    with (seeds / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def is_true(cell: str) -> bool:
    return cell.strip().lower() == "true"


@cache
def kpi_definitions(seeds: Path = SEEDS_DIR) -> dict[str, dict[str, str]]:
    """kpi_code -> its row of seeds/kpi_definitions.csv, in the seed's order."""
    return {row["kpi_code"]: row for row in read_seed("kpi_definitions", seeds)}


def kpi_codes(seeds: Path = SEEDS_DIR) -> list[str]:
    return list(kpi_definitions(seeds))


def benchmarked_kpis(seeds: Path = SEEDS_DIR) -> tuple[str, ...]:
    """The KPIs compared with DfE's published figures (kpi_definitions.is_benchmarked)."""
    return tuple(
        code for code, row in kpi_definitions(seeds).items() if is_true(row["is_benchmarked"])
    )


def kpi_wording(seeds: Path = SEEDS_DIR) -> dict[str, tuple[str, str]]:
    """kpi_code -> (numerator_label, denominator_label): what a rate divides, in words."""
    return {
        code: (row["numerator_label"], row["denominator_label"])
        for code, row in kpi_definitions(seeds).items()
        if row.get("numerator_label") and row.get("denominator_label")
    }
