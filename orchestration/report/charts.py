"""The board pack's charts (plotly), sized for an A4 page and readable in black and white."""

from __future__ import annotations

from datetime import date

import plotly.graph_objects as go

from orchestration.report.data import AGENCY_RULES, AgencyRules, Trend

WIDTH, HEIGHT = 680, 320  # px: the printable width of A4 portrait with 15 mm margins
AUTHORITY, DFE_OWN, ENGLAND, NEIGHBOURS, TARGET = (
    "#1d4e89",
    "#6f9ccf",
    "#555555",
    "#c0621a",
    "#b0182a",
)
PLOT_CONFIG = {"displayModeBar": False, "responsive": False, "staticPlot": False}


def layout(
    fig: go.Figure,
    title: str,
    x_title: str,
    y_title: str,
    height: int = HEIGHT,
    legend: bool = True,
):
    """Title top left, the legend (if any) under it, axis titles clear of both."""
    fig.update_layout(
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 0.98,
            "yanchor": "top",
            "font": {"size": 15},
        },
        width=WIDTH,
        height=height + (30 if legend else 0),
        margin={"l": 70, "r": 20, "t": 80 if legend else 45, "b": 55},
        font={"family": "Arial, Helvetica, sans-serif", "size": 12, "color": "#222"},
        plot_bgcolor="white",
        paper_bgcolor="white",
        showlegend=legend,
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "xanchor": "left",
            "font": {"size": 11},
        },
        hovermode="closest",
    )
    fig.update_xaxes(title_text=x_title, showline=True, linecolor="#888", gridcolor="#eee")
    fig.update_yaxes(title_text=y_title, showline=True, linecolor="#888", gridcolor="#e4e4e4")
    return fig


