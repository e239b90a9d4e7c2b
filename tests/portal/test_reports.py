"""Credit reports (PDF): the public report says what the profile says and nothing held back, full
reports go through the access gate and its log, and every report can be verified — fresh, changed
or unknown. Text is read back from the PDF (pypdf); page 1 is drawn to test-artifacts/ so a person
can look at the Chinese typesetting."""
from __future__ import annotations

import hashlib
import html as htmllib
import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from credit.db import session_factory
from credit.querylog import QueryLogEntry
from credit.reports import Report
from tests.conftest import TODAY, ingest_into, make_settings
from tests.portal import mini
from tests.portal.conftest import portal_app
from tests.portal.realname import CLERK, ORG_A, PERSON, SHOP, csrf_token, log_in
from tests.portal.test_access import new_code

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# A subject with many records, a long name and long document numbers: pages, wrapping, headers.
BIG = ("湖北省武汉市东湖新技术开发区光谷大道智能制造与供应链管理综合服务集团股份有限公司",
       mini.uscc("91420100MA4K90001"))
BIG_LICENCES = 60
LONG_DOC_NO = "鄂武东湖新区市监食品经营许可〔{year}〕第{n:06d}号"
CORRECTED = "罚款人民币壹万元（更正）"


def _ago(days: int):
    return TODAY - timedelta(days=days)


