"""A real browser (headless Chromium) searches, opens a profile and saves screenshots at phone
and desktop widths under test-artifacts/. No JavaScript is needed by the pages themselves."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.portal import mini
from tests.portal.conftest import portal_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def live_server(mini_instance):
    server = make_server("127.0.0.1", 0, portal_app(mini_instance), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_search_then_profile_in_a_browser(live_server, browser, device):
    width, height = WIDTHS[device]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  java_script_enabled=False)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.goto(live_server + "/")
        page.screenshot(path=str(ARTIFACTS / f"home-{device}.png"), full_page=True)
        page.get_by_label("企业名称、简称或统一社会信用代码").fill("光谷科技")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url("**/search?q=*")
        first = page.locator(".result-name a").first
        assert first.locator("mark").inner_text() == "光谷科技"
        page.screenshot(path=str(ARTIFACTS / f"search-{device}.png"), full_page=True)

        first.click()
        page.wait_for_url(f"**/subjects/{mini.GUANGGU[1]}")
        assert page.title() == f"{mini.GUANGGU[0]} - 信用信息公示查询平台"
        assert page.get_by_role("heading", level=1).inner_text() == mini.GUANGGU[0]
        assert page.locator("#penalty .record").count() == 1
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"profile-{device}.png"), full_page=True)
    finally:
        context.close()
    assert (ARTIFACTS / f"profile-{device}.png").stat().st_size > 10_000


def test_keyboard_skip_link_reaches_main(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "/lists/red")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.close()
