"""The board pack page: one self-contained HTML file (plotly.js inlined once, no external URL)."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from pathlib import Path

import jinja2
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from orchestration.report import charts
from orchestration.report.data import (
    AGENCY_RULES,
    RECRUITMENT_MEASURES,
    SHOWN_QUARTERS,
    BoardPackData,
    Kpi,
    Recruitment,
    month_span,
)
from orchestration.report.headline import explained

RAG_LABELS = {
    "green": ("Green", "on target", "✓"),
    "amber": ("Amber", "close to target", "▲"),
    "red": ("Red", "off target", "✕"),
}


def fmt_value(value: float | None, unit: str | None, dp: int = 1) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value:,.{dp}f}%"
    if unit == "gbp":
        return f"£{value:,.0f}"
    if unit == "headcount":  # people are counted whole
        return f"{value:,.0f}"
    return f"{value:,.{dp}f}"


def fmt_gbp_k(value: float | None) -> str:
    """£ thousands, negatives in brackets, as finance tables show them."""
    if value is None:
        return "–"
    text = f"£{abs(value) / 1000:,.0f}k"
    return f"({text})" if value < 0 else text


def fmt_signed(value: float | None, suffix: str = "", dp: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:+,.{dp}f}{suffix}".replace("-", "−")


def fmt_bracketed(value: float | None) -> str:
    """(Over)/under establishment: over establishment in brackets, as council tables show it."""
    if value is None:
        return "–"
    return f"({abs(value):,.1f})" if value < 0 else f"{value:,.1f}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def movement(kpi: Kpi) -> str:
    """Change on last year in words: up/down, by how much, and whether that is better."""
    if kpi.previous is None or kpi.value is None:
        return "no earlier year"
    change = kpi.value - kpi.previous
    unit = " pts" if kpi.unit == "percent" else ""
    if abs(change) < 0.05:
        return "no change"
    better = (change < 0) == (kpi.direction == "lower_is_better")
    arrow = "▲" if change > 0 else "▼"
    return f"{arrow} {abs(change):.1f}{unit}, {'better' if better else 'worse'}"


def target_text(kpi: Kpi) -> str:
    if kpi.target is None:
        return "–"
    lower = kpi.direction == "lower_is_better"
    sign = ("≤" if lower else "≥") if kpi.on_target_is_met else ("<" if lower else ">")
    return f"{sign} {fmt_value(kpi.target, kpi.unit, 0 if kpi.unit == 'days' else 1)}"


def target_words(kpi: Kpi) -> str:
    """The target as the board states it: "below 15.0%", "10.0% or lower"."""
    value = fmt_value(kpi.target, kpi.unit)
    lower = kpi.direction == "lower_is_better"
    if kpi.on_target_is_met:
        return f"{value} or {'lower' if lower else 'higher'}"
    return f"{'below' if lower else 'above'} {value}"


def explained_kpi(kpi: Kpi) -> str:
    return explained(kpi.code, kpi.numerator, kpi.denominator)


def rag_summary(scorecard: list[Kpi]) -> str:
    counts = Counter(k.rag for k in scorecard if k.rag)
    parts = [
        f"{counts[rag]} {RAG_LABELS[rag][1]} ({RAG_LABELS[rag][0].lower()})"
        for rag in ("green", "amber", "red")
        if counts[rag]
    ]
    return f"Of {sum(counts.values())} measures with a target: " + ", ".join(parts) + "."


def points(kpi: Kpi, amount: float) -> str:
    """An amount of change in the KPI's own unit, in words."""
    if kpi.unit == "percent":
        return f"{abs(amount):.1f} percentage points"
    return f"{abs(amount):.1f} {'cases per FTE' if kpi.unit == 'cases' else kpi.unit}"


def off_target_by(kpi: Kpi) -> float | None:
    """How far the value is on the wrong side of its target (negative: on the right side)."""
    if kpi.value is None or kpi.target is None:
        return None
    gap = kpi.value - kpi.target
    return gap if kpi.direction == "lower_is_better" else -gap


