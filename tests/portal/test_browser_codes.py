"""Authorization codes in a real browser (headless Chromium), logged in through the development
OpenID Connect provider: the enterprise issues a code, a bank clerk in a second browser uses it,
the enterprise sees who looked and revokes it, and the clerk's next try fails."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import TODAY, ingest_into, make_settings
from tests.helpers import serving
from tests.idp import DevProvider, identities, install, node_problem
from tests.portal import test_browser
from tests.portal.conftest import portal_app
from tests.portal.test_browser import ARTIFACTS, CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
sync_api = pytest.importorskip("playwright.sync_api")

browser = test_browser.browser   # the fixture: one Chromium for the module
ENTERPRISE, CLERK = identities()["enterprise"], identities()["bank_clerk"]


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """(base URL) of a portal over a small sample, with its own development provider that knows it."""
    if node_problem():
        pytest.skip(node_problem())
    install()
    from indexer.sample import generate

    folder = tmp_path_factory.mktemp("browser-codes")
    generate(folder / "source", subjects=30, seed=5, today=TODAY)
    provider = DevProvider(folder)
    settings = make_settings(folder, oidc_issuer=provider.issuer, oidc_client_id=provider.client_id,
                             oidc_client_secret=provider.client_secret)
    ingest_into(settings, [str(folder / "source")])
    with serving(portal_app(settings)) as base:
        provider.redirect_uris, provider.post_logout_uris = (f"{base}/login/callback",), (f"{base}/",)
        provider.start()
        try:
            yield base
        finally:
            provider.stop()


def logged_in(browser, base: str, who: dict):
    """A browser of its own (cookies apart), logged in as `who` at the provider's page."""
    page = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    page.goto(base + "/account")
    page.get_by_role("button", name=f"以「{who['name']}」登录").click()
    page.wait_for_url(base + "/account")
    return page


def test_issue_use_see_and_revoke_a_code(portal, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    owner = logged_in(browser, portal, ENTERPRISE)
    assert owner.get_by_role("heading", level=1).inner_text() == "我的信用记录"
    owner.get_by_label("查询事由").fill("贷款审批")
    owner.get_by_label("有效天数（1–90）").fill("7")
    owner.get_by_role("button", name="生成授权码").click()
    code = owner.locator("#auth-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{5}(-[0-9A-Z]{5}){3}", code)
    owner.screenshot(path=str(ARTIFACTS / "code-created-phone.png"), full_page=True)

    clerk = logged_in(browser, portal, CLERK)
    clerk.goto(portal + "/authorized")
    clerk.get_by_label("被查询主体的统一社会信用代码（或身份证号码、准确全称）").fill(ENTERPRISE["uscc"])
    clerk.get_by_label("授权码").fill(code.lower().replace("-", " "))   # typed carelessly: still the code
    clerk.get_by_role("button", name="查询").click()
    assert clerk.get_by_role("heading", level=1).inner_text() == ENTERPRISE["name"]
    assert "贷款审批" in clerk.locator(".notice").inner_text()
    assert clerk.locator(".record").count() > 0
    assert clerk.evaluate("document.documentElement.scrollWidth") <= 390
    clerk.screenshot(path=str(ARTIFACTS / "authorized-result-phone.png"), full_page=True)

    owner.goto(portal + "/account")
    looked = owner.locator("#reads-title + .table-wrap").inner_text()
    assert CLERK["name"] in looked and "贷款审批" in looked
    owner.locator("#codes tbody tr", has_text="贷款审批").get_by_role("button", name="撤销").click()
    assert "已撤销" in owner.locator("#codes tbody tr", has_text="贷款审批").inner_text()

    clerk.goto(portal + "/authorized")
    clerk.get_by_label("被查询主体的统一社会信用代码（或身份证号码、准确全称）").fill(ENTERPRISE["uscc"])
    clerk.get_by_label("授权码").fill(code)
    clerk.get_by_role("button", name="查询").click()
    assert "未能查询" in clerk.get_by_role("alert").inner_text()
    assert Path(ARTIFACTS / "authorized-result-phone.png").stat().st_size > 10_000