def to_html(fig: go.Figure, div_id: str) -> str:
    """The chart's div and script; plotly.js itself is inlined once in the page head."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, div_id=div_id)


def target_label(target: float | None, rule: tuple[str, bool]) -> str:
    """The legend of a target line, read as the target states it: "15 or lower", "below 15"."""
    direction, on_target_is_met = rule
    value = format(target or 0, "g")
    if direction == "lower_is_better":
        return f"Target ({value} or lower)" if on_target_is_met else f"Target (below {value})"
    return f"Target ({value} or higher)" if on_target_is_met else f"Target (above {value})"


def target_line(fig: go.Figure, xs: list, target: float | None, name: str) -> None:
    """The target as a legend entry (a dash-dot line across the chart), not a loose label."""
    if target is not None and xs:
        fig.add_trace(
            go.Scatter(
                x=[min(xs), max(xs)],
                y=[target, target],
                name=name,
                mode="lines",
                line={"color": TARGET, "dash": "dashdot", "width": 1.5},
                hoverinfo="skip",
            )
        )


def yearly_target(fig: go.Figure, targets: dict[int, float], rule: tuple[str, bool]) -> None:
    """The board's target only over the census years it was applied to, a step where it
    changed (a target set in 2023 is not drawn back to 2017)."""
    if not targets:
        return
    years = sorted(targets)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for year in years:  # each year's target drawn across that year's tick, +/- half a year
        if xs and year - 1 not in targets:
            xs.append(None)  # a gap where no target applied
            ys.append(None)
        xs += [year - 0.4, year + 0.4]
        ys += [targets[year], targets[year]]
    values = sorted(set(targets.values()))
    label = target_label(values[0], rule) if len(values) == 1 else "Target"
    span = f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            name=f"{label}, applied {span}",
            mode="lines",
            line={"color": TARGET, "dash": "dashdot", "width": 2, "shape": "hv"},
            connectgaps=False,
            hoverinfo="skip",
        )
    )


def trend_chart(trend: Trend, title: str, y_title: str, authority: str, fmt: str) -> go.Figure:
    """Both of the authority's series over every year each has: DfE's published figure and
    this publication's own (from the extracts). Where they overlap they should agree; where
    they do not, the gap shows, rather than a change of source reading as a change."""
    fig = go.Figure()
    years = sorted(set(trend.own) | set(trend.dfe) | set(trend.england) | set(trend.neighbours))
    if trend.dfe:
        ys = sorted(trend.dfe)
        fig.add_trace(
            go.Scatter(
                x=ys,
                y=[trend.dfe[y] for y in ys],
                name=f"{authority}, DfE published",
                mode="lines+markers",
                line={"color": DFE_OWN, "dash": "dash", "width": 2},
                marker={"symbol": "circle-open", "size": 8},
                hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra>DfE published</extra>",
            )
        )
    own = sorted(trend.own)
    fig.add_trace(
        go.Scatter(
            x=own,
            y=[trend.own[y] for y in own],
            name=f"{authority}, this publication (from the extracts)",
            mode="lines+markers",
            line={"color": AUTHORITY, "width": 3},
            marker={"symbol": "circle", "size": 9},
            hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra>{authority}</extra>",
        )
    )
    if trend.england:
        ys = sorted(trend.england)
        fig.add_trace(
            go.Scatter(
                x=ys,
                y=[trend.england[y] for y in ys],
                name="England",
                mode="lines+markers",
                line={"color": ENGLAND, "dash": "dot", "width": 2},
                marker={"symbol": "square", "size": 7},
                hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra>England</extra>",
            )
        )
    if trend.neighbours:
        ys = sorted(trend.neighbours)
        fig.add_trace(
            go.Scatter(
                x=ys,
                y=[trend.neighbours[y] for y in ys],
                name="Statistical neighbours (median)",
                mode="lines+markers",
                line={"color": NEIGHBOURS, "dash": "longdash", "width": 2},
                marker={"symbol": "diamond", "size": 8},
                hovertemplate=f"%{{x}}: %{{y:{fmt}}}<extra>Neighbours' median</extra>",
            )
        )
    yearly_target(fig, trend.targets, trend.target_rule)
    layout(fig, title, "Census year (at 30 September)", y_title, height=HEIGHT + 40)
    legend_rows = (len(fig.data) + 1) // 2  # two entries to a row at A4 width
    fig.update_layout(margin={"t": 50 + 22 * legend_rows, "b": 75})
    # the authority's own figure under each year, not on the line, where it would sit on the
    # England and neighbour lines close to it
    fig.update_xaxes(
        tickmode="array", tickvals=years,
        ticktext=[
            f"{y}<br><b><span style='color:{AUTHORITY}'>{format(trend.own[y], fmt)}</span></b>"
            if y in trend.own else str(y)
            for y in years
        ],
        range=[min(years) - 0.6, max(years) + 0.6] if years else None,
    )  # fmt: skip
    values = list(trend.own.values()) + list(trend.dfe.values())
    values += list(trend.england.values()) + list(trend.neighbours.values())
    values += list(trend.targets.values())
    values = [v for v in values if v is not None]
    fig.update_yaxes(rangemode="tozero", range=[0, max(values or [1]) * 1.2])
    return fig


def census_axis(fig: go.Figure, first: date, last: date) -> None:
    """Ticks at each March and September month end; census dates (30 Sep) marked and ruled."""
    ticks = [
        date(year, month, 31 if month == 3 else 30)
        for year in range(first.year, last.year + 1)
        for month in (3, 9)
        if first <= date(year, month, 31 if month == 3 else 30) <= last
    ]
    fig.update_xaxes(
        tickmode="array",
        tickvals=ticks,
        ticktext=[
            f"<b>Census<br>Sep {d.year}</b>" if d.month == 9 else f"Mar<br>{d.year}" for d in ticks
        ],
    )
    for d in ticks:
        if d.month == 9:
            fig.add_vline(x=d, line={"color": "#999", "dash": "dot", "width": 1})


def month_series(
    monthly: dict[str, list[tuple[date, float]]], series: list[tuple[str, str, str, str, str]]
) -> go.Figure | None:
    """Month-end FTE series: (kpi_code, name, colour, dash, marker symbol) each."""
    present = [s for s in series if monthly.get(s[0])]
    if not present:
        return None
    fig = go.Figure()
    for code, name, colour, dash, symbol in present:
        points = monthly[code]
        fig.add_trace(
            go.Scatter(
                x=[d for d, _ in points],
                y=[v for _, v in points],
                name=name,
                mode="lines+markers",
                line={"color": colour, "dash": dash, "width": 2},
                marker={"symbol": symbol, "size": 5},
                hovertemplate="%{x|%b %Y}: %{y:,.1f} FTE<extra>" + name + "</extra>",
            )
        )
    return fig


def monthly_staffing(monthly: dict[str, list[tuple[date, float]]], label: str) -> go.Figure | None:
    """Employed social workers in post; agency workers and vacancies, a tenth of them, have a
    chart of their own so that their scale can be read."""
    fig = month_series(monthly, [("inpost_fte", label, AUTHORITY, "solid", "circle")])
    if fig is None:
        return None
    dates = [d for d, _ in monthly["inpost_fte"]]
    layout(fig, f"{label} at each month end", "Month end", "Full-time equivalent (FTE)",
           legend=False)  # fmt: skip
    census_axis(fig, min(dates), max(dates))
    fig.update_yaxes(rangemode="tozero")
    return fig


def monthly_agency_and_vacancies(
    monthly: dict[str, list[tuple[date, float]]], labels: dict[str, str]
) -> go.Figure | None:
    fig = month_series(
        monthly,
        [
            ("agency_fte", labels.get("agency_fte", "Agency"), NEIGHBOURS, "dash", "diamond"),
            ("vacancy_fte", labels.get("vacancy_fte", "Vacancies"), ENGLAND, "dot", "square"),
        ],
    )
    if fig is None:
        return None
    dates = [d for code in ("agency_fte", "vacancy_fte") for d, _ in monthly.get(code, [])]
    layout(fig, "Agency workers and vacancies at each month end", "Month end",
           "Full-time equivalent (FTE)")  # fmt: skip
    census_axis(fig, min(dates), max(dates))
    fig.update_yaxes(rangemode="tozero")
    return fig


def monthly_caseload(
    points: list[tuple[date, float]],
    target: float | None,
    target_rule: tuple[str, bool],
    threshold: int,
) -> go.Figure | None:
    if not points:
        return None
    fig = go.Figure(
        go.Scatter(
            x=[d for d, _ in points],
            y=[v for _, v in points],
            name="Average caseload",
            mode="lines+markers",
            line={"color": AUTHORITY, "width": 2},
            marker={"size": 5},
            hovertemplate="%{x|%b %Y}: %{y:.1f} cases per FTE<extra></extra>",
        )
    )
    target_line(fig, [d for d, _ in points], target, target_label(target, target_rule))
    layout(fig, "Average caseload at each month end", "Month end", "Cases per FTE", height=280)
    census_axis(fig, points[0][0], points[-1][0])
    top = max([v for _, v in points] + [target or 0])
    fig.update_yaxes(range=[0, top * 1.25])
    return fig


def spend_chart(spend: list[dict]) -> go.Figure | None:
    """Agency spend of all agency staff by financial year (a part year hatched), and of agency
    social workers beside it where published; a part year's baseline, the same months of the
    baseline year, marked on it."""
    spend = [s for s in spend if s["spend"] is not None]
    if not spend:
        return None
    labels = [fy_label(s["start_year"]) for s in spend]
    part = [s["part_year"] for s in spend]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=[s["spend"] / 1000 for s in spend],
            name="All agency staff (hatched: part year)",
            marker={
                "color": [DFE_OWN if p else AUTHORITY for p in part],
                "pattern": {"shape": ["/" if p else "" for p in part]},
            },
            text=[
                f"£{s['spend'] / 1000:,.0f}k" + (f"<br>({len(s['months'])} months)" if p else "")
                for s, p in zip(spend, part, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: £%{y:,.0f}k<extra>All agency staff</extra>",
        )
    )
    social_workers = [s for s in spend if s.get("spend_cfsw") is not None]
    if social_workers:
        fig.add_trace(
            go.Bar(
                x=[fy_label(s["start_year"]) for s in social_workers],
                y=[s["spend_cfsw"] / 1000 for s in social_workers],
                name="Agency social workers",
                marker={"color": NEIGHBOURS, "pattern": {"shape": "."}},
                hovertemplate="%{x}: £%{y:,.0f}k<extra>Agency social workers</extra>",
            )
        )
    like = [s for s in spend if s["part_year"] and not s["is_baseline"] and s["compared_with"]]
    if like:  # a part year beside the baseline year's spend in the same months
        fig.add_trace(
            go.Scatter(
                x=[fy_label(s["start_year"]) for s in like],
                y=[s["compared_with"] / 1000 for s in like],
                name="Baseline year, same months",
                mode="markers",
                marker={
                    "symbol": "line-ew-open",
                    "size": 44,
                    "line": {"width": 3, "color": TARGET},
                },
                hovertemplate="Baseline year, same months: £%{y:,.0f}k<extra></extra>",
            )
        )
    layout(
        fig,
        "Agency spend by financial year (hatched: part year)",
        "Financial year (April to March)",
        "Spend (£ thousands)",
        legend=bool(like or social_workers),
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(range=[0, max(s["spend"] for s in spend) / 1000 * 1.3], tickformat=",.0f")
    return fig


def fy_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def caseload_chart(teams: list[dict], threshold: int) -> go.Figure | None:
    """Each team's largest caseload against the threshold; the share above it in a column."""
    teams = [t for t in teams if t["max"] is not None]
    if not teams:
        return None
    teams = sorted(teams, key=lambda t: (t["max"], t["share_above"] or 0))
    over = [t["max"] > threshold for t in teams]
    # the figures' columns stand right of the bars and of the threshold line
    top = max([t["max"] for t in teams] + [threshold])
    fig = go.Figure(
        go.Bar(
            y=[t["label"] for t in teams],
            x=[t["max"] for t in teams],
            orientation="h",
            marker={
                "color": [TARGET if o else AUTHORITY for o in over],
                "pattern": {"shape": ["x" if o else "" for o in over]},
            },
            hovertemplate="%{y}: largest caseload %{x:.0f}<extra></extra>",
        )
    )
    columns = (
        (top * 1.1, "Largest<br>caseload", [f"{t['max']:.0f}" for t in teams]),
        (
            top * 1.32,
            f"% of case<br>holders over {threshold}",
            [f"{t['share_above'] or 0:.0f}%" for t in teams],
        ),
    )
    for x, heading, texts in columns:  # figures in columns right of the bars
        fig.add_trace(
            go.Scatter(
                x=[x] * len(teams),
                y=[t["label"] for t in teams],
                mode="text",
                text=texts,
                textposition="middle center",
                textfont={"size": 11},
                hoverinfo="skip",
            )
        )
        fig.add_annotation(
            x=x,
            y=1.0,
            xref="x",
            yref="paper",
            text=f"<b>{heading}</b>",
            showarrow=False,
            yanchor="bottom",
            font={"size": 11},
        )
    layout(
        fig,
        f"Largest caseload in each team (red, crossed: above {threshold} children)",
        f"Largest number of children allocated to one social worker at 30 September<br>"
        f"(dashed line: the threshold, {threshold} children)",
        "",
        height=max(320, 21 * len(teams) + 110),
        legend=False,
    )
    # the threshold is named under the axis: a label on the line would sit on the headings
    fig.add_vline(x=threshold, line={"color": TARGET, "dash": "dash", "width": 1.5})
    fig.update_layout(margin={"l": 200, "r": 20, "t": 70, "b": 75})
    fig.update_xaxes(range=[0, top * 1.45], tickvals=list(range(0, int(top) + 1, 5)))
    return fig


