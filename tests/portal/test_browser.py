"""A real browser (headless Chromium) searches, opens a profile and saves screenshots at phone
and desktop widths under test-artifacts/. No JavaScript is needed by the pages themselves."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers import serving
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
    with serving(portal_app(mini_instance)) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@contextmanager
def opened(browser, device: str):
    """A page at the device's size, with JavaScript off: the pages must work without it."""
    width, height = WIDTHS[device]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  java_script_enabled=False)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("device", WIDTHS)
def test_search_then_profile_in_a_browser(live_server, browser, device):
    width = WIDTHS[device][0]
    with opened(browser, device) as page:
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
    assert (ARTIFACTS / f"profile-{device}.png").stat().st_size > 10_000


def test_keyboard_skip_link_reaches_main(live_server, browser):
    page = browser.new_page()
    page.goto(live_server + "/lists/red")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.close()


# Each element's text on one line? (The rectangles of its text share one top.) And the contrast of
# its colours, from the computed styles (WCAG relative luminance).
WRAPPED = """selector => [...document.querySelectorAll(selector)].filter(el => {
    const range = document.createRange(); range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
}).map(el => el.textContent.trim())"""
CONTRAST = """selector => Object.fromEntries([...document.querySelectorAll(selector)].map(el => {
    const lum = c => { const [r, g, b] = c.match(/[0-9.]+/g).slice(0, 3).map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    const style = getComputedStyle(el), [a, b] = [lum(style.color), lum(style.backgroundColor)];
    return [el.className, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
}))"""


@pytest.mark.parametrize("device", WIDTHS)
def test_codes_stay_whole_and_list_flags_read_well(live_server, browser, device):
    width = WIDTHS[device][0]
    with opened(browser, device) as page:
        page.goto(live_server + "/search?q=长江建设")
        flag = page.locator(".result .flag-black").first
        assert flag.inner_text() == "黑名单 · 严重违法失信企业"
        page.screenshot(path=str(ARTIFACTS / f"search-flags-{device}.png"), full_page=True)

        page.goto(live_server + f"/subjects/{mini.CHANGJIANG[1]}")
        assert page.locator(".profile-head .flag-black").inner_text() == "黑名单 · 严重违法失信企业"
        contrast = page.evaluate(CONTRAST, ".flag")
        checked = page.locator(".whole, .code").count()
        assert page.evaluate(WRAPPED, ".whole, .code") == []
        page.screenshot(path=str(ARTIFACTS / f"profile-flags-{device}.png"), full_page=True)

        page.locator("#penalty .record-title a").first.click()
        page.wait_for_url("**/records/*")
        checked += page.locator(".whole").count()
        assert page.evaluate(WRAPPED, ".whole, .code") == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"record-{device}.png"), full_page=True)

        page.goto(live_server + "/lists/black")
        checked += page.locator(".whole").count()
        assert page.evaluate(WRAPPED, ".whole, .code") == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(ARTIFACTS / f"list-black-{device}.png"), full_page=True)
        assert checked >= 6   # the selectors found codes to check

        page.goto(live_server + "/search?q=武汉")   # 光谷 (红名单) and the shop (重点关注名单)
        contrast.update(page.evaluate(CONTRAST, ".flag"))
        # Every list's colours pass WCAG AA for normal text (4.5:1), with room to spare in daylight.
        assert set(contrast) == {"flag flag-black", "flag flag-red", "flag flag-focus"}
        assert min(contrast.values()) >= 6, contrast


# -- Nothing wider than a small phone, whatever the data holds --------------------------------------

PHONE = 360
LATIN = ("Wuhan Interdisciplinary Pneumonoultramicroscopicsilicovolcanoconiosis Research Co Ltd",
         mini.uscc("91420100MA4K90002"))
LONG_DEPT = ("武汉东湖新技术开发区（中国光谷）管理委员会市场监督管理局知识产权局综合执法大队", mini.uscc("11420100MB9999990"))
URL = "https://www.example.gov.cn/xxgk/zfxxgk/fdzdgknr/xzcf/202611/t20261130_12345678901234567890123456789.shtml"
LONG_DOC = "鄂武东湖新技术开发区市场监督管理局知识产权局综合执法大队罚字〔2026〕ABCDEFGHIJKLMNOPQRSTUVWXYZ第00012号"