def summary(data: BoardPackData, labels: dict[str, str]) -> list[str]:
    """The opening paragraph: what is red, what moved most on last year, how far from target,
    what the data-quality checks found and how agency spend compares, like with like."""

    def name(kpi: Kpi) -> str:
        return (
            labels.get(kpi.code, kpi.code)
            .replace(" (FTE)", "")
            .lower()
            .replace("cases per fte", "cases per FTE")
        )

    said: list[str] = []
    scored = [k for k in data.scorecard if k.value is not None]
    for rag in ("red", "amber"):
        kpis = [k for k in scored if k.rag == rag]
        if kpis:
            said.append(
                f"{RAG_LABELS[rag][0]} ({RAG_LABELS[rag][1]}): "
                + "; ".join(
                    f"{name(k)} {fmt_value(k.value, k.unit)} (target {target_words(k)})"
                    for k in kpis
                )
                + "."
            )
    green = [k for k in scored if k.rag == "green"]
    if green:
        said.append("Green (on target): " + ", ".join(name(k) for k in green) + ".")
    moved = [k for k in scored if k.previous]
    if moved:  # relative to last year's figure, so rates and caseloads compare
        most = max(moved, key=lambda k: abs(k.value - k.previous) / abs(k.previous))
        change = most.value - most.previous
        better = (change < 0) == (most.direction == "lower_is_better")
        said.append(
            f"Largest move on {data.census_year - 1}: {name(most)} "
            f"{'up' if change > 0 else 'down'} {points(most, change)}, from "
            f"{fmt_value(most.previous, most.unit)} to {fmt_value(most.value, most.unit)} "
            f"({'better' if better else 'worse'})."
        )
    off = [(k, gap) for k in scored if (gap := off_target_by(k)) is not None and gap > 0]
    if off:
        worst, gap = max(off, key=lambda pair: pair[1] / abs(pair[0].target or 1))
        said.append(
            f"Furthest from target: {name(worst)}, {points(worst, gap)} "
            f"{'above' if worst.direction == 'lower_is_better' else 'below'} its target."
        )
    elif any(k.target is not None for k in scored):
        said.append("Every measure with a target is on the right side of it.")
    said.extend(quality_findings(data, name))
    said.extend(spend_findings(data))
    return said


def quality_findings(data: BoardPackData, name) -> list[str]:
    said = []
    if data.checks is not None:
        passed = sum(bool(c["passed"]) for c in data.checks)
        quarantined = (
            f"; {data.quarantined_rows:,} rows quarantined (left out of the figures)"
            if data.quarantined_rows
            else "; no rows quarantined"
            if data.quarantined_rows is not None
            else ""
        )
        said.append(
            f"Data quality: {passed} of {len(data.checks)} checks passed in the publishing run"
            f"{quarantined}."
        )
    if data.accepted:
        said.append(
            f"{len(data.accepted)} file(s) over the quarantine bound were accepted on the "
            "record (section 16): "
            + "; ".join(
                f"{a['file_name']} ({a['rows_quarantined']:,} of {a['rows_read']:,} rows left "
                f"out), accepted by {a['accepted_by']}: {a['reason']}"
                for a in data.accepted
            )
            + "."
        )
    differing = [k for k in data.scorecard if data.differs_from_dfe(k)]
    if differing:
        said.append(
            f"Data-quality finding: {len(differing)} of this publication's figures differ from "
            f"DfE's published figures for {data.name} by more than {data.dfe_difference:g} "
            "(percentage points, or cases per FTE): "
            + "; ".join(
                f"{name(k)} {fmt_value(k.value, k.unit)} against DfE's "
                f"{fmt_value(k.dfe_value, k.unit)}"
                for k in differing
            )
            + ". The same measure should agree: check the extracts against the census return "
            "DfE published."
        )
    return said