def leavers_by_band(
    bands: list[tuple[str, dict[int, float]]], labels: dict[str, str], title: str
) -> go.Figure | None:
    years = sorted({y for _, values in bands for y in values})
    if not years:
        return None
    fig = go.Figure()
    shades = [DFE_OWN, "#3d72b4", AUTHORITY, "#0c2a4d"]
    patterns = ["/", ".", "", "x"]
    for i, year in enumerate(years[-4:]):
        fig.add_trace(
            go.Bar(
                x=[labels.get(b, b) for b, _ in bands],
                y=[values.get(year, 0) for _, values in bands],
                name=str(year),
                marker={
                    "color": shades[i - len(years[-4:]) + 4],
                    "pattern": {"shape": patterns[i - len(years[-4:]) + 4]},
                },
                text=[f"{values.get(year, 0):.1f}" for _, values in bands],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{x}: %{y:.1f} FTE<extra>" + str(year) + "</extra>",
            )
        )
    layout(fig, title, "Length of service with the authority", "Leavers (FTE)")
    fig.update_layout(legend_title_text="Year to 30 September: ")
    top = max(v for _, values in bands for v in values.values())
    fig.update_yaxes(range=[0, top * 1.25])
    fig.update_layout(barmode="group")
    return fig


def wrap(label: str, width: int = 34) -> str:
    """A long axis label on two or three lines (plotly breaks lines at <br>)."""
    lines, line = [], ""
    for word in label.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line])


