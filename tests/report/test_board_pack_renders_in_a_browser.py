"""The board pack in a real browser: headless Chromium opens it offline, nothing errors, the
scorecard and the charts render, and screenshots are kept in test-artifacts/: the demo with
DfE's files delivered (`board-pack-with-dfe.png`, full page, and its first screen,
`board-pack-first-screen.png`), and the hand fixture without them
(`board-pack-without-dfe.png`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import hand_home  # noqa: F401  (published, no DfE files)
from tests.conftest import PROJECT_ROOT, run_workforce
from tests.report.conftest import OVERLAPPING_TEXT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def open_pack(browser, home: Path, *args: str):
    result = run_workforce(home, "report", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    path = Path(re.search(r"Board pack: (\S+\.html)", result.stdout).group(1))
    browser.set_window_size(1000, 1200)
    browser.get(path.as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && "
            "document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
        )
    )
    return browser


def full_page_screenshot(browser, name: str) -> Path:
    height = browser.execute_script("return document.documentElement.scrollHeight")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    browser.set_window_size(max(width, 1000), height + 100)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return shot


@pytest.fixture(scope="module")
def opened(demo_home: Path, browser):
    """The demo's pack, DfE's indicator and neighbour files delivered (demo_home)."""
    return open_pack(browser, demo_home)


def test_the_board_pack_opens_without_console_errors(opened):
    severe = [entry for entry in opened.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []


def test_the_scorecard_is_shown_with_a_rag_label_on_every_measure(opened):
    rows = opened.find_elements("css selector", "#scorecard-table tbody tr")
    assert len(rows) == 5
    for row in rows:
        assert row.is_displayed()
        assert re.search(r"(Green|Amber|Red):\s+(on|close to|off) target|No target", row.text)


def test_at_least_four_charts_render(opened):
    charts = opened.find_elements("css selector", ".js-plotly-plot")
    rendered = [c for c in charts if c.find_elements("css selector", ".main-svg")]
    assert len(rendered) >= 4
    titles = [t.text for t in opened.find_elements("css selector", ".js-plotly-plot .gtitle")]
    assert any("Turnover rate" in t for t in titles), titles
    assert all(t.strip() for t in titles)


def test_the_first_screen_opens_with_the_summary_and_the_scorecard(opened):
    """What a board member sees before scrolling: the summary, then the scorecard."""
    opened.set_window_size(1000, 1200)
    opened.execute_script("window.scrollTo(0, 0)")
    summary = opened.find_element("css selector", "#summary-list")
    assert summary.is_displayed() and summary.location["y"] < 600
    assert "Largest move on" in summary.text and "checks passed" in summary.text
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "board-pack-first-screen.png"
    assert opened.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_with_dfe_files_the_full_page_screenshot_is_kept(opened):
    ranks = opened.find_elements("css selector", "#scorecard-table td.rank")
    assert ranks and any(re.search(r"\d+(st|nd|rd|th) of \d+", r.text) for r in ranks)
    full_page_screenshot(opened, "board-pack-with-dfe.png")


def test_without_dfe_files_the_pack_renders_and_a_screenshot_is_kept(
    hand_home: Path,  # noqa: F811
    browser,
    tmp_path: Path,
):
    home = tmp_path / "workforce-data"
    (home / "published").mkdir(parents=True)
    shutil.copyfile(
        hand_home / "published" / "workforce.duckdb", home / "published" / "workforce.duckdb"
    )
    page = open_pack(browser, home, "--la", "383")
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []
    title = page.find_element("css selector", "h1").text
    assert title.startswith("Leeds (383)"), title
    assert not page.find_elements("css selector", "#scorecard-table td.rank")
    full_page_screenshot(page, "board-pack-without-dfe.png")


NEW_SECTIONS = ("stability", "progression", "make-up", "rr-payments", "agency-cover", "recruitment")


def test_no_chart_s_texts_overlap_on_screen_or_on_a4_paper(opened):
    """At 1,400 px on screen, then at A4 print width (794 px, print media) on the same page
    load: no two texts of any chart touch, and every chart still has its title."""
    charts = opened.find_elements("css selector", ".js-plotly-plot")
    assert len(charts) >= 8
    try:
        for width, media in ((1400, "screen"), (794, "print")):
            opened.set_window_size(width, 1200)
            opened.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
            assert opened.execute_script(OVERLAPPING_TEXT) == [], (width, media)
            titles = opened.find_elements("css selector", ".js-plotly-plot .gtitle")
            assert len(titles) == len(charts), (width, media)
    finally:
        opened.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        opened.set_window_size(1000, 1200)


def test_every_section_of_the_workforce_renders(opened):
    """The demo publishes none of these figures yet: each section still renders, with its
    heading and a plain statement of what the publication does not hold."""
    for section in (*NEW_SECTIONS, "appendix-measures"):
        element = opened.find_element("css selector", f"section#{section}")
        heading = element.find_element("css selector", "h2")
        assert heading.is_displayed() and heading.text, section
    measures = opened.find_elements("css selector", "#all-measures tbody tr")
    assert len(measures) >= 20
