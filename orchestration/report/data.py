"""What the board pack shows, read only from the published file (validated figures only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from orchestration.warehouse import records, table_columns

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def month_span(months: list[date]) -> str:
    """Months in words: "April to December 2025", "December 2024 to February 2025"."""
    if not months:
        return ""
    first, last = min(months), max(months)
    if first == last:
        return f"{MONTH_NAMES[first.month - 1]} {first.year}"
    start = MONTH_NAMES[first.month - 1] + ("" if first.year == last.year else f" {first.year}")
    return f"{start} to {MONTH_NAMES[last.month - 1]} {last.year}"


class ReportError(Exception):
    """A board pack cannot be made; the message says why and what to do."""


def published_rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Rows of a business-rule table of the published file; none from a publication older
    than the table (the next run publishes it)."""
    try:
        return conn.execute(sql).fetchall()
    except duckdb.CatalogException:
        return []


@dataclass(frozen=True)
class Rules:
    """The business rules the publication was computed with, as it published them: a pack
    cannot change when a seed or var is edited later. Every name the pack gives a KPI, a
    breakdown or a breakdown's value is read here, from the published seeds."""

    kpi_labels: dict[str, str]
    units: dict[str, str]  # kpi_code -> unit
    scorecard: list[str]  # the KPIs a board tracks against a target, in order
    benchmarked: list[str]  # the DfE rates with England and neighbour series
    targets: dict[str, tuple[str, bool]]  # direction, and whether a value on target meets it
    caseload_threshold: int
    settings: dict[str, str | None] = field(default_factory=dict)  # kpi_settings, as published
    breakdown_labels: dict[str, str] = field(default_factory=dict)  # kpi_breakdowns.label
    # breakdown -> value -> label, in the published order (kpi_breakdown_values, or the csww_*
    # code list kpi_breakdowns names)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    suppress_below: dict[str, int] = field(default_factory=dict)  # breakdown -> count

    def label(self, breakdown: str, value: str) -> str:
        return self.value_labels.get(breakdown, {}).get(str(value), str(value))

    def order(self, breakdown: str) -> list[str]:
        return list(self.value_labels.get(breakdown, {}))

    @classmethod
    def read(cls, conn: duckdb.DuckDBPyConnection) -> Rules:
        definitions = published_rows(
            conn,
            "select kpi_code, label, scorecard_order, is_benchmarked, unit from kpi_definitions "
            "order by kpi_code",
        )
        if not definitions:
            raise ReportError(
                "This publication predates the published KPI definitions: run `workforce run` "
                "to republish it, then make the board pack."
            )
        breakdowns = (
            records(conn, "select * from kpi_breakdowns")
            if table_columns(conn, "main", "kpi_breakdowns")
            else []
        )
        values: dict[str, dict[str, str]] = {}
        for b in breakdowns:
            if b.get("code_list") and table_columns(conn, "main", b["code_list"]):
                codes = published_rows(conn, f"select code, label from {b['code_list']}")
                values[b["breakdown"]] = {
                    str(code): label
                    for code, label in sorted(codes, key=lambda c: (len(str(c[0])), str(c[0])))
                }
        for breakdown, value, label in published_rows(
            conn,
            "select breakdown, breakdown_value, label from kpi_breakdown_values "
            "order by breakdown, sort_order",
        ):
            values.setdefault(breakdown, {})[value] = label
        settings = dict(published_rows(conn, "select var_name, value from kpi_settings"))
        return cls(
            kpi_labels={code: label for code, label, *_ in definitions},
            units={code: unit for code, *_, unit in definitions},
            scorecard=[
                code for code, _, order, *_ in sorted(definitions, key=lambda d: d[2] or 0) if order
            ],
            benchmarked=[code for code, _, _, benchmarked, _ in definitions if benchmarked],
            targets={
                code: (direction, bool(met))
                for code, direction, met in published_rows(
                    conn, "select kpi_code, direction, on_target_is_met from kpi_targets"
                )
            },
            caseload_threshold=int(settings.get("caseload_threshold") or 20),
            settings=settings,
            breakdown_labels={b["breakdown"]: b["label"] for b in breakdowns},
            value_labels=values,
            suppress_below={
                b["breakdown"]: int(b["suppress_below"])
                for b in breakdowns
                if b.get("suppress_below") is not None
            },
        )