def spend_findings(data: BoardPackData) -> list[str]:
    """Agency spend against the baseline year, as published: a full year against the whole
    baseline year, a part year against the same months of it."""
    said = []
    years = [s for s in data.spend if s["change"] is not None and s["spend"] is not None]
    if not years:
        return said
    base = next((s for s in years if s["is_baseline"]), years[0])
    later = [s for s in years if s["start_year"] > base["start_year"]]
    full = [s for s in later if not s["part_year"]]
    if full:
        last = full[-1]
        said.append(
            f"Agency spend (all agency staff) {charts.fy_label(last['start_year'])} (a full "
            f"year): {fmt_gbp_k(last['spend'])}, {fmt_signed(last['change_percent'], '%', 0)} "
            f"on the baseline year {charts.fy_label(base['start_year'])} "
            f"({fmt_gbp_k(base['spend'])})."
        )
    for s in [s for s in later if s["part_year"]][-1:]:
        said.append(
            f"{charts.fy_label(s['start_year'])} so far ({month_span(s['months'])}, "
            f"{len(s['months'])} months): {fmt_gbp_k(s['spend'])}, "
            f"{fmt_signed(s['change_percent'], '%', 0)} on the same months of "
            f"{charts.fy_label(base['start_year'])} ({fmt_gbp_k(s['compared_with'])})."
        )
    return said


def check_groups(checks: list[dict]) -> list[dict]:
    """Checks summarised by where they run: ingestion, dbt tests, Great Expectations."""
    groups: dict[str, dict] = defaultdict(lambda: {"total": 0, "passed": 0, "warn": 0})
    for c in checks:
        name = (
            "Great Expectations suites"
            if c["check_name"].startswith("gx_")
            else "Row quarantine share (per extract kind)"
            if c["check_name"] == "quarantine_share"
            else "dbt tests on the models"
        )
        group = groups[name]
        group["total"] += 1
        group["passed"] += bool(c["passed"])
        group["warn"] += (not c["passed"]) and c["severity"] == "WARN"
    return [{"name": name, **g} for name, g in sorted(groups.items())]


KIND_LABELS = {
    "hr_staff": "HR staff (assignments)",
    "hr_establishment": "HR establishment (posts)",
    "hr_absence": "HR absence",
    "payroll": "Payroll",
    "agency_assignments": "Agency assignments",
    "agency_timesheets": "Agency timesheets",
    "case_allocations": "Case allocations",
    "hr_pay_offer": "HR pay offer",
    "recruitment": "Recruitment (applications)",
    "dfe_indicators": "DfE workforce indicators",
    "dfe_statistical_neighbours": "DfE statistical neighbours",
}


def file_groups(files: list[dict]) -> list[dict]:
    groups: dict[str, dict] = {}
    for f in files:
        kind = f.get("kind") or "unknown"
        g = groups.setdefault(
            kind,
            {
                "kind": KIND_LABELS.get(kind, kind),
                "files": 0,
                "first": None,
                "last": None,
                "loaded": 0,
                "q": 0,
            },
        )
        g["files"] += 1
        date_ = f.get("extract_date")
        if date_ is not None:
            g["first"] = min(g["first"] or date_, date_)
            g["last"] = max(g["last"] or date_, date_)
        g["loaded"] += f.get("rows_loaded") or 0
        g["q"] += f.get("rows_quarantined") or 0
    return list(groups.values())


Y_TITLES = {"percent": "Percent", "cases": "Cases per FTE", "fte": "FTE", "days": "Days"}


UNIT_WORDS = {
    "fte": "FTE",
    "headcount": "people",
    "percent": "%",
    "gbp": "£",
    "cases": "cases",
    "days": "days",  # the KPI's label says which (working days lost, days to hire)
}


def period_words(measure: dict) -> str:
    """A published period as a board reads it."""
    kind, start, end = measure["period_type"], measure["period_start"], measure["period_end"]
    if kind == "census_year":
        return f"Census year to 30 Sep {end.year}"
    if kind == "financial_year":
        return f"Financial year {charts.fy_label(start.year)}"
    if kind == "quarter":
        return f"Quarter {start:%b}–{end:%b %Y}"
    return f"{start:%-d %b %Y} to {end:%-d %b %Y}"


# What a recruitment rate is of, in words, from its numerator (n) and denominator (d)
RECRUITMENT_BASES = {
    "applications_per_requisition": "{n} applications to {d} requisitions opened in the year",
    "offer_acceptance_percent": "{n} of {d} offers made in the year accepted",
    "vacancy_filled_within_6_months_percent": (
        "{n} of {d} social work posts that fell vacant in the year filled by a recruited starter "
        "within 6 months"
    ),
}


