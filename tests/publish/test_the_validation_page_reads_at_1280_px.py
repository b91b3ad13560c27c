"""The validation page in a real browser at 1,280 px wide (headless Chromium, as the board
pack's test): a failure whose check name is 150 characters of one word still shows its reason
on screen, before the table of every check. A screenshot is kept in the test's tmp folder and
in test-artifacts/validation-page-1280.png."""

from __future__ import annotations

import shutil

import pytest

from tests.publish.validation_runs import LONG_CHECK_NAME, REASON_END, blocked_run, write_page
from tests.report.conftest import browser  # noqa: F401
from tests.report.test_board_pack_renders_in_a_browser import ARTIFACTS

WIDTH, HEIGHT = 1280, 900

# geometry of the element holding the reason's last words, and of the table of every check
GEOMETRY = """
const [reasonEnd] = arguments;
const holder = [...document.querySelectorAll('li, td, p')].filter(
    e => e.textContent.includes(reasonEnd)
).sort((a, b) => a.textContent.length - b.textContent.length)[0];
document.querySelectorAll('details').forEach(d => d.open = true);
const table = [...document.querySelectorAll('table')].find(
    t => t.textContent.includes('One row per authority, census year')
);
const box = e => { const r = e.getBoundingClientRect();
    return {left: r.left + scrollX, right: r.right + scrollX, top: r.top + scrollY}; };
return {
    viewport: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    reason: box(holder), insideTable: holder.closest('table') !== null, table: box(table),
};
"""


@pytest.fixture
def at_1280(browser):  # noqa: F811
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    yield browser
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_a_failures_reason_is_on_screen_before_the_table_of_every_check(at_1280, tmp_path):
    assert len(LONG_CHECK_NAME) >= 150
    page = write_page(tmp_path / "workforce-data", blocked_run())
    at_1280.get(page.as_uri())
    at_1280.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "validation-page-1280.png"
    assert at_1280.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / shot.name)

    found = at_1280.execute_script(GEOMETRY, REASON_END)
    assert found["viewport"] == WIDTH
    assert found["scrollWidth"] <= WIDTH, "the page scrolls sideways"
    assert 0 <= found["reason"]["left"] and found["reason"]["right"] <= WIDTH, found
    assert not found["insideTable"] and found["reason"]["top"] < found["table"]["top"], found
    assert [e for e in at_1280.get_log("browser") if e["level"] == "SEVERE"] == []