def write_big(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    subject = mini._subject(BIG)
    mini._write(folder, "big.csv", "licence", [
        mini._licence(subject, n, _ago(n), doc_no=LONG_DOC_NO.format(year=_ago(n).year, n=n),
                      content="预包装食品（含冷藏冷冻食品）销售，散装食品（含冷藏冷冻食品）销售，保健食品销售")
        for n in range(1, BIG_LICENCES + 1)])
    return folder


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    settings = make_settings(folder, ratelimit_code_tries="1000/minute", ratelimit_reports="1000/minute")
    report = ingest_into(settings, [str(mini.write(folder / "source", TODAY)), str(write_big(folder / "big"))],
                         today=TODAY)
    assert report.total("rejected") == 0, report.rejections
    return settings


@pytest.fixture(scope="module")
def app(instance):
    return portal_app(instance)


@pytest.fixture()
def client(app):
    return app.test_client()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    return "".join(text.split())


def page_text(response) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def report(client, code: str):
    response = client.get(f"/subjects/{code}/report.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    return response


def log_count(settings) -> int:
    with session_factory(settings.database_url)() as db:
        return db.scalar(select(func.count()).select_from(QueryLogEntry))


def last_entry(settings) -> QueryLogEntry:
    with session_factory(settings.database_url)() as db:
        return db.scalar(select(QueryLogEntry).order_by(QueryLogEntry.seq.desc()).limit(1))


# -- the public report ------------------------------------------------------------------------------

@pytest.mark.parametrize("subject", [mini.GUANGGU, mini.CHANGJIANG, mini.SHOP, mini.PINGAN],
                         ids=["licences-and-red-list", "black-list", "sole-trader", "window-ending"])
def test_the_public_report_shows_what_the_profile_shows(client, subject):
    profile = client.get(f"/subjects/{subject[1]}")
    assert f'href="/subjects/{subject[1]}/report.pdf"' in profile.get_data(as_text=True)
    text = pdf_text(report(client, subject[1]).data)
    flat = squeezed(text)
    name = re.search(r"<h1>([^<]+)</h1>", profile.get_data(as_text=True)).group(1)   # as the profile shows it
    assert name in flat and subject[1] in text
    # Every document number, list name and summary value the profile shows is in the report.
    titles = re.findall(r'<a href="/records/[^"]+">([^<]+)</a>', profile.get_data(as_text=True))
    values = re.findall(r"<dd(?: class=\"whole\")?>([^<]+)</dd>", profile.get_data(as_text=True))
    assert titles
    for value in titles + values:
        assert squeezed(htmllib.unescape(value)) in flat, value
    for label in ("信用报告", "公开版", "信息概要", "报告编号", "第 1 页"):
        assert label in text
    for flag in re.findall(r'<li class="flag flag-\w+"><strong>(\S+)</strong> · ([^<]+)</li>', profile.get_data(as_text=True)):
        assert squeezed("·".join(flag)) in flat


def test_the_public_report_holds_back_what_the_pages_hold_back(client):
    texts = squeezed("".join(pdf_text(report(client, code).data)
                             for code in (mini.CHANGJIANG[1], mini.SHOP[1], mini.PINGAN[1], mini.GUANGGU[1])))
    year = lambda days: _ago(days).year   # noqa: E731
    never = [f"武市监罚〔{year(300)}〕3号",   # simple procedure
             f"武市监罚〔{year(310)}〕4号",   # warning only
             f"武市监罚〔{year(400)}〕5号",   # window over
             mini.PHONE, mini.SHOP_OPERATOR_ID, "张三", mini.PERSON[0], mini.PERSON[1], mini.DEBTOR[1]]
    for secret in never:
        assert secret not in texts, secret
    assert "张*" in texts   # the operator, masked as on the pages
    assert "A级纳税人" in texts and "严重违法失信企业" in texts


def test_a_natural_persons_record_has_no_public_report(client):
    response = client.get(f"/subjects/{mini.PERSON[1]}/report.pdf")
    assert response.status_code in (400, 404) and response.mimetype == "text/html"
    assert mini.PERSON[0] not in response.get_data(as_text=True)


def test_codes_and_document_numbers_are_never_broken_and_tables_repeat_their_header(client, instance):
    data = report(client, BIG[1]).data
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert len(pages) >= 3
    lines = [line for page in pages for line in page.splitlines()]
    assert any(BIG[1] in line for line in lines)
    flat = squeezed("".join(pages))
    for n in range(1, BIG_LICENCES + 1):
        number = LONG_DOC_NO.format(year=_ago(n).year, n=n)
        # Too long for its column: it may wrap before its year bracket, and only there.
        head, tail = number.split("〔")
        assert number in flat and any(head in line for line in lines), number
        assert any("〔" + tail in line for line in lines), number
    # The licence table runs over several pages: its header is on each of them.
    header = "行政许可决定文书号"
    with_rows = [page for page in pages if LONG_DOC_NO.format(year="", n=0)[:8] in page]
    assert len(with_rows) >= 2 and all(header in page for page in with_rows)
    assert BIG[0] in squeezed("".join(pages))
    assert f"共 {len(pages)} 页" in pages[-1]


def test_a_very_long_name_or_list_name_does_not_stall_the_report(tmp_path):
    """A source department may send a name of thousands of characters (a field may hold 32,768):
    its report still comes out in a moment, whole. Laying out the head table or a list flag
    sized to such a text took minutes, for every anonymous download."""
    import time

    name = "武汉" + "长" * 3000 + "有限公司"
    list_name = "经营异常名录" + "长" * 3000
    subject = mini.uscc("91420100MA4KL0001")
    mini._write(tmp_path, "licences.csv", "licence", [mini._licence(mini._subject((name, subject)), 1, _ago(10))])
    mini._write(tmp_path, "lists.csv", "list", [mini._entry("重点关注名单", list_name, name, _ago(20), code=subject)])
    settings = make_settings(tmp_path, ratelimit_reports="1000/minute")
    assert ingest_into(settings, [str(tmp_path)], today=TODAY).total("rejected") == 0
    client = portal_app(settings).test_client()
    started = time.monotonic()
    data = report(client, subject).data
    assert time.monotonic() - started < 8   # minutes before; about a second now
    text = squeezed(pdf_text(data))   # whole, though the name runs over pages and their running heads
    assert name[:40] in text and "长长有限公司" in text and list_name[:40] in text
    assert text.count("长") >= 2 * 3000


def test_page_one_is_drawn_for_a_person_to_look_at(client):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils; scripts/test.sh does it)")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, code in (("report-public", mini.GUANGGU[1]), ("report-public-long", BIG[1])):
        pdf = ARTIFACTS / f"{name}.pdf"
        pdf.write_bytes(report(client, code).data)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(ARTIFACTS / f"{name}-page1")], check=True, timeout=60)
        png = ARTIFACTS / f"{name}-page1.png"
        assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000
    fonts = subprocess.run(["pdffonts", str(ARTIFACTS / "report-public.pdf")], capture_output=True, text=True,
                           timeout=60).stdout if shutil.which("pdffonts") else ""
    if fonts:   # the CJK font is embedded, as a subset
        font = next(line for line in fonts.splitlines() if "WenQuanYi" in line or "Noto" in line)
        assert re.search(r"\byes\s+yes\b", font), fonts


