"""The headline figures `workforce demo` prints: the published file's latest census year, each
authority's headline KPIs (as `kpi_definitions` marks them) with their target and RAG, and,
for a rate, England's rate beside it (a count, such as FTE in post, has no England equivalent:
England's total is no comparison for one council)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from orchestration.kpi_seeds import kpi_wording


def figure(value: float, label: str) -> str:
    """A number and its words: FTE to one decimal place, anything else (cases, days) whole."""
    return f"{value:,.1f} {label}" if label.startswith("FTE") else f"{value:,.0f} {label}"


def explained(
    kpi_code: str,
    numerator: float | None,
    denominator: float | None,
    wording: dict[str, tuple[str, str]] | None = None,
) -> str:
    """A rate's numerator and denominator in words, with their units, as "<n> x ÷ <d> y"; ""
    for a count. `wording`: kpi_code -> (numerator_label, denominator_label) as a publication's
    kpi_definitions holds them; by default the seed's."""
    labels = (kpi_wording() if wording is None else wording).get(kpi_code)
    if not labels or numerator is None or denominator is None:
        return ""
    return f"{figure(numerator, labels[0])} ÷ {figure(denominator, labels[1])}"


HEADLINE_SQL = """
    with latest as (
        -- of the headline KPIs: a census year under way may already hold other figures
        select max(period_end) as period_end from kpi_values
        where period_type = 'census_year' and la_code <> 'ALL'
            and kpi_code in (select kpi_code from kpi_definitions where is_headline)
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
