"""The demo authority's return for every census year it covers, aggregated the way DfE does
by a reader that shares no code with the generator (tests/census/dfe_aggregate.py), says what
the published kpi_values say: the counts and the five rates."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.census.run import generate_census_return
from orchestration.settings import Settings
from tests.census.dfe_aggregate import aggregate
from tests.conftest import query

# FTEs, headcounts and cases are carried exactly (FTE to 6 places); the LA-level vacancies and
# agency FTE and each worker's days lost are written to 2 places, as the schema allows
EXACT = (
    "inpost_fte", "inpost_headcount", "starters_fte", "leavers_fte", "case_holders_fte", "cases",
)  # fmt: skip
TWO_PLACES = ("agency_fte", "vacancy_fte")
RATES = (
    "turnover_rate_fte", "agency_rate_fte", "vacancy_rate_fte", "caseload_fte", "absence_rate_fte",
)  # fmt: skip


def published_kpis(published: Path) -> dict[tuple[str, int], dict[str, float]]:
    kpis: dict[tuple[str, int], dict[str, float]] = {}
    for la, year, kpi, value in query(
        published,
        "select la_code, year(period_end), kpi_code, value from kpi_values "
        "where la_code <> 'ALL' and period_type = 'census_year' and breakdown = 'total'",
    ):
        kpis.setdefault((la, year), {})[kpi] = value
    return kpis


def test_every_census_year_of_the_demo_round_trips(demo_home, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKFORCE_HOME", str(demo_home))
    monkeypatch.setenv("WORKFORCE_WAREHOUSE", str(demo_home / "warehouse" / "warehouse.duckdb"))
    monkeypatch.delenv("WORKFORCE_PSEUDONYM_KEY", raising=False)
    settings = Settings.from_env()
    kpis = published_kpis(settings.published)
    assert len(kpis) >= 3, sorted(kpis)  # the demo's three census years
    for (la, year), published in sorted(kpis.items()):
        result = generate_census_return(settings, la, year, tmp_path / f"csww-{la}-{year}.xml")
        counts = aggregate(result.path)
        where = f"{la} {year}"
        for kpi in EXACT:
            assert float(counts[kpi]) == pytest.approx(published[kpi], abs=1e-9), (where, kpi)
        for kpi in TWO_PLACES:
            assert float(counts[kpi]) == pytest.approx(published[kpi], abs=0.005), (where, kpi)
        # each worker's days rounded to 2 places: at most half a hundredth each
        bound = 0.005 * float(counts["days_lost_records"])
        assert float(counts["working_days_lost_fte"]) == pytest.approx(
            published["working_days_lost_fte"], abs=bound
        ), where
        for rate in RATES:
            assert float(counts[rate]) == pytest.approx(published[rate], abs=0.01), (where, rate)
        # the agency workers' own records add up to the LA-level figure
        assert float(counts["agency_records_fte"]) == pytest.approx(published["agency_fte"])
        assert counts["agency_records"] == counts["agency_headcount"]
