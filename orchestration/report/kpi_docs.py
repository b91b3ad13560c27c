"""docs/kpi-definitions.md, generated from the KPI seeds (kpi_definitions, kpi_breakdowns,
kpi_breakdown_values, kpi_targets), so that a KPI added to the seeds reaches the docs with one
command and the page never says other than what the pipeline computes:

    make kpi-docs        (or: .venv/bin/python -m orchestration.report.kpi_docs)

A test fails when the committed page is not what the seeds give.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orchestration.kpi_seeds import is_true, read_seed
from orchestration.settings import PROJECT_ROOT, SEEDS_DIR

KPI_DOCS = PROJECT_ROOT / "docs" / "kpi-definitions.md"

UNITS = {
    "fte": "FTE (full-time equivalent)",
    "headcount": "people (or records) counted",
    "percent": "percent (stored as 7.0 for 7%)",
    "cases": "cases",
    "days": "days (working days for sickness, calendar days for recruitment times)",
    "gbp": "pounds (£)",
}
DIRECTIONS = {"lower_is_better": "lower is better", "higher_is_better": "higher is better"}


def cell(text: str) -> str:
    """Text for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def years(row: dict[str, str]) -> str:
    start, end = row["applies_from"], row["applies_to"]
    if not start and not end:
        return "every census year"
    if not end:
        return f"census years {start} on"
    if not start:
        return f"census years to {end}"
    return f"census years {start} to {end}"


def target_text(row: dict[str, str], unit: str) -> str:
    suffix = "%" if unit == "percent" else ""
    rule = "at most" if is_true(row["on_target_is_met"]) else "below"
    if row["direction"] == "higher_is_better":
        rule = "at least" if is_true(row["on_target_is_met"]) else "above"
    band = f"{row['amber_band']} percentage points" if unit == "percent" else row["amber_band"]
    return (
        f"{rule} {row['target']}{suffix} ({DIRECTIONS.get(row['direction'], row['direction'])}; "
        f"amber up to {band} past it; {years(row)})"
    )


def kpi_definitions_markdown(seeds: Path = SEEDS_DIR) -> str:
    definitions = read_seed("kpi_definitions", seeds)
    breakdowns = read_seed("kpi_breakdowns", seeds)
    values = read_seed("kpi_breakdown_values", seeds)
    targets: dict[str, list[dict[str, str]]] = {}
    for row in read_seed("kpi_targets", seeds):
        targets.setdefault(row["kpi_code"], []).append(row)

    lines = [
        "# KPI definitions",
        "",
        "<!-- Generated from seeds/kpi_definitions.csv, kpi_breakdowns.csv, "
        "kpi_breakdown_values.csv and kpi_targets.csv: edit the seeds, then run `make kpi-docs`. -->",
        "",
        "Every KPI the pipeline publishes in `kpi_values`, every breakdown of them and the "
        "targets a board sets, as the seeds define them (the published file carries the same "
        "seeds as tables: `kpi_definitions`, `kpi_breakdowns`, `kpi_breakdown_values`, "
        "`kpi_targets`). How to query them: [analyst-guide.md](analyst-guide.md); the table "
        "itself: [outputs.md](outputs.md).",
        "",
        "A rate's `value` is `numerator / denominator` (x 100 for a percent); `ALL` sums the "
        "authorities' numerators and denominators and then divides (a maximum takes the "
        "largest), so a rate is never an average of rates.",
        "",
        "## Headline KPIs",
        "",
        "| Order | KPI | Code | Target |",
        "|---|---|---|---|",
    ]
    headline = [d for d in definitions if is_true(d["is_headline"])]
    headline.sort(key=lambda d: (int(d["scorecard_order"] or 999), d["kpi_code"]))
    for d in headline:
        target = "; ".join(target_text(t, d["unit"]) for t in targets.get(d["kpi_code"], []))
        lines.append(
            f"| {d['scorecard_order'] or '-'} | {cell(d['label'])} | `{d['kpi_code']}` "
            f"| {cell(target) or '-'} |"
        )
    lines += ["", "## Every KPI", ""]
    for d in definitions:
        code, unit = d["kpi_code"], d["unit"]
        lines += [f"### {d['label']} (`{code}`)", "", d["description"], ""]
        kind = "a rate: numerator / denominator" if is_true(d["is_rate"]) else "a count"
        if unit == "percent" and is_true(d["is_rate"]):
            kind = "a rate: 100 x numerator / denominator"
        lines.append(f"- Unit: {UNITS.get(unit, unit)}; {kind}.")
        if d.get("numerator_label") and d.get("denominator_label"):
            lines.append(
                f"- Numerator: {d['numerator_label']}; denominator: {d['denominator_label']}."
            )
        combined = {
            "max": "the largest of the authorities'",
            "none": "none (a median cannot be made from the authorities' medians)",
        }.get(d["all_authorities"], "summed")
        lines.append(f"- `ALL`: {combined}.")
        if d["national_column"]:
            lines.append(f"- England: DfE's `{d['national_column']}` (kpi_values.national_value).")
        if is_true(d["is_benchmarked"]):
            lines.append(
                "- Benchmarked: statistical neighbours' median and national rank (kpi_benchmarks)."
            )
        for t in targets.get(code, []):
            lines.append(f"- Target: {target_text(t, unit)}.")
        lines.append("")
    lines += [
        "## Breakdowns",
        "",
        "A KPI's headline figure is its row with breakdown `total`; its other rows split it by "
        "one breakdown (`breakdown`, with the value in `breakdown_value`). A value counting "
        "fewer people than a breakdown's suppression threshold is published with value, "
        "numerator and denominator empty.",
        "",
    ]
    for b in breakdowns:
        lines += [f"### {b['label']} (`{b['breakdown']}`)", "", b["description"], ""]
        if b["code_list"]:
            lines.append(
                f"- Values: CSWW codes, labelled in the published table `{b['code_list']}`."
            )
        if b["suppress_below"]:
            lines.append(f"- Suppressed below {b['suppress_below']} people.")
        labelled = sorted(
            (v for v in values if v["breakdown"] == b["breakdown"]),
            key=lambda v: int(v["sort_order"] or 0),
        )
        if labelled:
            lines.append(
                "- Values: "
                + "; ".join(f"`{v['breakdown_value']}` {v['label']}" for v in labelled)
                + "."
            )
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_kpi_docs(path: Path = KPI_DOCS, seeds: Path = SEEDS_DIR) -> Path:
    path.write_text(kpi_definitions_markdown(seeds), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_kpi_docs()}", file=sys.stderr)