def forecast_verdicts(recruitment: Recruitment, labels: dict[str, str]) -> list[str]:
    """Whether the projection beats "no change", horizon by horizon, in plain words."""
    said = []
    for kpi_code, unit in (
        ("forecast_error_vacancy_rate", "percentage points"),
        ("forecast_error_inpost_fte", "FTE"),
    ):
        what = labels.get(kpi_code, kpi_code)
        for months in (6, 12):
            projected = recruitment.error(f"projection_{months}m", kpi_code)
            unchanged = recruitment.error(f"no_change_{months}m", kpi_code)
            if projected is None or unchanged is None:
                continue
            if projected < unchanged:
                verdict = "the projection beats no change"
            elif projected == unchanged:
                verdict = "the projection does no better than no change"
            else:
                verdict = "the projection does not beat no change: it did worse than assuming nothing changes"
            said.append(
                f"{what}, {months} months ahead: the projection was out by {projected:.1f} {unit} "
                f"on average, no change by {unchanged:.1f}: {verdict}."
            )
    return said


def fewer_than(data: BoardPackData, breakdown: str) -> str:
    """What a suppressed value says: never 0, never blank."""
    return f"fewer than {data.rules.suppress_below.get(breakdown, 5)}"


def chart_blocks(data: BoardPackData) -> dict[str, list[tuple[str, str]]]:
    """Each section's charts as (div id, html) pairs, built only when there is data; every
    measure and value is named as the publication names it."""
    name = data.name
    rules = data.rules
    blocks: dict[str, list] = defaultdict(list)
    against = "England and neighbours" if data.has_benchmarks else "England"

    def add(section: str, div_id: str, fig) -> None:
        if fig is not None:
            blocks[section].append((div_id, Markup(charts.to_html(fig, div_id))))

    for trend in data.trends:
        if not (trend.own or trend.dfe):
            continue
        label = rules.kpi_labels.get(trend.kpi_code, trend.kpi_code)
        unit = rules.units.get(trend.kpi_code, "")
        compared = against if trend.kpi_code in rules.benchmarked else "England"
        add(
            "trends",
            f"chart-trend-{trend.kpi_code}",
            charts.trend_chart(
                trend, f"{label}: {name} against {compared}", Y_TITLES.get(unit, unit), name, ".1f"
            ),
        )
    add(
        "monthly",
        "chart-monthly-staffing",
        charts.monthly_staffing(data.monthly, rules.kpi_labels.get("inpost_fte", "In post")),
    )
    add(
        "monthly",
        "chart-monthly-agency-vacancies",
        charts.monthly_agency_and_vacancies(data.monthly, rules.kpi_labels),
    )
    caseload_target = next((k.target for k in data.scorecard if k.code == "caseload_fte"), None)
    add(
        "monthly",
        "chart-monthly-caseload",
        charts.monthly_caseload(
            data.monthly.get("caseload_fte", []),
            caseload_target,
            rules.targets.get("caseload_fte", ("lower_is_better", True)),
            rules.caseload_threshold,
        ),
    )

    def by(kpi_code: str, breakdown: str, when: str) -> str:
        """A chart's title from the published names: "Leavers (FTE) by reason for leaving"."""
        label = rules.breakdown_labels.get(breakdown, breakdown.replace("_", " "))
        return f"{rules.kpi_labels.get(kpi_code, kpi_code)} by {label.lower()}, {when}"

    year_to = f"year to 30 Sep {data.census_year}"
    add("spend", "chart-agency-spend", charts.spend_chart(data.spend))
    if data.agency_rules:
        add("agency_rules", "chart-agency-rules", charts.agency_rules_trend(data.agency_rules))
        add(
            "agency_rules",
            "chart-agency-cost-cap",
            charts.agency_cost_against_cap(data.agency_rules),
        )
    add(
        "caseload",
        "chart-caseload-teams",
        charts.caseload_chart(data.caseload_by["team"], rules.caseload_threshold),
    )
    add(
        "leavers",
        "chart-leavers-service",
        charts.leavers_by_band(
            data.leavers["service_band"],
            rules.value_labels.get("service_band", {}),
            by("leavers_fte", "service_band", "by census year"),
        ),
    )
    this_year = [
        (rules.label("leaving_reason", code), values[data.census_year])
        for code, values in data.leavers["leaving_reason"]
        if values.get(data.census_year)
    ]
    add(
        "leavers",
        "chart-leavers-reason",
        charts.horizontal_bars(
            this_year,
            by("leavers_fte", "leaving_reason", year_to),
            "Leavers (FTE)",
        ),
    )
    add(
        "starters",
        "chart-starters-route",
        charts.horizontal_bars(
            [
                (rules.label("recruitment_route", r), v)
                for r, v in data.starters["recruitment_route"]
            ],
            by("starters_fte", "recruitment_route", year_to),
            "Starters (FTE)",
        ),
    )
    add(
        "starters",
        "chart-starters-origin",
        charts.horizontal_bars(
            [(rules.label("start_origin", o), v) for o, v in data.starters["start_origin"]],
            by("starters_fte", "start_origin", year_to),
            "Starters (FTE)",
        ),
    )
    experience = [
        (r["label"], r["value"])
        for r in data.rows("inpost_headcount", "service_band")
        if r["value"] is not None
    ]
    add(
        "stability",
        "chart-experience-profile",
        charts.horizontal_bars(
            experience,  # shortest service at the top, as the table lists it
            by("inpost_headcount", "service_band", f"30 Sep {data.census_year}"),
            "Social workers (headcount)",
            unit="people",
            fmt=".0f",
        ),
    )
    recruitment = data.recruitment
    funnel = data.rows("recruitment_funnel", "recruitment_stage")
    conversion = {
        r["breakdown_value"]: r["value"]
        for r in data.rows("recruitment_conversion_percent", "recruitment_stage")
    }
    add(
        "recruitment",
        "chart-recruitment-funnel",
        charts.funnel_chart(
            [(r["label"], r["value"], conversion.get(r["breakdown_value"])) for r in funnel],
            by("recruitment_funnel", "recruitment_stage", year_to),
        ),
    )
    add(
        "recruitment",
        "chart-recruitment-pipeline",
        charts.pipeline_chart(
            recruitment.pipeline,
            recruitment.routes,
            by("pipeline_starters_fte", "recruitment_route", "month by month"),
        ),
    )
    add(
        "projection",
        "chart-projected-inpost",
        charts.projection_chart(
            recruitment.inpost_history,
            {m: p.get("inpost_fte") for m, p in recruitment.projection.items()},
            rules.kpi_labels.get("projected_inpost_fte", "Projected in post (FTE)"),
            rules.kpi_labels.get("inpost_fte", "In post (FTE)"),
        ),
    )
    return blocks


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("orchestration.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        value=fmt_value,
        gbp_k=fmt_gbp_k,
        signed=fmt_signed,
        bracketed=fmt_bracketed,
        ordinal=ordinal,
        fy=charts.fy_label,
    )
    return env