def horizontal_bars(
    pairs: list[tuple[str, float]],
    title: str,
    x_title: str,
    unit: str = "FTE",
    fmt: str = ".1f",
) -> go.Figure | None:
    if not pairs:
        return None
    pairs = list(reversed(pairs))  # largest at the top
    fig = go.Figure(
        go.Bar(
            y=[wrap(label) for label, _ in pairs],
            x=[value for _, value in pairs],
            orientation="h",
            marker={"color": AUTHORITY},
            text=[format(value, fmt) for _, value in pairs],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:" + fmt + "} " + unit + "<extra></extra>",
        )
    )
    # each bar's row as tall as its longest label's lines, so wrapped labels never meet
    lines = max(wrap(label).count("<br>") + 1 for label, _ in pairs)
    row = max(34, 15 * lines + 10)
    layout(fig, title, x_title, "", height=max(240, row * len(pairs) + 100), legend=False)
    fig.update_layout(margin={"l": 250, "r": 40, "t": 45, "b": 55})
    fig.update_xaxes(range=[0, max(v for _, v in pairs) * 1.2])
    return fig


def agency_rules_trend(rules: AgencyRules) -> go.Figure | None:
    """Assignments breaching each agency rule, quarter by quarter."""
    if len(rules.quarters) < 2:
        return None
    xs = [q["quarter"] for q in rules.quarters]
    fig = go.Figure()
    dashes = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
    for measure, dash in zip(AGENCY_RULES, dashes, strict=True):
        label = rules.labels.get(measure, measure)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[q[measure] for q in rules.quarters],
                name=label,
                mode="lines+markers",
                line={"dash": dash},
                hovertemplate=f"{label}, %{{x}}: %{{y}}<extra></extra>",
            )
        )
    layout(fig, "Agency assignments breaching each rule, by quarter", "Quarter", "Assignments",
           height=HEIGHT + 130)  # fmt: skip
    # the rules' long names take a legend row each: room for all six under the title
    fig.update_layout(margin={"t": 55 + 20 * len(AGENCY_RULES)})
    fig.update_yaxes(rangemode="tozero", tickformat=",d")
    return fig