# -- verification ----------------------------------------------------------------------------------------

def number_of(response) -> str:
    number = response.headers["X-Report-Number"]
    grouped = "-".join(number[i:i + 4] for i in range(0, 16, 4))
    assert grouped in pdf_text(response.data)
    return grouped


def test_a_fresh_report_verifies_with_the_digest_of_its_file(client, instance):
    response = report(client, mini.GUANGGU[1])
    number = number_of(response)
    page = client.get(f"/verify/{number}")
    assert page.status_code == 200
    body = page_text(page)
    assert hashlib.sha256(response.data).hexdigest() in body
    assert "未发生变化" in body and "公众（公开版）" in body and mini.GUANGGU[0] in body
    # The number as typed: lower case, without dashes.
    assert client.get(f"/verify/{number.replace('-', '').lower()}").status_code == 200
    api = client.get(f"/api/v1/verify/{number}").json
    assert api["content_sha256"] == hashlib.sha256(response.data).hexdigest()
    assert (api["audience"], api["record_unchanged"], api["subject_key"]) == ("public", True, mini.GUANGGU[1])
    # What is kept is the digest and metadata, never the file.
    with session_factory(instance.database_url)() as db:
        row = db.get(Report, number.replace("-", ""))
        assert row.content_sha256 == api["content_sha256"] and not hasattr(row, "pdf")


