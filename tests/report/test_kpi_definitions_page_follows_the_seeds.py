"""docs/kpi-definitions.md is generated from the KPI seeds: the committed page is what they give
(`make kpi-docs` regenerates it), so a KPI, breakdown or target added to a seed reaches it."""

from __future__ import annotations

from orchestration.report.kpi_docs import KPI_DOCS, kpi_definitions_markdown


def test_the_committed_page_is_what_the_seeds_give():
    assert KPI_DOCS.read_text(encoding="utf-8") == kpi_definitions_markdown(), (
        "docs/kpi-definitions.md is out of date with seeds/kpi_*.csv: run `make kpi-docs`"
    )


def test_the_page_states_the_seeds_rules():
    page = kpi_definitions_markdown()
    # seeds/kpi_targets.csv: turnover 15, on_target_is_met false (a value of 15 is not met)
    assert (
        "| 1 | Turnover rate (FTE) | `turnover_rate_fte` | below 15% (lower is better; amber up "
        "to 2 percentage points past it; every census year) |" in page
    )
    assert "- Target: at most 15 (lower is better; amber up to 2 past it" in page  # caseload
    # seeds/kpi_breakdowns.csv: the make-up breakdowns are suppressed under 5 people
    sex = page.split("### Sex (`gender`)", 1)[1].split("###", 1)[0]
    assert "`csww_genders`" in sex and "Suppressed below 5 people." in sex
    assert "- `ALL`: the largest of the authorities'." in page.split("(`caseload_max`)", 1)[1]