def agency_cost_against_cap(rules: AgencyRules) -> go.Figure | None:
    """The agency workforce's monthly cost, and what the hours over the price caps cost above
    them."""
    if not rules.months:
        return None
    xs = [m["period_start"] for m in rules.months]
    fig = go.Figure(
        [
            go.Bar(
                x=xs,
                y=[float(m["agency_cost_gbp"]) / 1000 for m in rules.months],
                name="Agency cost (timesheets)",
                marker={"color": AUTHORITY},
                hovertemplate="%{x|%b %Y}: £%{y:,.1f}k<extra></extra>",
            ),
            go.Scatter(
                x=xs,
                y=[float(m["pay_above_cap_gbp"]) for m in rules.months],
                name="Pay above the price caps (£, right axis)",
                mode="lines+markers",
                line={"color": TARGET, "dash": "dash"},
                yaxis="y2",
                hovertemplate="%{x|%b %Y}: £%{y:,.0f} above the caps<extra></extra>",
            ),
        ]
    )
    layout(fig, "Cost of the agency workforce by month, against the price caps", "Month",
           "Agency cost (£ thousands)")  # fmt: skip
    # the pay above the caps is a small part of the cost: its own axis, so it can be read
    fig.update_layout(
        yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero", "tickformat": ",.0f",
                "showgrid": False, "title": {"text": "Above the caps (£)"}},
    )  # fmt: skip
    fig.update_xaxes(tickformat="%b %Y")
    return fig


def funnel_chart(stages: list[tuple[str, float, float | None]], title: str) -> go.Figure | None:
    """Applications reaching each stage, the first at the top, each bar with its count and
    the share of the stage before that reached it: (label, count, conversion percent)."""
    stages = [s for s in stages if s[1] is not None]
    if not stages:
        return None
    rows = list(reversed(stages))  # plotly draws the first category at the bottom
    fig = go.Figure(
        go.Bar(
            y=[wrap(label, 26) for label, _, _ in rows],
            x=[count for _, count, _ in rows],
            orientation="h",
            marker={"color": AUTHORITY},
            text=[
                f"{count:,.0f}"
                + (f" ({conversion:.0f}% of the stage before)" if conversion is not None else "")
                for _, count, conversion in rows
            ],  # fmt: skip
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{x:,.0f} applications<extra></extra>",
        )
    )
    layout(fig, title, "Applications", "", height=max(240, 38 * len(rows) + 100), legend=False)
    fig.update_layout(margin={"l": 180, "r": 30, "t": 45, "b": 55})
    # room right of the largest bar for its count, and of the small ones for their share
    fig.update_xaxes(range=[0, max(count for _, count, _ in rows) * 1.9], tickformat=",d")
    return fig


