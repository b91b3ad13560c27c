"""Headless Chromium for the board pack's browser tests (one per module), and the check that
no two texts of a chart overlap."""

from __future__ import annotations

import shutil

import pytest
from selenium import webdriver

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


# Every text box of a chart: the title, axis titles, tick labels, legend entries, annotations
# and the figures written on bars and points. Two that intersect (by more than a pixel each
# way, the slack of font metrics) are returned by chart, with their texts.
OVERLAPPING_TEXT = """
const found = [];
for (const chart of document.querySelectorAll('.js-plotly-plot')) {
  const boxes = [];
  for (const text of chart.querySelectorAll('svg text')) {
    const label = text.textContent.trim();
    const style = getComputedStyle(text);
    if (!label || style.display === 'none' || style.visibility === 'hidden'
        || style.opacity === '0') continue;
    const r = text.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) boxes.push([label, r]);
  }
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, p] = boxes[i], [b, q] = boxes[j];
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left);
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
      if (w > 1 && h > 1) found.push([chart.id, a, b]);
    }
  }
}
return found;
"""
