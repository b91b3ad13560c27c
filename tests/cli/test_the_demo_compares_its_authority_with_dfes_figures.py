"""`workforce demo` delivers DfE's indicators and statistical neighbour groupings itself, so its
publication sets the authority's headline figures beside its neighbours' and ranks them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import query

# Leeds (383), census year 2025, from the shipped copies of DfE's files (reference/):
# its neighbours' published turnover rates (New_Statistical_Neighbour_Groupings_April_2021.csv,
# row 383; csww_indicators_2017_to_2025.csv, time_period 2025), in order:
#   6.9 Wirral, 7.9 Derby, 9.5 North Tyneside, 10.6 Kirklees, 10.7 Sheffield,
#   13.6 Calderdale, 13.9 Stockton-on-Tees, 14.5 Bury, 15.4 Darlington, 21.1 Bolton
# median (10.7 + 13.6) / 2 = 12.15. Of the 147 other authorities with a published rate, 9 are
# below the demo's own 7.0% (calibrated to DfE's): rank 10 of 148.
NEIGHBOUR_MEDIAN_2025, RANK_2025, RANK_OF_2025 = 12.15, 10, 148


def test_the_demos_headline_turnover_has_a_neighbour_median_and_a_rank(demo_home: Path):
    rows = query(
        demo_home / "published" / "workforce.duckdb",
        "select year(period_end), neighbour_median, rank, rank_of from kpi_values "
        "where la_code = '383' and kpi_code = 'turnover_rate_fte' and breakdown = 'total' "
        "and period_type = 'census_year' order by period_end",
    )
    assert [year for year, *_ in rows] == [2023, 2024, 2025]
    assert all(None not in row for row in rows), rows
    _, median, rank, rank_of = rows[-1]
    assert median == pytest.approx(NEIGHBOUR_MEDIAN_2025)
    assert (rank, rank_of) == (RANK_2025, RANK_OF_2025)