def test_the_api_serves_the_same_public_report(client):
    response = client.get(f"/api/v1/subjects/{mini.GUANGGU[1]}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    missing = client.get("/api/v1/subjects/91420100MA4K99999X/report.pdf")
    assert missing.mimetype == "application/json" and "error" in missing.json


def test_a_corrected_record_shows_as_changed(tmp_path):
    settings = make_settings(tmp_path, ratelimit_reports="1000/minute")
    ingest_into(settings, [str(mini.write(tmp_path / "source", TODAY))], today=TODAY)
    client = portal_app(settings).test_client()
    number = number_of(report(client, mini.GUANGGU[1]))
    other = number_of(report(client, mini.CHANGJIANG[1]))
    assert "未发生变化" in page_text(client.get(f"/verify/{number}"))
    # The source department sends the penalty again, corrected (same department and document number).
    folder = tmp_path / "correction"
    folder.mkdir()
    mini._write(folder, "penalty.csv", "penalty",
                [mini._penalty(mini._subject(mini.GUANGGU, legal_rep="李明"), 1, _ago(100), content=CORRECTED)])
    assert ingest_into(settings, [str(folder)], today=TODAY).total("rejected") == 0
    changed = client.get(f"/verify/{number}")
    assert changed.status_code == 200 and "已发生变化" in page_text(changed)
    assert client.get(f"/api/v1/verify/{number}").json["record_unchanged"] is False
    assert "未发生变化" in page_text(client.get(f"/verify/{other}"))   # another subject's report still holds
    assert CORRECTED in squeezed(pdf_text(report(client, mini.GUANGGU[1]).data))


@pytest.mark.parametrize("number", ["AAAA", "AAAA-AAAA-AAAA-AAAA", "<script>", "0" * 200, "ÄÖÜ"])
def test_an_unknown_or_malformed_number_is_a_clean_404(client, number):
    page = client.get(f"/verify/{number}")
    body = page.get_data(as_text=True)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "未找到该编号的信用报告" in body and "Traceback" not in body and "<script>" not in body
    api = client.get(f"/api/v1/verify/{number}")
    assert api.status_code == 404 and api.json["error"]["code"] == "report_not_found"


def test_the_verify_page_fits_a_phone(client):
    number = number_of(report(client, mini.GUANGGU[1]))
    body = client.get(f"/verify/{number}").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width' in body
    # The 64-character digest may wrap on a narrow screen (it is not marked as kept in one piece).
    assert re.search(r'<dd class="digest">[0-9a-f]{64}</dd>', body)


# -- full reports through the access gate ---------------------------------------------------------------

def test_the_full_report_needs_a_login(client):
    response = client.get("/account/report.pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.post("/authorized/report.pdf", data={"subject": mini.CHANGJIANG[1], "code": "X"}).status_code in (
        302, 400)


def test_the_subject_gets_its_full_report_logged_and_marked(app, instance):
    client = app.test_client()
    log_in(client, ORG_A)
    assert 'href="/account/report.pdf"' in client.get("/account").get_data(as_text=True)
    before = log_count(instance)
    response = client.get("/account/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = squeezed(pdf_text(response.data))
    assert "含有依法不予公示的信用信息" in text and f"仅供{mini.CHANGJIANG[0]}（本人）使用" in text
    assert f"武市监罚〔{_ago(300).year}〕3号" in text and "不予公示（简易程序）" in text
    assert log_count(instance) == before + 1
    entry = last_entry(instance)
    assert (entry.how, entry.querier_id, entry.subject_key) == ("self", ORG_A.key, ORG_A.key)
    number = number_of(response)
    verify = page_text(client.get(f"/verify/{number}"))
    assert "信用主体本人" in verify and "未发生变化" in verify


def test_a_natural_persons_report_is_masked_on_the_verify_page(app):
    client = app.test_client()
    log_in(client, PERSON)
    response = client.get("/account/report.pdf")
    assert mini.PERSON[1] in pdf_text(response.data)          # its own ID number, in its own report
    anonymous = app.test_client().get(f"/verify/{number_of(response)}").get_data(as_text=True)
    assert mini.PERSON[1] not in anonymous and mini.PERSON[0] not in anonymous
    assert mini.PERSON[1][:6] + "********" + mini.PERSON[1][-4:] in anonymous


def test_a_sole_traders_report_shows_its_public_name_on_the_verify_page(app):
    client = app.test_client()
    log_in(client, SHOP)
    response = client.get("/account/report.pdf")
    assert mini.SHOP[0] in squeezed(pdf_text(response.data))   # its own name, in its own report
    anonymous = page_text(app.test_client().get(f"/verify/{number_of(response)}"))
    assert mini.SHOP[0] not in anonymous and "武汉市洪山区张*便利店" in anonymous


def test_a_code_holder_gets_the_scoped_report_and_the_verify_page_hides_who(app, instance):
    owner, clerk = app.test_client(), app.test_client()
    log_in(owner, ORG_A)
    log_in(clerk, CLERK)
    code = new_code(owner, kinds=("penalty",))
    form = clerk.get("/authorized").get_data(as_text=True)
    assert 'formaction="/authorized/report.pdf"' in form
    before = log_count(instance)
    response = clerk.post("/authorized/report.pdf",
                          data={"csrf_token": csrf_token(clerk, "/authorized"), "subject": mini.CHANGJIANG[1],
                                "code": code})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = squeezed(pdf_text(response.data))
    assert "授权查询版" in text and CLERK.name in text and "贷款审批" in text
    assert f"武市监罚〔{_ago(200).year}〕2号" in text
    assert "严重违法失信企业" not in text    # list entries are outside the code's scope
    assert f"武市监罚〔{_ago(300).year}〕3号" not in text   # unpublished: not in this code's scope
    assert log_count(instance) == before + 1
    entry = last_entry(instance)
    assert (entry.how, entry.querier_id, entry.subject_key) == ("code", CLERK.key, ORG_A.key)
    verify = page_text(app.test_client().get(f"/verify/{number_of(response)}"))
    assert "经信用主体授权的查询者" in verify and CLERK.name not in verify and "贷款审批" not in verify


def test_a_code_holders_report_verifies_only_what_it_showed(tmp_path):
    """A new record outside the code's scope (here one not published) leaves the check unchanged; a
    new record within it is a change."""
    settings = make_settings(tmp_path, ratelimit_reports="1000/minute")
    ingest_into(settings, [str(mini.write(tmp_path / "source", TODAY))], today=TODAY)
    app = portal_app(settings)
    owner, clerk = app.test_client(), app.test_client()
    log_in(owner, ORG_A)
    log_in(clerk, CLERK)
    code = new_code(owner, kinds=("penalty",))
    response = clerk.post("/authorized/report.pdf", data={"csrf_token": csrf_token(clerk, "/authorized"),
                                                           "subject": mini.CHANGJIANG[1], "code": code})
    number = number_of(response)

    def unchanged() -> bool:
        return portal_app(settings).test_client().get(f"/api/v1/verify/{number}").json["record_unchanged"]

    assert unchanged()
    for n, extra in ((77, {"procedure": "简易程序"}), (78, {})):   # not published, then published
        folder = tmp_path / f"new-{n}"
        folder.mkdir()
        mini._write(folder, "penalty.csv", "penalty", [mini._penalty(mini._subject(mini.CHANGJIANG), n, _ago(1), **extra)])
        assert ingest_into(settings, [str(folder)], today=TODAY).total("rejected") == 0
        assert unchanged() is (n == 77)


def test_a_wrong_code_gets_the_same_answer_as_the_authorized_page(app, instance):
    clerk = app.test_client()
    log_in(clerk, CLERK)
    before = log_count(instance)
    token = csrf_token(clerk, "/authorized")
    asked = {"csrf_token": token, "subject": mini.CHANGJIANG[1], "code": "AAAAA-AAAAA-AAAAA-AAAAA"}
    page = clerk.post("/authorized", data=asked)
    pdf = clerk.post("/authorized/report.pdf", data=asked)
    assert page.status_code == pdf.status_code == 403
    assert answer(pdf) == answer(page)
    unknown = {**asked, "subject": "91420100MA4K99999X"}
    assert answer(clerk.post("/authorized/report.pdf", data=unknown)) == answer(clerk.post("/authorized", data=unknown))
    assert log_count(instance) == before


def answer(response) -> str:
    """A page without the main menu's mark of where it was asked from, and without its forms' tokens
    (signed with the time: two pages a second apart carry different ones)."""
    page = response.get_data(as_text=True).replace(' aria-current="page"', "")
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', page)


# -- limits ------------------------------------------------------------------------------------------------

def test_reports_are_rate_limited_per_address(instance):
    client = portal_app(instance, CREDIT_SETTINGS=_with(instance, ratelimit_reports="2/minute")).test_client()
    assert [client.get(f"/subjects/{mini.GUANGGU[1]}/report.pdf").status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get(f"/api/v1/subjects/{mini.GUANGGU[1]}/report.pdf")   # one budget for page and API
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert client.get(f"/subjects/{mini.GUANGGU[1]}").status_code == 200   # pages go on


def test_reports_count_against_the_anonymous_budget(instance):
    client = portal_app(instance, RATELIMIT_ANONYMOUS="2/minute").test_client()
    assert client.get(f"/subjects/{mini.GUANGGU[1]}/report.pdf").status_code == 200
    assert client.get(f"/subjects/{mini.GUANGGU[1]}").status_code == 200
    limited = client.get(f"/subjects/{mini.GUANGGU[1]}/report.pdf")
    assert limited.status_code == 429 and "Traceback" not in limited.get_data(as_text=True)


def _with(settings, **changes):
    return replace(settings, **changes)
