"""The board pack in a real browser: headless Chromium opens it offline, nothing errors, the
scorecard and the charts render, and a full-page screenshot is kept in test-artifacts/."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from selenium import webdriver

from tests.conftest import PROJECT_ROOT, run_workforce

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail(
            "Chromium and chromedriver are needed (`make test` installs the Debian packages "
            "chromium and chromium-driver)"
        )
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1000,1200",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def opened(demo_home: Path, browser):
    result = run_workforce(demo_home, "report")
    assert result.returncode == 0, result.stdout + result.stderr
    path = Path(re.search(r"Board pack: (\S+\.html)", result.stdout).group(1))
    browser.get(path.as_uri())
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && "
            "document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"
        )
    )
    return browser


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


def test_a_full_page_screenshot_is_kept_as_a_test_artifact(opened):
    height = opened.execute_script("return document.documentElement.scrollHeight")
    width = opened.execute_script("return document.documentElement.scrollWidth")
    opened.set_window_size(max(width, 1000), height + 100)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "board-pack.png"
    assert opened.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