@dataclass
class Kpi:
    code: str
    value: float | None
    unit: str
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None
    rag: str | None = None
    national: float | None = None
    neighbour_median: float | None = None
    rank: int | None = None  # of the authority's own value among the other authorities' DfE figures
    rank_of: int | None = None
    previous: float | None = None  # the same KPI a census year earlier
    direction: str = "lower_is_better"
    on_target_is_met: bool = True  # a value equal to the target meets it (<=, not <)
    dfe_value: float | None = None  # DfE's published figure for the authority that year


@dataclass
class Trend:
    """One KPI by census year: two series for the authority, each over every year it has (the
    figure this publication computed from the extracts, and DfE's published figure), England,
    the neighbours' median, and the board's target in the years it was applied."""

    kpi_code: str
    own: dict[int, float] = field(default_factory=dict)
    dfe: dict[int, float] = field(default_factory=dict)
    england: dict[int, float] = field(default_factory=dict)
    neighbours: dict[int, float] = field(default_factory=dict)
    targets: dict[int, float] = field(default_factory=dict)  # census year -> target applied
    target_rule: tuple[str, bool] = ("lower_is_better", True)  # direction, on target is met


# The agency rules' measures in the order the board pack lists them: columns of
# fct_agency_rules_by_quarter, each named by its KPI, agency_rules_<measure>, in kpi_definitions
AGENCY_RULES = (
    "over_cap_not_approved",
    "over_cap_approved",
    "under_3_years_pqe",
    "reengaged_within_3_months",
    "no_practice_reference",
    "project_team_workers",
)


SHOWN_QUARTERS = 6  # the agency rules' quarters the board pack shows, this one the last


@dataclass
class AgencyRules:
    """The agency rules for one authority: every published quarter (oldest first; the last is
    'this quarter'), the months of those quarters, and the cap sign-offs by role of the
    quarters the pack shows (the latest SHOWN_QUARTERS), newest first."""

    quarters: list[dict]
    months: list[dict]
    sign_offs: list[dict]
    labels: dict[str, str] = field(default_factory=dict)  # measure -> its KPI's label

    @property
    def this_quarter(self) -> dict:
        return self.quarters[-1]


# The recruitment section's census-year measures, in the order it lists them (kpi_definitions)
RECRUITMENT_MEASURES = (
    "recruitment_requisitions",
    "recruitment_applications",
    "applications_per_requisition",
    "offer_acceptance_percent",
    "time_to_hire_days",
    "offer_to_start_days",
    "vacancy_filled_within_6_months_percent",
    "recruitment_withdrawals",
)
FORECAST_ERRORS = ("forecast_error_vacancy_rate", "forecast_error_inpost_fte")
NO_PLANNED_DATE = "no_planned_date"  # an accepted offer without a planned start date


@dataclass
class Recruitment:
    """The recruitment section: the census year's measures (with target and RAG where the
    board set one), the starters expected month by month from the accepted offers, the
    projection of the months ahead and how well it did on the past (backtest errors)."""

    measures: dict[str, Kpi] = field(default_factory=dict)
    # month -> {"fte", "headcount", "routes": {route: fte}}, months in order
    pipeline: dict[date, dict] = field(default_factory=dict)
    routes: list[tuple[str, str]] = field(default_factory=list)  # (code, label) in the pipeline
    # accepted offers without a planned start date: {"fte", "headcount", "label"} or None
    no_planned_date: dict | None = None
    # month end -> {"inpost_fte", "vacancy_rate"}, the months projected
    projection: dict[date, dict] = field(default_factory=dict)
    # in-post FTE at the 12 month ends up to the projection's start, as published
    inpost_history: list[tuple[date, float]] = field(default_factory=list)
    # the forecast breakdown's values, each {"code", "label", kpi_code: error}, as published
    forecast_errors: list[dict] = field(default_factory=list)
    errors_period: tuple[date, date] | None = None

    def error(self, forecast: str, kpi_code: str) -> float | None:
        row = next((f for f in self.forecast_errors if f["code"] == forecast), {})
        return row.get(kpi_code)


