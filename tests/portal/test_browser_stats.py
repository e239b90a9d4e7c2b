"""The public statistics page in a real browser (headless Chromium) at phone and desktop size: the
charts load as SVG images, their Chinese labels are drawn in an installed CJK font (not boxes), and
the page's figures are laid out in tables. Screenshots go to test-artifacts/."""
from __future__ import annotations

import re
import subprocess

import pytest

from tests.helpers import serving
from tests.portal import test_browser
from tests.portal.conftest import portal_app
from tests.portal.test_browser import ARTIFACTS, CHROMIUM, WIDTHS, opened

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")

browser = test_browser.browser   # the fixture: one Chromium for the module


@pytest.fixture(scope="module")
def live_server(mini_instance):
    with serving(portal_app(mini_instance)) as base:
        yield base


def installed_families() -> set[str]:
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",")}


def test_chart_fonts_are_installed_cjk_fonts(live_server):
    import requests

    svg = requests.get(live_server + "/stats/monthly.svg", timeout=10).text
    families = {f.strip(" '\"") for f in re.findall(r"font-family:\s*([^;}]+)", svg)[0].split(",")}
    assert families & installed_families(), (families, installed_families())
    assert "月" in svg and "行政许可" in svg


@pytest.mark.parametrize("device", WIDTHS)
def test_statistics_page_at_phone_and_desktop_size(live_server, browser, device):
    with opened(browser, device) as page:
        page.goto(live_server + "/stats")
        assert page.get_by_role("heading", level=1).inner_text().endswith("双公示统计")
        images = page.locator("figure.chart img")
        assert images.count() == 3
        page.wait_for_load_state("networkidle")
        for i in range(3):
            # Loaded and drawn (naturalWidth is 0 for an image the browser refused or could not decode),
            # and no wider than the screen.
            box = images.nth(i).bounding_box()
            assert images.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            assert 0 < box["width"] <= WIDTHS[device][0]
        table = page.locator("table").first
        assert table.locator("th", has_text="行政许可已公示").count() == 1
        page.screenshot(path=str(ARTIFACTS / f"stats-{device}.png"), full_page=True)
        # The chart alone, rendered by the browser: its title is Chinese text in the CJK font.
        chart = page.context.new_page()
        chart.goto(live_server + "/stats/monthly.svg")
        title = chart.locator("text.title").first
        assert "双公示" in title.text_content()
        font = title.evaluate("t => getComputedStyle(t).fontFamily")
        assert "WenQuanYi Zen Hei" in font or "Noto Sans CJK" in font
        # Laid out as glyphs: the title's width is that of its characters, not of zero-width or missing ones.
        assert title.evaluate("t => t.getComputedTextLength()") > 10 * len(title.text_content()) * 0.8
        chart.screenshot(path=str(ARTIFACTS / f"stats-chart-{device}.png"))
        chart.close()
