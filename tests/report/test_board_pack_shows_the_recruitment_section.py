"""The board pack's recruitment section: the funnel, withdrawals, offers and time to hire
against the board's targets, the starters expected month by month, the projection of the next
12 months and its record against "no change". The figures are hand-made kpi_values rows added
to a copy of the demo's publication, with the seed rows that name them, so every expected
value below is worked by hand; the section's charts are opened in Chromium to check that no
two of their texts overlap on screen or on A4 paper."""

from __future__ import annotations

import calendar
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.report import write_board_pack
from orchestration.report.headline import headline_figures
from orchestration.settings import Settings
from tests.report.conftest import OVERLAPPING_TEXT
from tests.report.test_board_pack_shows_the_workforce_sections import CENSUS, insert, table
from tests.report.test_board_pack_tells_the_truth_at_a_glance import LEEDS, text_of

NEW_KPIS = {  # kpi_definitions rows of the recruitment codes: (unit, label)
    "recruitment_requisitions": ("headcount", "Requisitions opened"),
    "recruitment_applications": ("headcount", "Applications made"),
    "applications_per_requisition": ("rate", "Applications per requisition"),
    "recruitment_funnel": ("headcount", "Applications reaching the stage"),
    "recruitment_conversion_percent": ("percent", "Conversion from the stage before"),
    "recruitment_withdrawals": ("headcount", "Applications withdrawn"),
    "time_to_hire_days": ("days", "Time to hire (median days)"),
    "offer_to_start_days": ("days", "Offer to start (median days)"),
    "offer_acceptance_percent": ("percent", "Offers accepted"),
    "vacancy_filled_within_6_months_percent": ("percent", "Vacant posts filled within 6 months"),
    "pipeline_starters_fte": ("fte", "Starters expected (FTE)"),
    "pipeline_starters_headcount": ("headcount", "Starters expected (people)"),
    "projected_inpost_fte": ("fte", "Projected social workers in post (FTE)"),
    "projected_vacancy_rate_fte": ("percent", "Projected vacancy rate (FTE)"),
    "forecast_error_vacancy_rate": ("percent", "Vacancy rate error"),
    "forecast_error_inpost_fte": ("fte", "In post error"),
}
BREAKDOWNS = {
    "recruitment_stage": "Stage reached",
    "withdrawn_at_stage": "Stage withdrawn at",
    "withdrawn_by": "Withdrawn by",
    "forecast": "Forecast",
}
STAGES = ("applied", "shortlisted", "interviewed", "offered", "accepted", "started")
VALUE_LABELS = [  # (breakdown, value, label), in the published order
    *[("recruitment_stage", s, s.capitalize()) for s in STAGES],
    *[("withdrawn_at_stage", s, f"After {s}") for s in STAGES[:5]],
    ("withdrawn_by", "candidate", "The candidate"),
    ("withdrawn_by", "employer", "The employer"),
    ("forecast", "projection_6m", "Projection, 6 months ahead"),
    ("forecast", "projection_12m", "Projection, 12 months ahead"),
    ("forecast", "no_change_6m", "No change, 6 months ahead"),
    ("forecast", "no_change_12m", "No change, 12 months ahead"),
    ("recruitment_route", "no_planned_date", "No planned start date"),
]
# 120 applications to 10 requisitions; at each stage the share of the stage before:
# 48/120 = 40.0%, 30/48 = 62.5%, 12/30 = 40.0%, 10/12 = 83.3%, 8/10 = 80.0%
FUNNEL = {"applied": 120, "shortlisted": 48, "interviewed": 30, "offered": 12, "accepted": 10,
          "started": 8}  # fmt: skip