@dataclass
class BoardPackData:
    la_code: str
    la_name: str | None
    census_year: int
    census_date: date
    census_years: list[int]
    run_id: str
    published_at: datetime | None
    scorecard: list[Kpi]
    context: dict[str, Kpi]
    trends: list[Trend]
    has_benchmarks: bool
    monthly: dict[str, list[tuple[date, float]]]
    spend: list[dict]
    establishment: dict[str, list[dict]]
    caseload_by: dict[str, list[dict]]
    rules: Rules
    leavers: dict[str, list[tuple[str, dict[int, float]]]]
    starters: dict[str, list[tuple[str, float]]]
    checks: list[dict] | None
    files: list[dict]
    quarantined_rows: int | None
    # files behind the figures over their quarantine bound, accepted on the record: who,
    # when and why (the published `acceptances` table; [] before it existed)
    accepted: list[dict] = field(default_factory=list)
    dfe_difference: float = 2.0  # workforce.yaml board_pack.dfe_difference
    # the agency rules (fct_agency_rules_by_quarter and friends); None when none is published
    agency_rules: AgencyRules | None = None
    # this census year's figures by breakdown: (kpi_code, breakdown) -> rows (see Loader.rows)
    by: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    # recruitment and retention payments: financial years, and each payment's spend by year
    rr_payments: dict = field(default_factory=dict)
    all_measures: list[dict] = field(default_factory=list)  # every KPI published for the year
    spend_uplift_percent: float = 0.0  # var agency_spend_baseline_uplift_percent, as published
    recruitment: Recruitment = field(default_factory=Recruitment)

    def rows(self, kpi_code: str, breakdown: str) -> list[dict]:
        return self.by.get((kpi_code, breakdown), [])

    @property
    def authority(self) -> str:
        return f"{self.la_name} ({self.la_code})" if self.la_name else f"Authority {self.la_code}"

    @property
    def name(self) -> str:
        return self.la_name or f"Authority {self.la_code}"

    def differs_from_dfe(self, kpi: Kpi) -> bool:
        """The authority's own figure and DfE's published one for it are further apart than
        the council allows: one of them is wrong, a data-quality finding."""
        if kpi.value is None or kpi.dfe_value is None:
            return False
        return abs(round(kpi.value, 1) - kpi.dfe_value) > self.dfe_difference


def choose(conn: duckdb.DuckDBPyConnection, la: str | None, year: int | None) -> tuple[str, int]:
    """The authority and census year asked for, or the defaults, or a clear refusal."""
    authorities = [
        code
        for (code,) in conn.execute(
            "select distinct la_code from kpi_values "
            "where la_code <> 'ALL' and period_type = 'census_year' order by 1"
        ).fetchall()
    ]
    if not authorities:
        raise ReportError("The publication holds no census-year KPIs for any authority.")
    if la is None:
        if len(authorities) > 1:
            raise ReportError(
                f"The publication holds {len(authorities)} authorities; choose one with --la "
                f"(one of: {', '.join(authorities)})."
            )
        la = authorities[0]
    elif la not in authorities:
        raise ReportError(
            f"Authority {la!r} is not in the publication; --la must be one of: "
            f"{', '.join(authorities)}."
        )
    years = census_years(conn, la)
    if year is None:
        year = years[-1]
    elif year not in years:
        raise ReportError(
            f"Census year {year} is not published for authority {la}; --year must be one of: "
            f"{', '.join(map(str, years))} (census at 30 September)."
        )
    return la, year


def census_years(conn: duckdb.DuckDBPyConnection, la: str) -> list[int]:
    """The census years with headline figures: a census year still under way may hold a
    figure about it (the projection's backtest errors) before it has any count of its own."""
    headline = (
        "and kpi_code in (select kpi_code from kpi_definitions where is_headline)"
        if "is_headline" in table_columns(conn, "main", "kpi_definitions")
        else ""  # an older publication: its census years hold nothing else
    )
    return [
        y
        for (y,) in conn.execute(
            "select distinct year(period_end) from kpi_values "
            f"where la_code = ? and period_type = 'census_year' {headline} order by 1",
            [la],
        ).fetchall()
    ]


def load(
    published: Path, la: str | None = None, year: int | None = None, dfe_difference: float = 2.0
) -> BoardPackData:
    if not published.exists():
        raise ReportError(
            f"No publication yet: {published} does not exist. Run `workforce run` (or "
            "`workforce demo`) first; the board pack shows only published, validated figures."
        )
    with duckdb.connect(str(published), read_only=True) as conn:
        la, year = choose(conn, la, year)
        data = Loader(conn, la, year).data()
    data.dfe_difference = dfe_difference
    return data