def month_ticks(months: list[date]) -> dict:
    return {
        "tickmode": "array",
        "tickvals": months,
        "ticktext": [f"{MONTHS_SHORT[m.month - 1]}<br>{m.year}" for m in months],
    }


MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def pipeline_chart(
    pipeline: dict[date, dict], routes: list[tuple[str, str]], title: str
) -> go.Figure | None:
    """Starters expected each month (FTE), stacked by recruitment route; the legend under
    the axis, where its rows cannot reach the title."""
    months = sorted(pipeline)
    if not months or not any(pipeline[m].get("fte") for m in months):
        return None
    fig = go.Figure()
    # one colour and pattern a route (nine routes in kpi_breakdown_values)
    shades = [
        AUTHORITY,
        NEIGHBOURS,
        DFE_OWN,
        ENGLAND,
        "#0c2a4d",
        TARGET,
        "#7a9a3a",
        "#8a5cae",
        "#b58b00",
    ]
    patterns = ["", "/", ".", "x", "-", "|", "+", "\\", ""]
    series = routes or [("total", "All routes")]
    for i, (code, label) in enumerate(series):
        ys = [
            pipeline[m].get("fte") if code == "total" else pipeline[m]["routes"].get(code, 0)
            for m in months
        ]
        fig.add_trace(
            go.Bar(
                x=months,
                y=ys,
                name=label,
                marker={"color": shades[i % len(shades)],
                        "pattern": {"shape": patterns[i % len(patterns)]}},
                hovertemplate="%{x|%b %Y}: %{y:.1f} FTE<extra>" + label + "</extra>",
            )
        )  # fmt: skip
    legend_rows = (len(series) + 2) // 3
    layout(fig, title, "", "Starters expected (FTE)", height=HEIGHT + 20 * legend_rows)
    fig.update_layout(
        barmode="stack",
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "xanchor": "left",
                "font": {"size": 11}, "entrywidth": 180, "traceorder": "normal"},
        margin={"t": 45, "b": 60 + 22 * legend_rows},
    )  # fmt: skip
    fig.update_xaxes(**month_ticks(months))
    totals = [pipeline[m].get("fte") or 0 for m in months]
    fig.update_yaxes(range=[0, max(totals) * 1.2 or 1])
    return fig


def projection_chart(
    history: list[tuple[date, float]], projection: dict[date, float], title: str, name: str
) -> go.Figure | None:
    """In-post FTE at each month end of the last year (solid), then as projected (dashed)."""
    months = sorted(projection)
    if not months:
        return None
    fig = go.Figure()
    recent = history[-12:]
    if recent:
        fig.add_trace(
            go.Scatter(
                x=[d for d, _ in recent],
                y=[v for _, v in recent],
                name=f"{name}: month ends with data",
                mode="lines+markers",
                line={"color": AUTHORITY, "width": 2},
                marker={"size": 5},
                hovertemplate="%{x|%b %Y}: %{y:,.1f} FTE<extra></extra>",
            )
        )
    start = recent[-1:]  # the projection starts from the last month end with data
    fig.add_trace(
        go.Scatter(
            x=[d for d, _ in start] + months,
            y=[v for _, v in start] + [projection[m] for m in months],
            name="Projected",
            mode="lines+markers",
            line={"color": NEIGHBOURS, "dash": "dash", "width": 2},
            marker={"symbol": "circle-open", "size": 6},
            hovertemplate="%{x|%b %Y}: %{y:,.1f} FTE projected<extra></extra>",
        )
    )
    layout(fig, title, "Month end", "Full-time equivalent (FTE)")
    ticks = [d for d, _ in recent] + months
    fig.update_xaxes(**month_ticks(ticks[::3]))
    values = [v for _, v in recent] + [projection[m] for m in months]
    fig.update_yaxes(range=[0, max(v for v in values if v is not None) * 1.15])
    return fig
