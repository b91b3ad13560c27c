"""A calibrated authority's extracts give DfE's published rates for each census year DfE
publishes; the demo (Leeds, calibrated) publishes DfE's headline figures."""

from __future__ import annotations

import csv
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.generator import generate
from orchestration.generator.calibration import choose_fte, dfe_counts
from tests.conftest import PROJECT_ROOT, REFERENCE, WORKFORCE, query
from tests.generator.test_generated_extracts_follow_the_contract import census_rates, file_bytes

SEED = 20251231
CAMDEN = "202"  # the second authority generated; calibrated here, not by the demo


def dfe_figures(la_code: str) -> dict[int, dict[str, str]]:
    """DfE's published row of each census year of one authority, as text."""
    with (REFERENCE / "csww_indicators_2017_to_2025.csv").open(encoding="utf-8") as file:
        return {
            int(row["time_period"]): row
            for row in csv.DictReader(file)
            if row["geographic_level"] == "Local authority" and row["old_la_code"] == la_code
        }


def test_dfe_counts_are_the_published_figures_and_leave_out_years_with_a_symbol():
    leeds = dfe_counts("383")
    assert sorted(leeds) == list(range(2017, 2026))
    assert (leeds[2025].inpost_fte, leeds[2025].leavers_fte, leeds[2025].cases) == (
        660.4,
        46.2,
        4420,
    )
    assert round(100 * leeds[2025].agency, 1) == 2.1  # 14 / (14 + 660.4)
    # Kensington and Chelsea: every figure `x` in 2025, agency FTE `u` or `x` from 2021
    assert sorted(dfe_counts("207")) == [2017, 2018, 2019, 2020]


def test_choose_fte_adds_up_to_the_amount_to_a_twentieth():
    rng = np.random.default_rng(1)
    fte = [1.0, 0.8, 0.6, 0.5] * 30
    for amount in (0.0, 1.1, 2.3, 7.7, 31.4):
        total = sum(fte[i] for i in choose_fte(fte, amount, rng))
        assert total == pytest.approx(amount, abs=0.05)
    at_least = sum(fte[i] for i in choose_fte(fte, 0.3, rng, at_least=True))
    assert at_least == pytest.approx(0.5)  # nothing smaller adds up to 0.3 or more


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("calibrated")
    generate(out, authorities=2, years=2, seed=SEED, calibrate=True)
    return out


@pytest.mark.parametrize("census_year", [2024, 2025])
def test_a_calibrated_authoritys_extracts_give_dfes_rates(calibrated, census_year):
    """Read from the extracts by the test's own counting (not the generator's): each year's
    basis snapshot (31 December) gives DfE's rates to 0.1 (percentage points; cases)."""
    published = dfe_figures(CAMDEN)[census_year]
    rates = census_rates(
        calibrated / CAMDEN, date(census_year, 9, 30), as_at=date(census_year, 12, 31)
    )
    assert 100 * rates["turnover"] == pytest.approx(float(published["turnover_rate_fte"]), abs=0.1)
    assert 100 * rates["vacancy"] == pytest.approx(float(published["vacancy_rate_fte"]), abs=0.1)
    assert 100 * rates["agency"] == pytest.approx(float(published["agency_rate_fte"]), abs=0.1)
    assert rates["caseload"] == pytest.approx(float(published["caseload_fte"]), abs=0.1)


def test_calibrated_extracts_are_seeded_and_differ_from_uncalibrated_ones(calibrated, tmp_path):
    generate(tmp_path / "again", authorities=2, years=2, seed=SEED, calibrate=True)
    assert file_bytes(tmp_path / "again") == file_bytes(calibrated)
    generate(tmp_path / "drawn", authorities=1, years=2, seed=SEED)
    drawn = file_bytes(tmp_path / "drawn")
    assert drawn["383/hr_staff_20251231.csv"] != file_bytes(calibrated)["383/hr_staff_20251231.csv"]


def test_generate_calibrate_sizes_leeds_as_dfe_publishes_it(tmp_path):
    result = subprocess.run(
        [str(WORKFORCE), "generate", "--out", str(tmp_path), "--years", "1", "--calibrate"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    staff = pd.read_csv(tmp_path / "383" / "hr_staff_20251231.csv", dtype=str)
    cfsw = (staff.registered_social_worker == "true") & staff.org_role.isin(list("123456"))
    in_post = (staff.start_date <= "2025-09-30") & ~(staff.end_date <= "2025-09-30")
    inpost_fte = staff[cfsw & in_post].fte.astype(float).sum()
    assert inpost_fte == pytest.approx(660.4, rel=0.01)  # DfE's Leeds, 2025


HEADLINE_RATES = [
    row["kpi_code"]
    for row in csv.DictReader((PROJECT_ROOT / "seeds" / "kpi_definitions.csv").open())
    if row["is_headline"] == "true" and row["is_rate"] == "true"
]


def test_the_demo_publishes_dfes_headline_rates_for_every_census_year(demo_home):
    assert sorted(HEADLINE_RATES) == [
        "absence_rate_fte",
        "agency_rate_fte",
        "caseload_fte",
        "turnover_rate_fte",
        "vacancy_rate_fte",
    ]
    published = query(
        demo_home / "published" / "workforce.duckdb",
        "select year(period_end), kpi_code, value from kpi_values where la_code = '383' "
        "and period_type = 'census_year' and breakdown = 'total'",
    )
    values = {(year, kpi): float(value) for year, kpi, value in published}
    assert {year for year, _ in values} == {2023, 2024, 2025}
    leeds = dfe_figures("383")
    for year in (2023, 2024, 2025):
        for kpi in HEADLINE_RATES:
            dfe = float(leeds[year][kpi])
            assert values[year, kpi] == pytest.approx(dfe, abs=0.1), (year, kpi, dfe)
        # and the in-post FTE the rates rest on is DfE's to within 1%
        inpost = float(leeds[year]["inpost_fte"])
        assert values[year, "inpost_fte"] == pytest.approx(inpost, rel=0.01), year


def test_the_demos_benchmarked_figures_sit_on_dfes_beside_them(demo_home):
    """The published file itself: each benchmarked rate of the demo in kpi_values and DfE's in
    kpi_benchmarks, side by side, agree to 0.1."""
    pairs = query(
        demo_home / "published" / "workforce.duckdb",
        "select v.period_end, v.kpi_code, v.value, b.value from kpi_values as v "
        "inner join kpi_benchmarks as b using (la_code, kpi_code, period_end) "
        "where v.la_code = '383' and v.period_type = 'census_year' and v.breakdown = 'total'",
    )
    assert len(pairs) == 3 * 4  # three census years x four benchmarked rates
    for period_end, kpi, ours, dfe in pairs:
        assert float(ours) == pytest.approx(dfe, abs=0.1), (period_end, kpi)