class Loader:
    def __init__(self, conn: duckdb.DuckDBPyConnection, la: str, year: int):
        self.conn, self.la, self.year = conn, la, year
        self.census_date = date(year, 9, 30)
        self.kpi_columns = table_columns(conn, "main", "kpi_values")
        self.benchmarks = (
            records(
                conn,
                "select * from kpi_benchmarks where la_code = ? order by kpi_code, census_year",
                [la],
            )
            if table_columns(conn, "main", "kpi_benchmarks")
            else []
        )

    def census(self, kpi_code: str, breakdown: str = "total") -> list[dict]:
        extra = [c for c in ("neighbour_median", "rank", "rank_of") if c in self.kpi_columns]
        return records(
            self.conn,
            "select year(period_end) as year, breakdown_value, value, numerator, denominator, "
            f"unit, target, rag, national_value{''.join(', ' + c for c in extra)} "
            "from kpi_values where la_code = ? and kpi_code = ? and breakdown = ? "
            "and period_type = 'census_year' order by period_end, breakdown_value",
            [self.la, kpi_code, breakdown],
        )

    def kpi(self, kpi_code: str) -> Kpi | None:
        by_year = {r["year"]: r for r in self.census(kpi_code)}
        row = by_year.get(self.year)
        if row is None:
            return None
        previous = by_year.get(self.year - 1)
        benchmark = next(
            (
                b
                for b in self.benchmarks
                if b["kpi_code"] == kpi_code and b["census_year"] == self.year
            ),
            {},
        )
        return Kpi(
            code=kpi_code,
            value=row["value"],
            unit=row["unit"],
            numerator=row["numerator"],
            denominator=row["denominator"],
            target=row["target"],
            rag=row["rag"],
            national=row["national_value"],
            neighbour_median=row.get("neighbour_median", benchmark.get("neighbour_median")),
            rank=row.get("rank"),
            rank_of=row.get("rank_of"),  # the own figure's rank (kpi_values), never DfE's
            previous=previous["value"] if previous else None,
            dfe_value=benchmark.get("value"),
        )

    def trend(self, kpi_code: str, rules: Rules) -> Trend:
        trend = Trend(kpi_code, target_rule=rules.targets.get(kpi_code, ("lower_is_better", True)))
        for b in self.benchmarks:
            if b["kpi_code"] != kpi_code or b["census_year"] > self.year:
                continue
            year = b["census_year"]
            if b["value"] is not None:
                trend.dfe[year] = b["value"]
            if b.get("national_value") is not None:
                trend.england[year] = b["national_value"]
            if b.get("neighbour_median") is not None:
                trend.neighbours[year] = b["neighbour_median"]
        for r in self.census(kpi_code):
            if r["year"] > self.year:
                continue
            trend.own[r["year"]] = r["value"]
            if r["national_value"] is not None:
                trend.england[r["year"]] = r["national_value"]
            if r.get("neighbour_median") is not None:
                trend.neighbours[r["year"]] = r["neighbour_median"]
            if r["target"] is not None:
                trend.targets[r["year"]] = r["target"]
        return trend

    def monthly(self) -> dict[str, list[tuple[date, float]]]:
        series: dict[str, list[tuple[date, float]]] = {}
        for code, end, value in self.conn.execute(
            "select kpi_code, period_end, value from kpi_values where la_code = ? "
            "and period_type = 'month' and breakdown = 'total' and period_end <= ? "
            "order by kpi_code, period_end",
            [self.la, self.census_date],
        ).fetchall():
            series.setdefault(code, []).append((end, value))
        return series

    def spend(self) -> list[dict]:
        """Agency spend by financial year as published: of all agency staff and of agency
        social workers, with the change against the baseline year, the spend it was compared
        with (a part year's: the baseline year's spend in the same months) and the spend
        avoided; and each year's months with spend (the published monthly figures)."""
        years = records(
            self.conn,
            """
            select year(period_start) as start_year, period_start, period_end,
                max(value) filter (kpi_code = 'agency_spend_gbp') as spend,
                max(value) filter (kpi_code = 'agency_spend_cfsw_gbp') as spend_cfsw,
                max(value) filter (kpi_code = 'agency_spend_change_gbp') as change,
                max(value) filter (kpi_code = 'agency_spend_change_percent') as change_percent,
                max(denominator) filter (kpi_code = 'agency_spend_change_percent')
                    as compared_with,
                max(value) filter (kpi_code = 'agency_spend_avoided_gbp') as avoided,
                max(value) filter (kpi_code = 'agency_cost_per_fte_gbp') as agency_cost_per_fte,
                max(value) filter (kpi_code = 'pay_cost_per_fte_gbp') as pay_cost_per_fte,
                max(value) filter (kpi_code = 'agency_premium_percent') as agency_premium
            from kpi_values where la_code = ? and period_type = 'financial_year'
                and breakdown = 'total'
            group by all order by period_start
            """,
            [self.la],
        )
        months = [
            start
            for (start,) in self.conn.execute(
                "select period_start from kpi_values where la_code = ? "
                "and kpi_code = 'agency_spend_gbp' and period_type = 'month' "
                "and breakdown = 'total' order by period_start",
                [self.la],
            ).fetchall()
        ]
        baseline = next((y["start_year"] for y in years if y["change"] is not None), None)
        for y in years:
            y["months"] = [m for m in months if y["period_start"] <= m <= y["period_end"]]
            y["part_year"] = len(y["months"]) < 12
            y["is_baseline"] = y["start_year"] == baseline
            # a year after the baseline published without a change: no month in common
            y["no_common_months"] = (
                baseline is not None and y["start_year"] > baseline and y["change"] is None
            )
        return years

    def breakdown_table(self, breakdown: str, labels: dict[str, str] | None = None) -> list[dict]:
        """Establishment, in post, agency, vacant and (over)/under by one dimension."""
        table: dict[str, dict] = {}
        codes = {
            "establishment_fte": "establishment",
            "inpost_fte": "inpost",
            "agency_fte": "agency",
            "vacancy_fte": "vacant",
            "establishment_gap_fte": "gap",
        }
        for code, column in codes.items():
            for r in self.census(code, breakdown):
                if r["year"] == self.year:
                    table.setdefault(r["breakdown_value"], {})[column] = r["value"]
        ordered = sorted(table, key=lambda v: (not v.isdigit(), int(v) if v.isdigit() else v))
        result = [{"label": (labels or {}).get(v, v), **table[v]} for v in ordered]
        total = {}
        for code, column in codes.items():
            kpi = self.kpi(code)
            total[column] = kpi.value if kpi else None
        if result:
            result.append({"label": "Total", "is_total": True, **total})
        return result

    def caseload_by(self, breakdown: str) -> list[dict]:
        """Caseloads by team or service area; a team or area with posts but no case holders on
        30 September is listed too (`no_case_holders`), so the table explains its rows."""
        figures = {}
        for code, column in (
            ("caseload_fte", "average"),
            ("caseload_above_threshold_share", "share_above"),
            ("caseload_max", "max"),
        ):
            for r in self.census(code, breakdown):
                if r["year"] == self.year:
                    figures.setdefault(r["breakdown_value"], {})[column] = r["value"]
        with_posts = {
            r["breakdown_value"]
            for code in ("establishment_fte", "inpost_fte")
            for r in self.census(code, breakdown)
            if r["year"] == self.year
        }
        return [
            {
                "label": v,
                "average": figures.get(v, {}).get("average"),
                "share_above": figures.get(v, {}).get("share_above"),
                "max": figures.get(v, {}).get("max"),
                "no_case_holders": v not in figures,
            }
            for v in sorted(set(figures) | with_posts)
        ]

    def rows(self, rules: Rules) -> dict[tuple[str, str], list[dict]]:
        """This census year's figures of every KPI by every breakdown, each value named and
        ordered as published. A suppressed value (fewer people than the breakdown's
        suppress_below) is published as null and kept here, marked `suppressed`."""
        by: dict[tuple[str, str], dict[str, dict]] = {}
        for r in records(
            self.conn,
            "select kpi_code, breakdown, breakdown_value, value, numerator, denominator, unit "
            "from kpi_values where la_code = ? and period_type = 'census_year' "
            "and breakdown <> 'total' and year(period_end) = ?",
            [self.la, self.year],
        ):
            by.setdefault((r["kpi_code"], r["breakdown"]), {})[r["breakdown_value"]] = r
        result = {}
        for (kpi_code, breakdown), values in by.items():
            known = [v for v in rules.order(breakdown) if v in values]
            ordered = known + sorted(v for v in values if v not in known)
            result[kpi_code, breakdown] = [
                {
                    **values[v],
                    "label": rules.label(breakdown, v),
                    "suppressed": values[v]["value"] is None,
                }
                for v in ordered
            ]
        return result

    def rr_payments(self, rules: Rules) -> dict:
        """Recruitment and retention payments by financial year (to the one of the census
        date), in total and by payment, named as published."""
        rows = records(
            self.conn,
            "select year(period_start) as start_year, breakdown, breakdown_value, value "
            "from kpi_values where la_code = ? and kpi_code = 'rr_payments_gbp' "
            "and period_type = 'financial_year' and period_start <= ? order by period_start",
            [self.la, self.census_date],
        )
        if not rows:
            return {}
        years = sorted({r["start_year"] for r in rows})
        by_element: dict[str, dict[int, float]] = {}
        for r in rows:
            if r["breakdown"] == "pay_element":
                by_element.setdefault(r["breakdown_value"], {})[r["start_year"]] = r["value"]
        known = [v for v in rules.order("pay_element") if v in by_element]
        elements = known + sorted(v for v in by_element if v not in known)
        return {
            "years": years,
            "elements": [(rules.label("pay_element", e), by_element[e]) for e in elements],
            "total": {r["start_year"]: r["value"] for r in rows if r["breakdown"] == "total"},
        }

    def recruitment(self, rules: Rules) -> Recruitment:
        """The recruitment figures as published; the months ahead (pipeline and projection)
        are every month published for them, and the backtest errors those of the newest year
        published."""
        result = Recruitment()
        for code in RECRUITMENT_MEASURES:
            kpi = self.kpi(code)
            if kpi:
                kpi.direction, kpi.on_target_is_met = rules.targets.get(
                    code, (kpi.direction, kpi.on_target_is_met)
                )
                result.measures[code] = kpi
        ahead = records(
            self.conn,
            "select kpi_code, breakdown, breakdown_value, period_start, period_end, value "
            "from kpi_values where la_code = ? and period_type = 'month' and kpi_code in ("
            "'pipeline_starters_fte', 'pipeline_starters_headcount', 'projected_inpost_fte', "
            "'projected_vacancy_rate_fte') order by period_start",
            [self.la],
        )
        routes: set[str] = set()
        undated: dict[str, float] = {}
        for r in ahead:
            code, month, value = r["kpi_code"], r["period_start"], r["value"]
            if code.startswith("projected_"):
                column = "inpost_fte" if code == "projected_inpost_fte" else "vacancy_rate"
                result.projection.setdefault(r["period_end"], {})[column] = value
                continue
            measure = code.removeprefix("pipeline_starters_")
            if r["breakdown_value"] == NO_PLANNED_DATE:  # due in no month: counted once
                undated.setdefault(measure, value or 0)
            elif r["breakdown"] == "total":
                result.pipeline.setdefault(month, {"routes": {}})[measure] = value
            elif r["breakdown"] == "recruitment_route" and measure == "fte":
                routes.add(r["breakdown_value"])
                result.pipeline.setdefault(month, {"routes": {}})["routes"][
                    r["breakdown_value"]
                ] = value
        known = [v for v in rules.order("recruitment_route") if v in routes]
        result.routes = [
            (v, rules.label("recruitment_route", v)) for v in known + sorted(routes - set(known))
        ]
        if undated:
            label = next(
                (labels[NO_PLANNED_DATE] for labels in rules.value_labels.values()
                 if NO_PLANNED_DATE in labels),
                None,
            )  # fmt: skip
            result.no_planned_date = {**undated, "label": label}
        if result.projection:
            result.inpost_history = self.conn.execute(
                "select period_end, value from kpi_values where la_code = ? "
                "and kpi_code = 'inpost_fte' and period_type = 'month' and breakdown = 'total' "
                "and period_end < ? order by period_end desc limit 12",
                [self.la, min(result.projection)],
            ).fetchall()[::-1]
        errors = records(
            self.conn,
            "select kpi_code, breakdown_value, period_start, period_end, value from kpi_values "
            "where la_code = ? and kpi_code in ('forecast_error_vacancy_rate', "
            "'forecast_error_inpost_fte') and breakdown = 'forecast' "
            "and period_end = (select max(period_end) from kpi_values where la_code = ? "
            "and kpi_code = 'forecast_error_vacancy_rate')",
            [self.la, self.la],
        )
        by_forecast: dict[str, dict] = {}
        for r in errors:
            result.errors_period = (r["period_start"], r["period_end"])
            by_forecast.setdefault(r["breakdown_value"], {})[r["kpi_code"]] = r["value"]
        known = [v for v in rules.order("forecast") if v in by_forecast]
        result.forecast_errors = [
            {"code": v, "label": rules.label("forecast", v), **by_forecast[v]}
            for v in known + sorted(set(by_forecast) - set(known))
        ]
        return result

    def all_measures(self) -> list[dict]:
        """Every KPI published for the authority over a period that holds the census date (the
        census year, the financial year, the quarter), with its label and unit: a KPI added to
        kpi_definitions with its model is listed here with no other change."""
        return records(
            self.conn,
            "select v.kpi_code, d.label, d.unit, v.period_type, v.period_start, v.period_end, "
            "v.value from kpi_values as v inner join kpi_definitions as d using (kpi_code) "
            "where v.la_code = ? and v.breakdown = 'total' and v.period_type <> 'month' "
            "and ? between v.period_start and v.period_end "
            "order by v.period_type, d.label",
            [self.la, self.census_date],
        )

    def by_year(
        self, kpi_code: str, breakdown: str, order: list[str] | None = None
    ) -> list[tuple[str, dict[int, float]]]:
        values: dict[str, dict[int, float]] = {}
        for r in self.census(kpi_code, breakdown):
            if r["year"] <= self.year:
                values.setdefault(r["breakdown_value"], {})[r["year"]] = r["value"]
        keys = order or sorted(values, key=lambda v: -values[v].get(self.year, 0))
        return [(k, values.get(k, {})) for k in keys if k in values]

    def this_year(self, kpi_code: str, breakdown: str) -> list[tuple[str, float]]:
        pairs = [
            (r["breakdown_value"], r["value"])
            for r in self.census(kpi_code, breakdown)
            if r["year"] == self.year and r["value"]
        ]
        return sorted(pairs, key=lambda p: -p[1])

    def la_name(self) -> str | None:
        """The authority's name: the project's list of DfE's authorities (published with the
        KPIs), else the name DfE's indicators file gives it."""
        if table_columns(self.conn, "main", "dfe_authorities"):
            named = self.conn.execute(
                "select la_name from dfe_authorities where la_code = ?", [self.la]
            ).fetchone()
            if named:
                return named[0]
        return next((b["la_name"] for b in self.benchmarks if b.get("la_name")), None)

    def run(self) -> tuple[str, datetime | None]:
        (run_id,) = self.conn.execute(
            "select any_value(published_run_id) from kpi_values where la_code = ?", [self.la]
        ).fetchone()
        finished = self.conn.execute(
            "select finished_at from publications where run_id = ?", [run_id]
        ).fetchone()
        published_at = finished[0] if finished else None
        if isinstance(published_at, datetime) and published_at.tzinfo is not None:
            published_at = published_at.astimezone().replace(tzinfo=None)
        return run_id, published_at

    def quality(self, run_id: str) -> tuple[list[dict] | None, list[dict], int | None]:
        checks = None
        if table_columns(self.conn, "main", "checks"):
            checks = records(
                self.conn,
                "select asset, check_name, passed, severity, description from checks "
                "order by passed, asset, check_name",
            )
        if table_columns(self.conn, "main", "source_files"):
            files = records(
                self.conn,
                "select file_name, kind, la_code, extract_date, sha256, rows_read, rows_loaded, "
                "rows_quarantined from source_files where la_code = ? or la_code is null "
                "order by la_code nulls first, kind, extract_date, file_name",
                [self.la],
            )
            quarantined = sum(f["rows_quarantined"] or 0 for f in files)
        else:  # an older publication: names and hashes only, from its log
            files = records(
                self.conn,
                "select f.file_name, f.sha256 from (select unnest(source_files) as f "
                "from publications where run_id = ?) order by f.file_name",
                [run_id],
            )
            quarantined = None
        return checks, files, quarantined

    def accepted(self) -> list[dict]:
        """The files of this authority over their quarantine bound that stand because someone
        accepted them (`workforce accept`)."""
        if not table_columns(self.conn, "main", "acceptances"):
            return []
        return records(
            self.conn,
            "select file_name, kind, extract_date, rows_read, rows_quarantined, max_share, "
            "reason, accepted_by, accepted_at from acceptances "
            "where la_code = ? or la_code is null order by file_name",
            [self.la],
        )

    def agency_rules(self, labels: dict[str, str]) -> AgencyRules | None:
        """The published agency rules of the authority, or None (none published, or a file
        published before the agency rules existed)."""
        if not table_columns(self.conn, "main", "fct_agency_rules_by_quarter"):
            return None
        quarters = records(
            self.conn,
            "select * from fct_agency_rules_by_quarter where la_code = ? "
            "and (assignments > 0 or agency_cost_gbp <> 0) order by quarter_start",
            [self.la],
        )
        if not quarters:
            return None
        months = records(
            self.conn,
            "select period_start, agency_cost_gbp, over_cap_hours, pay_above_cap_gbp "
            "from fct_agency_cost_by_month where la_code = ? and period_start between ? and ? "
            "order by period_start",
            [self.la, quarters[0]["quarter_start"], quarters[-1]["quarter_end"]],
        )
        sign_offs = records(
            self.conn,
            "select quarter, role_category, approved_by, assignments from fct_agency_cap_sign_offs "
            "where la_code = ? and quarter_start >= ? "
            "order by quarter_start desc, role_category, approved_by",
            [self.la, quarters[-SHOWN_QUARTERS:][0]["quarter_start"]],
        )
        return AgencyRules(
            quarters,
            months,
            sign_offs,
            {m: labels.get(f"agency_rules_{m}", m.replace("_", " ")) for m in AGENCY_RULES},
        )

    def data(self) -> BoardPackData:
        run_id, published_at = self.run()
        checks, files, quarantined = self.quality(run_id)
        rules = Rules.read(self.conn)
        context_codes = (
            "inpost_fte",
            "inpost_headcount",
            "starters_fte",
            "starters_headcount",
            "leavers_fte",
            "leavers_headcount",
            "agency_fte",
            "agency_headcount",
            "vacancy_fte",
            "establishment_fte",
            "caseload_above_threshold_share",
            "caseload_max",
            "children_with_3plus_workers_percent",
            "children_with_3plus_workers",
            "agency_cover_rate_fte",
            "asye_inpost_headcount",
            "first_year_leavers_headcount",
            "first_year_leavers_percent",
            "promotions_headcount",
            "internal_fill_percent",
        )
        scorecard = [k for k in (self.kpi(code) for code in rules.scorecard) if k]
        for kpi in scorecard:
            kpi.direction, kpi.on_target_is_met = rules.targets.get(
                kpi.code, (kpi.direction, kpi.on_target_is_met)
            )
        # the benchmarked rates, then the other measures of the scorecard (sickness absence)
        trended = rules.benchmarked + [c for c in rules.scorecard if c not in rules.benchmarked]
        return BoardPackData(
            la_code=self.la,
            la_name=self.la_name(),
            census_year=self.year,
            census_date=self.census_date,
            census_years=census_years(self.conn, self.la),
            run_id=run_id,
            published_at=published_at,
            scorecard=scorecard,
            context={c: k for c in context_codes if (k := self.kpi(c))},
            trends=[self.trend(code, rules) for code in trended],
            has_benchmarks=bool(self.benchmarks),
            monthly=self.monthly(),
            spend=self.spend(),
            establishment={
                "role": self.breakdown_table("org_role", rules.value_labels.get("org_role")),
                "service area": self.breakdown_table("service_area"),
            },
            caseload_by={
                "service area": self.caseload_by("service_area"),
                "team": self.caseload_by("team"),
            },
            rules=rules,
            leavers={
                "service_band": self.by_year(
                    "leavers_fte", "service_band", rules.order("service_band") or None
                ),
                "leaving_reason": self.by_year("leavers_fte", "leaving_reason"),
            },
            starters={
                "recruitment_route": self.this_year("starters_fte", "recruitment_route"),
                "start_origin": self.this_year("starters_fte", "start_origin"),
            },
            checks=checks,
            files=files,
            quarantined_rows=quarantined,
            accepted=self.accepted(),
            agency_rules=self.agency_rules(rules.kpi_labels),
            by=self.rows(rules),
            rr_payments=self.rr_payments(rules),
            all_measures=self.all_measures(),
            spend_uplift_percent=float(
                rules.settings.get("agency_spend_baseline_uplift_percent") or 0
            ),
            recruitment=self.recruitment(rules),
        )
