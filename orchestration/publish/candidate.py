"""The check of the published file itself, run on the candidate before it is moved into place
(write, audit, publish): a finding leaves the publication in place untouched.

The checks on the marts validate what the warehouse computed; this one validates what readers
would get: every table copied whole, one row per key, and every headline KPI there for every
published authority and census year whose delivered extracts give it.
"""

from __future__ import annotations

import duckdb

# The published tables' keys: a second row for a key would be counted twice by any reader.
KEYS = {
    "kpi_values": (
        "la_code", "kpi_code", "breakdown", "breakdown_value", "period_type", "period_start"
    ),
    "kpi_values_for_publication": (
        "la_code", "kpi_code", "breakdown", "breakdown_value", "period_type", "period_start"
    ),
    "kpi_values_by_authority": (
        "la_code", "kpi_code", "breakdown", "breakdown_value", "period_type", "period_start"
    ),
    "kpi_benchmarks": ("la_code", "kpi_code", "census_year"),
    "fct_workforce_census": ("la_code", "census_year"),
}  # fmt: skip


def headline_inputs(conn: duckdb.DuckDBPyConnection, published: str) -> dict[str, str]:
    """When the census counts give a headline KPI (fct_workforce_census), as a condition over
    them: its numerator was delivered (an authority without an absence extract has no absence
    rate) and its denominator is not zero, as the published kpi_definitions say
    (census_numerator and census_denominator). A headline KPI without them is due wherever the
    authority and year are published."""
    rows = conn.execute(
        f"select kpi_code, census_numerator, census_denominator "
        f"from {published}.kpi_definitions where is_headline and census_numerator is not null"
    ).fetchall()
    return {
        kpi: f"({numerator}) is not null and ({denominator}) > 0"
        for kpi, numerator, denominator in rows
    }


DESCRIPTION = (
    "The candidate published file, before it replaces the one in place: every published table "
    "has as many rows as the warehouse relation it copies (kpi_values at least one), one row per "
    "key (kpi_values, kpi_values_for_publication, kpi_values_by_authority, kpi_benchmarks, "
    "fct_workforce_census), and "
    "every headline KPI (kpi_definitions.is_headline) has its census-year total for every "
    "authority and census year in fct_workforce_census whose counts give it (its inputs "
    "delivered, its denominator not zero), and for ALL."
)


def findings(
    conn: duckdb.DuckDBPyConnection, copies: dict[str, tuple[str, str]], published: str
) -> list[str]:
    """What is wrong with the tables under `published` (e.g. `publication.main`), each copied
    from the warehouse relation `copies` maps its name to (schema, name); [] when nothing is."""
    found = []

    def rows(relation: str) -> int:
        return conn.execute(f"select count(*) from {relation}").fetchone()[0]

    for name, (schema, source) in copies.items():
        copied, expected = rows(f"{published}.{name}"), rows(f"{schema}.{source}")
        if copied != expected:
            found.append(f"{name} has {copied} rows, the warehouse's {schema}.{source} {expected}")
    if rows(f"{published}.kpi_values") == 0:
        found.append("kpi_values is empty")

    for name, key in KEYS.items():
        columns = ", ".join(key)
        duplicated = conn.execute(
            f"select {columns}, count(*) from {published}.{name} group by all "
            f"having count(*) > 1 order by all limit 3"
        ).fetchall()
        if duplicated:
            shown = "; ".join(", ".join(map(str, row[:-1])) for row in duplicated)
            found.append(f"{name} has more than one row per {columns}: {shown}")

    inputs = headline_inputs(conn, published)
    due = (
        " or ".join(f"(headline.kpi_code = '{kpi}' and ({given}))" for kpi, given in inputs.items())
        or "false"
    )
    listed = ", ".join(f"'{kpi}'" for kpi in inputs) or "''"
    missing = conn.execute(
        f"""
        with headline as (
            select kpi_code from {published}.kpi_definitions where is_headline
        ),
        authority_years as (
            select census.la_code, census.census_year, headline.kpi_code
            from {published}.fct_workforce_census as census cross join headline
            where {due} or headline.kpi_code not in ({listed})
        ),
        due as (
            select * from authority_years
            union select distinct 'ALL', census_year, kpi_code from authority_years
        ),
        totals as (
            select la_code, kpi_code, year(period_end) as census_year
            from {published}.kpi_values
            where breakdown = 'total' and period_type = 'census_year'
        )
        select la_code, census_year, kpi_code from due
        anti join totals using (la_code, census_year, kpi_code)
        order by all
        """
    ).fetchall()
    for la_code, census_year, kpi_code in missing[:10]:
        found.append(f"kpi_values has no {kpi_code} for {la_code}, census year {census_year}")
    if len(missing) > 10:
        found.append(f"... and {len(missing) - 10} more headline KPIs missing from kpi_values")
    return found