# 14 withdrawn: 2 + 3 + 4 + 2 + 3 by stage, 11 + 3 by whom
WITHDRAWN_AT = {"applied": 2, "shortlisted": 3, "interviewed": 4, "offered": 2, "accepted": 3}
# (kpi_code, value, numerator, denominator, target, rag)
MEASURES = [
    ("recruitment_requisitions", 10, 10, None, None, None),
    ("recruitment_applications", 120, 120, None, None, None),
    ("applications_per_requisition", 12.0, 120, 10, None, None),
    ("recruitment_withdrawals", 14, 14, None, None, None),
    ("offer_acceptance_percent", 100 * 10 / 12, 10, 12, None, None),
    ("time_to_hire_days", 95, None, None, 90, "amber"),  # within 10 days of 90
    ("offer_to_start_days", 42.5, None, None, 60, "green"),
    ("vacancy_filled_within_6_months_percent", 75.0, 6, 8, None, None),
]
TARGETS = [("time_to_hire_days", 90), ("offer_to_start_days", 60)]  # lower is better, 10 amber
# the 12 months after the demo's newest month end, 31 December 2025
MONTHS = [date(2026, m, 1) for m in range(1, 13)]
# the backtest's period: the census year of the newest month end, under way, with no headline
# figure yet
UNDER_WAY = (date(2025, 10, 1), date(2026, 9, 30))
PROJECTED = [(660.0 - 2 * i, 2.5 + 0.25 * i) for i in range(12)]
# mean absolute errors: vacancy rate (points) and in post (FTE)
ERRORS = {"projection_6m": (0.8, 4.2), "projection_12m": (1.6, 7.5),
          "no_change_6m": (1.1, 6.0), "no_change_12m": (1.4, 9.9)}  # fmt: skip


def month(start: date) -> tuple[date, date]:
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