def render(data: BoardPackData) -> str:
    return (
        environment()
        .get_template("board_pack.html.j2")
        .render(
            d=data,
            charts=chart_blocks(data),
            plotly_js=Markup(get_plotlyjs()),
            kpi_labels=data.rules.kpi_labels,
            rag_labels=RAG_LABELS,
            movement=movement,
            target_text=target_text,
            explained=explained_kpi,
            rag_summary=rag_summary(data.scorecard),
            summary=summary(data, data.rules.kpi_labels),
            month_span=month_span,
            check_groups=check_groups(data.checks) if data.checks is not None else None,
            file_groups=file_groups(data.files),
            failed_checks=[c for c in data.checks or [] if not c["passed"]],
            agency_rules=AGENCY_RULES,
            uplift=fmt_value(data.spend_uplift_percent, "percent", 1),
            period_words=period_words,
            unit_words=UNIT_WORDS,
            fewer_than=fewer_than,
            lower_first=lambda text: text[:1].lower() + text[1:],
            shown_quarters=SHOWN_QUARTERS,
            recruitment_measures=RECRUITMENT_MEASURES,
            recruitment_bases=RECRUITMENT_BASES,
            forecast_verdicts=forecast_verdicts(data.recruitment, data.rules.kpi_labels),
        )
    )


def write(data: BoardPackData, out: Path) -> Path:
    """Write the page beside its destination and move it into place (never half-written)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(render(data), encoding="utf-8")
    os.replace(tmp, out)
    return out
