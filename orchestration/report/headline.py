"""The headline figures `workforce demo` prints: the published file's latest census year, each
authority's headline KPIs (as `kpi_definitions` marks them) with their target and RAG, and,
for a rate, England's rate beside it (a count, such as FTE in post, has no England equivalent:
England's total is no comparison for one council)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

KPI_EXPLAINED = {  # numerator and denominator with their units, as "<n> x ÷ <d> y"
    "turnover_rate_fte": "{n:,.1f} FTE leavers in the year ÷ {d:,.1f} FTE employed in post",
    "vacancy_rate_fte": "{n:,.1f} FTE vacant ÷ {d:,.1f} FTE vacant plus employed in post",
    "agency_rate_fte": "{n:,.1f} FTE agency ÷ {d:,.1f} FTE agency plus employed in post",
    "caseload_fte": "{n:,.0f} cases (children allocated to each worker, summed) ÷ "
    "{d:,.1f} FTE holding cases",
    "absence_rate_fte": "{n:,.0f} working days lost to sickness ÷ {d:,.0f} working days "
    "(253 a year per FTE employed)",
}


def explained(kpi_code: str, numerator: float | None, denominator: float | None) -> str:
    """A rate's numerator and denominator in words, with their units; "" for a count."""
    template = KPI_EXPLAINED.get(kpi_code)
    if not template or numerator is None or denominator is None:
        return ""
    return template.format(n=numerator, d=denominator)


HEADLINE_SQL = """
    with latest as (
        select max(period_end) as period_end from kpi_values
        where period_type = 'census_year' and la_code <> 'ALL'
    ),
    headline as (
        select kpi_code, label, is_rate,
            row_number() over (order by scorecard_order nulls last, kpi_code) as position
        from kpi_definitions where is_headline
    )
    select v.la_code, {name} as la_name, v.kpi_code, h.label, v.unit, v.value, v.numerator, v.denominator,
        v.target, v.rag, case when h.is_rate then v.national_value end as england, v.period_end
    from kpi_values v
    join latest using (period_end)
    join headline h using (kpi_code)
    {join}
    where v.period_type = 'census_year' and v.breakdown = 'total' and v.la_code <> 'ALL'
    order by v.la_code, h.position
"""


@dataclass(frozen=True)
class Headline:
    authority: str  # "Leeds (383)"
    kpi_code: str
    label: str
    unit: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    rag: str | None
    england: float | None  # rates only


def headline_figures(published: Path) -> tuple[date | None, list[Headline]]:
    with duckdb.connect(str(published), read_only=True) as conn:
        named = conn.execute(
            "select count(*) from information_schema.tables where table_name = 'dfe_authorities'"
        ).fetchone()[0]
        sql = HEADLINE_SQL.format(
            name="a.la_name" if named else "null",
            join="left join dfe_authorities a on a.la_code = v.la_code" if named else "",
        )
        rows = conn.execute(sql).fetchall()
    census = rows[0][-1] if rows else None
    return census, [
        Headline(f"{name} ({la})" if name else f"Authority {la}", *rest)
        for la, name, *rest, _ in rows
    ]