@pytest.fixture(scope="module")
def long_words(tmp_path_factory):
    """(base URL, app) of the mini data set plus a subject whose name is one long Latin word, with a
    document number, a department name and free text (a URL, Latin words) longer than a phone is wide."""
    from tests.conftest import TODAY, ingest_into, make_settings
    from tests.portal.realname import make_staff

    folder = tmp_path_factory.mktemp("long-words")
    source = mini.write(folder / "source", TODAY)
    subject = mini._subject(LATIN, legal_rep="李明")
    day = (TODAY - timedelta(days=5)).isoformat()
    mini._write(source, "long-penalties.csv", "penalty", [mini._penalty(
        subject, 1, TODAY - timedelta(days=5), dept=LONG_DEPT, doc_no=LONG_DOC, decided_on=day,
        facts=f"违法事实详见{URL} Supercalifragilisticexpialidocious", basis="Pneumonoultramicroscopicsilicovolcanoconiosis" * 2)])
    mini._write(source, "long-lists.csv", "list", [mini._entry("黑名单", "严重违法失信企业", LATIN[0], TODAY - timedelta(days=3),
                                                              code=LATIN[1], reason=URL)])
    settings = make_settings(folder)
    ingest_into(settings, [str(source)], today=TODAY)
    make_staff(settings)
    app = portal_app(settings)
    with serving(app) as base:
        yield base, app


def as_cookie(app, base: str, identity) -> dict:
    """The session cookie of `identity` logged in to `app`, for a browser context."""
    from tests.portal.realname import client_as

    client = client_as(app, identity)
    return {"name": "credit_session", "value": client.get_cookie("credit_session").value, "url": base}


def contrast(*colours: str) -> float:
    """WCAG contrast ratio of two CSS rgb() colours."""
    def luminance(colour: str) -> float:
        r, g, b = (int(v) / 255 for v in re.findall(r"[0-9.]+", colour)[:3])
        lin = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    high, low = sorted(map(luminance, colours), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_no_page_is_wider_than_a_small_phone(long_words, browser):
    from tests.portal.realname import REVIEWER, trader

    base, app = long_words
    context = browser.new_context(viewport={"width": PHONE, "height": 740}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)
    wide = {}

    def check(name: str, path: str | None = None):
        if path is not None:
            page.goto(base + path)
        page.screenshot(path=str(ARTIFACTS / f"narrow-{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            wide[name] = width

    check("home", "/")
    check("search", "/search?q=武汉&kind=penalty")
    # Each date label sits on the line of its own field (至 used to end the line above its field).
    for name in ("date_from", "date_to"):
        label, field = page.locator(f"label[for={name}]").bounding_box(), page.locator(f"#{name}").bounding_box()
        assert field["y"] <= label["y"] + label["height"] / 2 <= field["y"] + field["height"], name
    # The footer's link is readable on the footer's dark background (WCAG AA: 4.5:1).
    footer_link = page.evaluate("""() => { const a = document.querySelector('.site-footer a');
        return [getComputedStyle(a).color, getComputedStyle(a.closest('.site-footer')).backgroundColor]; }""")
    assert contrast(*footer_link) >= 4.5, footer_link
    check("search-latin", "/search?q=" + "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2)
    check("profile", f"/subjects/{LATIN[1]}")
    assert page.get_by_role("heading", level=1).inner_text() == LATIN[0]
    page.locator("#penalty .record-title a").first.click()
    page.wait_for_url("**/records/*")
    check("record")
    # Where label and value cannot share a line, the label has the whole line: none breaks in two.
    assert page.evaluate(WRAPPED, ".fields dt") == []
    # The document number stays in one piece: it scrolls inside its own cell, not the page.
    assert page.locator("dd.whole", has_text="ABCDEFGHIJKLMNOPQRSTUVWXYZ").count() == 1
    check("list-black", "/lists/black")
    check("stats", "/stats")
    check("not-found", "/records/no-such-record")

    context.add_cookies([as_cookie(app, base, trader(3))])
    check("account", "/account")
    # Logging out is as easy to hit as the navigation links beside it.
    logout, link = page.locator(".site-nav button.link").bounding_box(), page.locator(".site-nav a").first.bounding_box()
    assert logout["height"] >= link["height"] - 1 and logout["x"] >= link["x"]
    page.locator("details.objection-form summary").first.click()
    form = page.locator("details.objection-form form").first
    # Each label sits above its field, and the fields fit the card.
    label, field = form.get_by_text("理由", exact=True).bounding_box(), form.locator("textarea").bounding_box()
    assert label["y"] + label["height"] <= field["y"] and field["x"] + field["width"] <= PHONE
    form.locator("textarea").fill("A" * 80 + " 理由")
    form.locator("input[type=file]").set_input_files(files=[{"name": "a.pdf", "mimeType": "application/pdf",
                                                            "buffer": b"not a pdf"}])
    form.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    check("objection-refused")
    assert page.title() == "提出异议或申请移除 - 信用信息公示查询平台"
    assert page.locator("textarea[name=reason]").input_value() == "A" * 80 + " 理由"

    context.clear_cookies()
    context.add_cookies([as_cookie(app, base, REVIEWER)])
    for path in ("/admin", "/admin/objections", "/admin/runs", "/admin/runs/1", "/admin/stats"):
        check("admin" + path.replace("/admin", "").replace("/", "-"), path)
    context.close()
    assert wide == {}, wide
