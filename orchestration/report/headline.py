"""The headline figures `workforce demo` prints: the published file's latest census year,
each authority's headline KPIs (as `kpi_definitions` marks them) beside England's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

HEADLINE_SQL = """
    with latest as (
        select max(period_end) as period_end from kpi_values
        where period_type = 'census_year' and la_code <> 'ALL'
    ),
    headline as (
        select kpi_code, label, row_number() over (order by scorecard_order nulls last, kpi_code)
            as position
        from kpi_definitions where is_headline
    )
    select v.la_code, h.label, v.unit, v.value, v.national_value, v.period_end
    from kpi_values v
    join latest using (period_end)
    join headline h using (kpi_code)
    where v.period_type = 'census_year' and v.breakdown = 'total' and v.la_code <> 'ALL'
    order by v.la_code, h.position
"""


@dataclass(frozen=True)
class Headline:
    authority: str
    label: str
    unit: str
    value: float | None
    england: float | None


def headline_figures(published: Path) -> tuple[date | None, list[Headline]]:
    with duckdb.connect(str(published), read_only=True) as conn:
        rows = conn.execute(HEADLINE_SQL).fetchall()
    census = rows[0][5] if rows else None
    return census, [
        Headline(la, label, unit, value, england) for la, label, unit, value, england, _ in rows
    ]