@pytest.fixture(scope="module")
def published(demo_home: Path, tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("recruitment") / "home"
    (home / "published").mkdir(parents=True)
    path = home / "published" / "workforce.duckdb"
    shutil.copyfile(demo_home / "published" / "workforce.duckdb", path)
    with duckdb.connect(str(path)) as conn:
        # the hand-made rows and names stand in for the demo's own
        conn.execute("delete from kpi_values where kpi_code in ?", [[*NEW_KPIS]])
        conn.execute("delete from kpi_definitions where kpi_code in ?", [[*NEW_KPIS]])
        conn.execute("delete from kpi_breakdowns where breakdown in ?", [[*BREAKDOWNS]])
        conn.execute(
            "delete from kpi_breakdown_values where breakdown in ? or breakdown_value in ?",
            [[*BREAKDOWNS], [value for _, value, _ in VALUE_LABELS]],
        )
        conn.execute("delete from kpi_targets where kpi_code in ?", [[c for c, _ in TARGETS]])
        for code, (unit, label) in NEW_KPIS.items():
            conn.execute(
                "insert into kpi_definitions (kpi_code, unit, label) values (?, ?, ?)",
                [code, unit, label],
            )
        for breakdown, label in BREAKDOWNS.items():
            conn.execute(
                "insert into kpi_breakdowns (breakdown, label) values (?, ?)", [breakdown, label]
            )
        for order, (breakdown, value, label) in enumerate(VALUE_LABELS):
            conn.execute(
                "insert into kpi_breakdown_values (breakdown, breakdown_value, label, sort_order) "
                "values (?, ?, ?, ?)",
                [breakdown, value, label, order],
            )
        for code, target in TARGETS:
            conn.execute(
                "insert into kpi_targets (kpi_code, target, direction, amber_band, "
                "on_target_is_met) values (?, ?, 'lower_is_better', 10, true)",
                [code, target],
            )
        for code, value, numerator, denominator, target, rag in MEASURES:
            insert(conn, code, "total", "total", "census_year", CENSUS, value,
                   NEW_KPIS[code][0], numerator, denominator)  # fmt: skip
            conn.execute(
                "update kpi_values set target = ?, rag = ? where kpi_code = ?", [target, rag, code]
            )
        before = None
        for stage, count in FUNNEL.items():
            insert(conn, "recruitment_funnel", "recruitment_stage", stage, "census_year", CENSUS,
                   count, "headcount")  # fmt: skip
            if before:
                insert(conn, "recruitment_conversion_percent", "recruitment_stage", stage,
                       "census_year", CENSUS, 100 * count / before, "percent", count,
                       before)  # fmt: skip
            before = count
        for stage, count in WITHDRAWN_AT.items():
            insert(conn, "recruitment_withdrawals", "withdrawn_at_stage", stage, "census_year",
                   CENSUS, count, "headcount")  # fmt: skip
        for by, count in (("candidate", 11), ("employer", 3)):
            insert(conn, "recruitment_withdrawals", "withdrawn_by", by, "census_year", CENSUS,
                   count, "headcount")  # fmt: skip
        # January: one half-time starter by each of the nine routes (the legend at its longest);
        # February: one Frontline starter; the later months none; one accepted offer of 0.8 FTE
        # has no planned date
        routes = ("external", "internal", "asye", "frontline", "step_up", "apprenticeship",
                  "international", "return_to_practice", "agency_conversion")  # fmt: skip
        pipeline = {0: (4.5, 9, dict.fromkeys(routes, 0.5)), 1: (1.0, 1, {"frontline": 1.0})}
        for i, start in enumerate(MONTHS):
            fte, people, routes = pipeline.get(i, (0.0, 0, {}))
            insert(conn, "pipeline_starters_fte", "total", "total", "month", month(start), fte,
                   "fte")  # fmt: skip
            insert(conn, "pipeline_starters_headcount", "total", "total", "month", month(start),
                   people, "headcount")  # fmt: skip
            for route, route_fte in routes.items():
                insert(conn, "pipeline_starters_fte", "recruitment_route", route, "month",
                       month(start), route_fte, "fte")  # fmt: skip
            inpost, vacancy = PROJECTED[i]
            insert(conn, "projected_inpost_fte", "total", "total", "month", month(start), inpost,
                   "fte")  # fmt: skip
            insert(conn, "projected_vacancy_rate_fte", "total", "total", "month", month(start),
                   vacancy, "percent")  # fmt: skip
        for code, unit in (("pipeline_starters_fte", "fte"), ("pipeline_starters_headcount",
                                                                "headcount")):  # fmt: skip
            insert(conn, code, "recruitment_route", "no_planned_date", "month",
                   month(MONTHS[0]), 0.8 if unit == "fte" else 1, unit)  # fmt: skip
        for forecast, (vacancy, inpost) in ERRORS.items():
            insert(conn, "forecast_error_vacancy_rate", "forecast", forecast, "census_year",
                   UNDER_WAY, vacancy, "percent")  # fmt: skip
            insert(conn, "forecast_error_inpost_fte", "forecast", forecast, "census_year",
                   UNDER_WAY, inpost, "fte")  # fmt: skip
    return path


@pytest.fixture(scope="module")
def pack_file(published: Path) -> Path:
    return write_board_pack(Settings(home=published.parent.parent), la=LEEDS)


@pytest.fixture(scope="module")
def pack(pack_file: Path) -> str:
    return pack_file.read_text(encoding="utf-8")


def section(page: str) -> str:
    return text_of(re.search(r'<section id="recruitment".*?</section>', page, re.S)[0])


def test_the_pack_is_of_the_last_census_year_with_headline_figures(published, pack):
    """The backtest errors are of the census year under way (to 30 September 2026): the pack
    is still of 2025, the last year with counts of its own."""
    assert "Leeds (383): census year to 30 September 2025" in text_of(pack)
    census, figures = headline_figures(published)  # what `workforce demo` prints
    assert census == date(2025, 9, 30) and figures


def test_the_section_is_numbered_before_data_quality(pack):
    headings = re.findall(r"<h2>(\d+)\. ([^<]+)</h2>", pack)
    assert ("15", "Recruitment") in headings
    assert ("16", "Data quality: what these figures rest on") in headings
    assert [int(n) for n, _ in headings] == list(range(1, 17))


def test_offers_and_time_to_hire_against_the_board_s_targets(pack):
    assert table(pack, "recruitment-measures") == [
        ["Measure", "2025", "Target", "Status"],
        ["Applications per requisition 120 applications to 10 requisitions opened in the year",
         "12.0", "–", "No target"],
        ["Offers accepted 10 of 12 offers made in the year accepted", "83.3%", "–", "No target"],
        ["Time to hire (median days)", "95 days", "≤ 90 days", "▲ Amber: close to target"],
        ["Offer to start (median days)", "42 days", "≤ 60 days", "✓ Green: on target"],
        ["Vacant posts filled within 6 months 6 of 8 social work posts that fell vacant in the "
         "year filled by a recruited starter within 6 months", "75.0%", "–", "No target"],
    ]  # fmt: skip
    text = section(pack)
    assert "10 Requisitions opened" in text and "120 Applications made" in text
    assert "14 Applications withdrawn" in text


def test_the_funnel_shows_each_stage_with_its_conversion(pack):
    assert table(pack, "recruitment-funnel") == [
        ["Stage reached", "Applications reaching the stage", "Conversion from the stage before"],
        ["Applied", "120", "–"],
        ["Shortlisted", "48", "40.0%"],
        ["Interviewed", "30", "62.5%"],
        ["Offered", "12", "40.0%"],
        ["Accepted", "10", "83.3%"],
        ["Started", "8", "80.0%"],
    ]
    assert 'id="chart-recruitment-funnel"' in pack
    assert "30 (62% of the stage before)" in pack  # on the interviewed bar


def test_withdrawals_by_stage_and_by_whom(pack):
    assert table(pack, "withdrawals-by-withdrawn-at-stage")[1:] == [
        ["After applied", "2"],
        ["After shortlisted", "3"],
        ["After interviewed", "4"],
        ["After offered", "2"],
        ["After accepted", "3"],
    ]
    assert table(pack, "withdrawals-by-withdrawn-by")[1:] == [
        ["The candidate", "11"],
        ["The employer", "3"],
    ]


def test_the_starters_expected_month_by_month(pack):
    rows = table(pack, "recruitment-pipeline")
    assert rows[0] == ["Month", "Starters expected (FTE)", "Starters expected (people)"]
    assert rows[1:3] == [["January 2026", "4.5", "9"], ["February 2026", "1.0", "1"]]
    assert rows[-1] == ["December 2026", "0.0", "0"] and len(rows) == 13
    assert "Besides these, 1 accepted offer(s) (0.8 FTE) have no planned start date yet" in (
        section(pack)
    )
    assert 'id="chart-recruitment-pipeline"' in pack


def test_the_projection_is_stated_as_one_with_its_method(pack):
    rows = table(pack, "recruitment-projection")
    assert rows[0] == [
        "Month end", "Projected social workers in post (FTE)", "Projected vacancy rate (FTE)"
    ]  # fmt: skip
    assert rows[1] == ["January 2026", "660.0", "2.5%"]
    assert rows[12] == ["December 2026", "638.0", "5.2%"]  # 660 - 22; 2.5 + 2.75
    text = section(pack)
    assert "This is a projection, not a count:" in text
    assert "from the end of December 2025" in text  # the demo's newest month end
    assert "the authority's own monthly leaving rate" in text
    assert 'id="chart-projected-inpost"' in pack


def test_the_backtest_says_plainly_whether_the_projection_beats_no_change(pack):
    assert table(pack, "forecast-errors") == [
        ["Forecast", "Vacancy rate error (percentage points)", "In post error (FTE)"],
        ["Projection, 6 months ahead", "0.8", "4.2"],
        ["Projection, 12 months ahead", "1.6", "7.5"],
        ["No change, 6 months ahead", "1.1", "6.0"],
        ["No change, 12 months ahead", "1.4", "9.9"],
    ]
    text = section(pack)
    assert "(the month ends with data in the census year to 30 September 2026)" in text
    assert (
        "Vacancy rate error, 6 months ahead: the projection was out by 0.8 percentage points on "
        "average, no change by 1.1: the projection beats no change." in text
    )
    assert (
        "Vacancy rate error, 12 months ahead: the projection was out by 1.6 percentage points "
        "on average, no change by 1.4: the projection does not beat no change" in text
    )
    assert "In post error, 12 months ahead: the projection was out by 7.5 FTE" in text


def test_the_section_s_charts_keep_their_texts_apart_on_screen_and_on_a4(
    pack_file,
    browser,
):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.set_window_size(1000, 1200)
    browser.get(pack_file.as_uri())
    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && "
            "document.querySelector('#chart-projected-inpost .main-svg') !== null"
        )
    )
    for chart in ("funnel", "pipeline"):
        assert browser.find_elements("css selector", f"#chart-recruitment-{chart} .gtitle")
    try:
        for width, media in ((1400, "screen"), (794, "print")):
            browser.set_window_size(width, 1200)
            browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
            assert browser.execute_script(OVERLAPPING_TEXT) == [], (width, media)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
