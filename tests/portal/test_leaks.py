"""The leak test: walk every public page and API answer over the generated sample and look for
what SPEC §4 says must never be shown — citizen ID numbers, phone numbers, bank card and account
numbers, home addresses, natural persons' records, and 个体工商户 operators' names unmasked.

The secrets are read from the source files themselves, so whatever the generator writes is
checked, in whatever spelling the clerks used (420102 19900307 1234, +86 139 1234 5678, 張 三).
Pages are read the same way: full width folded, zero-width characters dropped, digit groups
joined across the separators a number is written with, names compared in simplified characters
without spaces."""
from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import opencc
import pytest

from credit.catalog import Catalog
from credit.codes import is_citizen_id, is_luhn_valid, normalize_code
from credit.config import Settings
from credit.search import RecordQuery, SubjectQuery
from indexer.readers import expand, headers_and_rows
from portal.lookups import SECTIONS
from tests.conftest import TODAY
from tests.portal.conftest import NO_LIMIT, portal_app

PERSON, SOLE_TRADER, ORGANISATION = "自然人", "个体工商户", "法人及非法人组织"
KINDS = tuple(SECTIONS)

# -- reading text as a person would ----------------------------------------------------------------

# Invisible characters NFKC keeps: a number or a name with one inside is still that number or name.
ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff]")
_T2S = opencc.OpenCC("t2s")


def unify(text) -> str:
    """Full width folded to ASCII (NFKC), zero-width characters dropped."""
    return unicodedata.normalize("NFKC", ZERO_WIDTH.sub("", str(text or "")))


def plain(text, unified: bool = False) -> str:
    """How names and addresses are compared: unified, in simplified characters, without spaces."""
    return _T2S.convert(re.sub(r"\s+", "", text if unified else unify(text)))


# A group of digits (an ID number's check character may be x), and what may stand between the
# groups of one number: spaces, dashes, dots, brackets, slashes — not markup.
_GROUP = r"\d+(?:[Xx](?![0-9A-Za-z]))?"
GROUP = re.compile(_GROUP)
NUMBER = re.compile(rf"{_GROUP}(?:[\s\-\u2010-\u2015\u2212./()]{{1,3}}{_GROUP})*")
LONGEST, SHORTEST = 19, 7           # digits of a card number, of a bare local phone number

ID_SHAPE = re.compile(r"\d{17}[\dX]")
MOBILE = re.compile(r"(?:0086|86)?(1[3-9]\d{9})")
# A landline after the trunk 0 or the country code: area code 10, 2x or three digits from 3xx,
# then the 7–8-digit local number, which is the secret (the area code is a whole city's).
LANDLINE = re.compile(r"(?:(?:0086|86)0?|0)(?:10|2\d|[3-9]\d\d)([2-8]\d{6,7})")
LOCAL = re.compile(r"[2-8]\d{6,7}")
CARD = re.compile(r"[4-6]\d{12,18}")     # Visa, Mastercard, UnionPay issuer ranges

PHONE_CLAUSE = re.compile(r"(?:联系电话|联系方式|电话|座机|手机|传真)([^，,；;。]*)")
ACCOUNT_CLAUSE = re.compile(r"(?:账号|帐号|账户|卡号|银行卡|开户行)([^，,；;。]*)")
ADDRESS = re.compile(r"(?:家庭住址|居住地址|户籍地址|住址|居住地|户籍地):?([^，,；;。()]+)")
ADDRESS_TAIL = 8                    # characters: 3单元1203室, 鑫源村3组12号 — enough to tell a home

# Columns whose numbers name documents and certificates, not people.
DOCUMENT_NUMBERS = {"doc_no", "licence_no", "suspended_licence"}


def numbers(text: str) -> Iterator[tuple[str, bool, int]]:
    """Every digit string a reader could take for one number in unified text — each run of
    consecutive groups of a separated number, joined and upper-cased — with whether it is glued
    to ASCII letters before it (licence numbers are: JY14201…) and where it is."""
    for match in NUMBER.finditer(text):
        if len(match.group()) < SHORTEST:
            continue
        groups = GROUP.findall(match.group())
        before = text[match.start() - 1] if match.start() else ""
        glued = before.isascii() and before.isalpha()
        for i in range(len(groups)):
            joined = ""
            for group in groups[i:]:
                joined += group.upper()
                if len(joined) > LONGEST:
                    break
                yield joined, glued and i == 0, match.start()


def readings(number: str) -> list[str]:
    """The number, and the subscriber number inside it when it is a phone number with prefixes."""
    phone = MOBILE.fullmatch(number) or LANDLINE.fullmatch(number)
    return [number, phone[1]] if phone else [number]


def whole_numbers(text: str) -> Iterator[str]:
    """Each number in unified text with all its groups joined: 1702 0101 0400 12345 → one."""
    for match in NUMBER.finditer(text):
        yield "".join(GROUP.findall(match.group())).upper()


def _is_person_id(number: str) -> bool:
    """A valid check digit and a real birth date, as every citizen ID number has."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return is_citizen_id(number) and born <= TODAY


def given_name(name: str, catalog: Catalog) -> str:
    keep = 2 if len(name) > 2 and name[:2] in catalog.scrub["compound_surnames"] else 1
    return name[keep:]


# -- the secrets, from the source files ------------------------------------------------------------

@dataclass
class Secrets:
    numbers: dict[str, str] = field(default_factory=dict)            # digits → id | phone | card
    addresses: set[str] = field(default_factory=set)                 # home addresses, and their tails
    person_docs: set[str] = field(default_factory=set)     # document numbers of natural persons' records
    private_names: set[str] = field(default_factory=set)   # natural persons and sole-trader operators
    given_names: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # code → operator's
    public_text: list[str] = field(default_factory=list)   # what may be shown, to rule out namesakes
    sole_traders: int = 0
    spelled: Counter = field(default_factory=Counter)      # secrets written otherwise than plainly
    # kind → record_key of the records whose free text holds such a secret written otherwise
    # than plainly (every home address counts: no plain form of one is safe)
    carriers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def of_kind(self, kind: str) -> set[str]:
        return {n for n, k in self.numbers.items() if k == kind}

    def add_number(self, kind: str, digits: str, raw: str = "") -> bool:
        """Add a secret number; whether `raw`, the text it was read from, spells it otherwise
        than as its digits standing alone."""
        self.numbers.setdefault(digits, kind)
        spelled = bool(raw) and not re.search(rf"(?<![0-9A-Za-z]){digits}(?![0-9A-Za-z])", raw, re.IGNORECASE)
        self.spelled[kind] += spelled
        return spelled

    def finalize(self) -> None:
        """Drop names, addresses and document numbers that legitimately appear in public text
        (namesakes)."""
        public = "\n".join(self.public_text)
        self.private_names = {n for n in self.private_names if len(n) >= 2 and n not in public}
        self.person_docs = {d for d in self.person_docs if d and d not in public}
        self.addresses = {a for a in self.addresses if a not in public}
        self.given_names = {code: {g for g in names if g not in public} for code, names in self.given_names.items()}


def read_secrets(sample_dir: Path, catalog: Catalog) -> Secrets:
    """The secrets of every row ingest accepts: a rejected row is never stored, so what only it
    tells (who runs a shop, say) the portal cannot know to mask."""
    manifest = json.loads((sample_dir / "manifest.json").read_text(encoding="utf-8"))
    rejected = {(b["file"], b["line"]) for b in manifest["bad_rows"]}
    secrets = Secrets()
    for path in expand([str(sample_dir)]):
        headers, rows = headers_and_rows(path, Settings().ingest_max_field)
        kind_name = catalog.detect_kind(headers)
        if kind_name is None:
            continue
        matched = catalog.kinds[kind_name].match_headers(headers)
        columns = {headers[i]: col.key for i, col in matched.items()}
        code_keys = {col.key for col in matched.values() if col.type in ("uscc", "code")}
        free = {headers[i] for i, col in matched.items() if col.type == "text" and col.key not in DOCUMENT_NUMBERS}
        for line, cells in rows:
            if (path.name, line) in rejected:
                continue
            row = {columns[h]: _clean(v) for h, v in cells.items() if h in columns}
            codes = {normalize_code(row.get(k)) for k in code_keys}
            texts = [str(v) for h, v in cells.items() if h in free and v]
            _collect(secrets, kind_name, row, catalog, texts, codes)
    secrets.finalize()
    return secrets


def _clean(value) -> str:
    return re.sub(r"\s+", "", str(value or ""))


def record_key(kind: str, values: dict) -> str:
    """What names a record both in a source row and in its public document."""
    if kind == "list":
        return f"{values.get('list_name')}|{plain(values.get('subject_name'))}"
    return values.get("doc_no") or ""


def _collect(secrets: Secrets, kind: str, row: dict, catalog: Catalog, texts: list[str], codes: set[str]) -> None:
    for key in ("legal_rep_id_no", "id_no"):
        if row.get(key):
            secrets.add_number("id", normalize_code(row[key]))
    for text in texts:
        for found in _collect_text(secrets, text, codes):
            secrets.carriers[found].add(record_key(kind, row))
    subject_type = row.get("subject_type", "")
    if PERSON in subject_type:
        if kind != "list":
            secrets.person_docs.add(row.get("doc_no", ""))
            secrets.private_names.add(plain(row.get("subject_name")))
        elif catalog.natural_persons_public(row.get("list_name", "")):
            secrets.public_text.append(plain(row.get("subject_name")))
        else:
            secrets.private_names.add(plain(row.get("subject_name")))
    elif SOLE_TRADER in subject_type:
        secrets.sole_traders += 1
        for found in _collect_operator(secrets, row, catalog, texts):
            secrets.carriers[found].add(record_key(kind, row))
    elif ORGANISATION in subject_type:
        secrets.public_text.append(plain(" ".join(str(v) for k, v in row.items() if "id_no" not in k)))


def _collect_text(secrets: Secrets, raw: str, codes: set[str]) -> set[str]:
    """ID, phone and card numbers anywhere in a free-text cell; bare local phone numbers and
    account numbers after the words that introduce them; home addresses. Returns the kinds found
    spelled otherwise than plainly, and address."""
    text, found = unify(raw), {}
    for number, glued, _at in numbers(text):
        if ID_SHAPE.fullmatch(number):
            if number not in codes and _is_person_id(number):
                found[number] = "id"
        elif phone := MOBILE.fullmatch(number) or LANDLINE.fullmatch(number):
            found[phone[1]] = "phone"
        elif CARD.fullmatch(number) and not glued and number not in codes and is_luhn_valid(number):
            found[number] = "card"
    for clause in PHONE_CLAUSE.findall(text):
        found.update((n, "phone") for n in whole_numbers(clause) if LOCAL.fullmatch(n))
    for clause in ACCOUNT_CLAUSE.findall(text):
        found.update((n, "card") for n in whole_numbers(clause) if len(n) >= 8 and n.isdigit())
    spelled = {kind for digits, kind in found.items() if secrets.add_number(kind, digits, raw)}
    addresses = [a for a in map(plain, ADDRESS.findall(text)) if len(a) >= ADDRESS_TAIL]
    for address in addresses:
        secrets.addresses |= {address, address[-ADDRESS_TAIL:]}
    return spelled | ({"address"} if addresses else set())


def _collect_operator(secrets: Secrets, row: dict, catalog: Catalog, texts: list[str]) -> set[str]:
    """A sole trader's operator may be named anywhere (full name), and on the trader's own
    records also by the given name alone. Returns how the row's free text names them otherwise
    than plainly: name (spaced, traditional …), given_name."""
    operator, name = plain(row.get("legal_rep")), plain(row.get("subject_name"))
    secrets.private_names.add(operator)
    if not operator and len(name) <= 4:
        secrets.private_names.add(name)
    code = normalize_code(row.get("code_uscc"))
    given = given_name(operator, catalog)
    if not (operator and code and len(given) >= 2):
        return set()
    if given not in name.replace(operator, ""):     # 王明阳 of 武汉明阳便利店: the shop's name is no leak
        secrets.given_names[code].add(given)
    found = set()
    for raw in texts:
        text = plain(raw)
        if text.count(operator) > raw.count(operator):
            found.add("name")
        if given in text.replace(operator, ""):
            found.add("given_name")
    secrets.spelled.update(found)
    return found


# -- the crawl -------------------------------------------------------------------------------------

@dataclass
class Page:
    body: str
    endpoint: str
    subject: str | None = None   # the subject the page is about (a profile, or one of its records)

    @cached_property
    def unified(self) -> str:
        return unify(self.body)

    @cached_property
    def plain(self) -> str:
        return plain(self.unified, unified=True)

    @cached_property
    def readings(self) -> dict[str, int]:
        """Every number the page shows, in every reading, → where it is."""
        found = {}
        for number, _glued, at in numbers(self.unified):
            for digits in readings(number):
                found.setdefault(digits, at)
        return found


@dataclass
class Crawl:
    pages: dict[str, Page]
    routes: set[str]             # endpoints of every public page and API answer of the portal
    records: set[str]            # record_key of every public record


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def internal_links(url: str, html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    links = []
    for href in parser.hrefs:
        target = urljoin(url, href.split("#")[0])
        parts = urlsplit(target)
        # Credit reports (PDF) are crawled for a share of the subjects (report_urls): each costs a layout.
        if not parts.netloc and target.startswith("/") and not target.startswith("/static/") \
                and not parts.path.endswith("/report.pdf"):
            links.append(target)
    return links


def api_links(url: str, data) -> list[str]:
    """Where an API answer points: the rest of a profile section, and the next page through the
    `after` cursor (followed from first pages only, to keep the crawl short)."""
    if not isinstance(data, dict):
        return []
    links = [u for u in (data.get("more") or {}).values() if u]
    if data.get("next") and "after=" not in url:
        links.append(f"{url}{'&' if '?' in url else '?'}{urlencode({'after': data['next']})}")
    return links


def all_subject_codes(index) -> list[str]:
    codes, after = [], None
    while True:
        page = index.search_subjects(SubjectQuery(size=100, after=after, today=TODAY))
        codes += [hit.doc["code"] for hit in page.hits]
        if not page.next_after:
            return codes
        after = page.next_after


def all_records(index) -> list[dict]:
    docs, after = [], None
    while True:
        page = index.search_records(RecordQuery(size=100, after=after, today=TODAY))
        docs += [hit.doc for hit in page.hits]
        if not page.next_after:
            return docs
        after = page.next_after


def _url(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def seed_urls(codes: list[str], records: list[dict], catalog: Catalog) -> list[str]:
    """Every page and API answer about every subject and record, the lists and searches with
    each filter, and the service endpoints; the crawl follows their links from there."""
    urls = ["/", "/healthz", "/api/v1/openapi.json"]
    urls += [u for c in codes for u in (f"/subjects/{c}", f"/api/v1/subjects/{c}")]
    urls += [u for r in records for u in (f"/records/{r['id']}", f"/api/v1/records/{r['id']}")]
    return urls + list_urls(records, catalog) + search_urls(records)


def _date_range() -> dict[str, str]:
    return {"date_from": (TODAY - timedelta(days=730)).isoformat(), "date_to": TODAY.isoformat()}


def list_urls(records: list[dict], catalog: Catalog) -> list[str]:
    urls = []
    for slug, list_type in catalog.list_types.items():
        department = next(r["department"] for r in records if r["list_type"] == slug)
        filters = [{}, {"department": department}, {"region": "420100"}, _date_range()]
        filters += [{"list_name": n} for n, spec in catalog.list_names.items() if spec["type"] == list_type]
        urls += [_url(f"/lists/{slug}", **f) for f in filters]
        urls += [_url(f"/api/v1/lists/{slug}", size=100, **f) for f in filters]
        urls += [_url(f"/api/v1/lists/{slug}", size=2), _url(f"/api/v1/lists/{slug}", facets="true")]
    return urls


def search_urls(records: list[dict]) -> list[str]:
    names = [r["subject_name"][:4] for r in records[::5]]
    department = records[0]["department"]
    filters = [{"department": department}, {"region": "420100", **_date_range()}]
    urls = [_url("/search", q=q) for q in names[::5]]
    urls += [_url("/search", q=q, kind=k) for q in names[::20] for k in KINDS]
    urls += [_url("/search", **f) for f in filters]
    urls += [_url("/api/v1/search", q=q, size=100) for q in names]
    urls += [_url("/api/v1/search", q=q, kind=k, size=100) for q in names[::10] for k in KINDS]
    urls += [_url("/api/v1/search", size=100, **f) for f in [*filters, *({"kind": k} for k in KINDS)]]
    return urls


# Subjects per kind whose records pages are crawled: those with the most records of the kind.
RECORDS_PAGES_PER_KIND = 10


def records_page_urls(pages: dict[str, Page]) -> list[str]:
    """The records pages of the subjects with the most records of each kind. A profile shows
    only the latest records; the rest are there (the API ones two at a time, so the cursor
    is used)."""
    ranked = defaultdict(list)
    for page in pages.values():
        if page.endpoint == "api.subject":
            profile = json.loads(page.body)
            for kind in KINDS:
                ranked[kind].append((profile["counts"][SECTIONS[kind]], profile["code"]))
    urls = []
    for kind, counts in ranked.items():
        for count, code in sorted(counts, reverse=True)[:RECORDS_PAGES_PER_KIND]:
            if count:
                urls += [_url(f"/subjects/{code}/records", kind=kind),
                         _url(f"/api/v1/subjects/{code}/records", kind=kind, size=2)]
    return urls


# Every how-manyth subject whose public credit report (PDF) is read, as text, by the crawl.
REPORT_EVERY = 8


def report_urls(codes: list[str]) -> list[str]:
    return [u for c in codes[::REPORT_EVERY] for u in (f"/subjects/{c}/report.pdf", f"/api/v1/subjects/{c}/report.pdf")]


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# API endpoints behind the real-name login (tests/portal/test_access.py covers what they show), and
# the institution API behind its client credentials (tests/portal/test_batch.py).
LOGIN_ONLY = {"api.me", "api.authorized_query", "api.me_repairs.eligibility",
              "api.institution.token", "api.institution.batch", "api.institution.usage"}


class Crawler:
    def __init__(self, app, owners: dict[str, str | None]):
        self.client = app.test_client()
        self.routes = app.url_map.bind("localhost")
        self.owners = owners          # record id → its subject's code
        self.pages: dict[str, Page] = {}
        self.refused: dict[str, str] = {}   # pages behind the login: what the anonymous crawler got

    def walk(self, urls: list[str]) -> None:
        queue = deque(urls)
        while queue:
            url = queue.popleft()
            if url not in self.pages and url not in self.refused:
                queue.extend(link for link in self.fetch(url) if link not in self.pages)

    def fetch(self, url: str) -> list[str]:
        """Get a page, keep it, and return its links. Pages behind the real-name login only send
        the anonymous crawler to log in (or say login is not set up), showing nothing."""
        response = self.client.get(url)
        endpoint, args = self.routes.match(urlsplit(url).path)
        if endpoint in LOGIN_ONLY or endpoint.split(".")[0] in ("account", "authorized", "admin"):
            assert response.status_code in (302, 401, 503), url
            self.refused[url] = response.get_data(as_text=True)
            return []
        assert response.status_code == 200, url
        subject = normalize_code(args["code"]) if "code" in args else self.owners.get(args.get("record_id"))
        if response.mimetype == "application/pdf":   # a credit report: its text, and where to verify it
            self.pages[url] = Page(pdf_text(response.data), endpoint, subject)
            number = response.headers["X-Report-Number"]
            return [f"/verify/{number}", f"/api/v1/verify/{number}"]
        body = response.get_data(as_text=True)
        self.pages[url] = Page(body, endpoint, subject)
        if response.mimetype == "text/html":
            return internal_links(url, body)
        return api_links(url, response.get_json())


@pytest.fixture(scope="module")
def secrets(sample_dir, catalog) -> Secrets:
    found = read_secrets(sample_dir, catalog)
    # The sample must exercise every rule, in its many spellings, or this test proves nothing.
    assert found.person_docs and found.private_names and found.sole_traders and found.addresses
    assert all(found.of_kind(kind) for kind in ("id", "phone", "card"))
    assert all(found.spelled[kind] for kind in ("id", "phone", "card", "name", "given_name")), found.spelled
    assert any(found.given_names.values())
    return found


@pytest.fixture(scope="module")
def crawl(sample_instance, catalog) -> Crawl:
    """Every public page reachable from /, every profile and record, the lists and searches with
    each filter, the records pages of the largest sections, and every API answer about them."""
    settings, _report = sample_instance
    app = portal_app(replace(settings, ratelimit_reports=NO_LIMIT))
    index = app.extensions["credit_index"]
    codes, records = all_subject_codes(index), all_records(index)
    assert len(codes) > 100 and len(records) > 300
    crawler = Crawler(app, {r["id"]: r["subject_code"] for r in records})
    crawler.walk(seed_urls(codes, records, catalog))
    crawler.walk(records_page_urls(crawler.pages))
    crawler.walk(report_urls(codes))
    behind_login = ["/account", "/authorized", "/login", "/api/v1/me", "/api/v1/me/repairs", "/admin", "/admin/subject", "/admin/staff"]
    crawler.walk(behind_login)
    assert set(crawler.refused) >= set(behind_login)
    assert not any(r["subject_name"] in body for body in crawler.refused.values() for r in records[:200])
    routes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.endpoint.split(".")[0] in ("public", "api") and rule.endpoint not in LOGIN_ONLY}
    return Crawl(crawler.pages, routes, {record_key(r["kind"], r["fields"]) for r in records})


# -- the checks ------------------------------------------------------------------------------------

def _snippet(text: str, at: int) -> str:
    return "…" + text[max(0, at - 60):at + 60].replace("\n", " ") + "…"


def _report(leaks: list[str]) -> str:
    return f"{len(leaks)} leak(s), e.g.:\n" + "\n".join(leaks[:8])


def test_crawl_covers_every_public_endpoint(crawl):
    visits = Counter(page.endpoint for page in crawl.pages.values())
    assert crawl.routes <= set(visits), f"never visited: {crawl.routes - set(visits)}"
    assert min(visits["public.subject"], visits["api.subject"]) > 100
    assert min(visits["public.record"], visits["api.record"]) > 300
    assert min(visits[e] for e in ("public.subject_records", "api.subject_records", "api.search", "public.search")) > 20
    asked = defaultdict(set)       # endpoint → query parameters it was asked with, and kinds
    for url, page in crawl.pages.items():
        for key, values in parse_qs(urlsplit(url).query).items():
            asked[page.endpoint].add(key)
            if key == "kind":
                asked[page.endpoint, "kind"].update(values)
    for endpoint in ("public.subject_records", "api.subject_records", "public.search", "api.search"):
        assert asked[endpoint, "kind"] == set(KINDS), endpoint
    filters = {"department", "region", "date_from", "date_to"}
    assert filters | {"list_name"} <= asked["public.list_page"]
    assert filters | {"list_name", "size", "after", "facets"} <= asked["api.list_entries"]
    assert filters | {"q", "page"} <= asked["public.search"]
    assert filters | {"q", "size", "after"} <= asked["api.search"]
    assert "after" in asked["api.subject_records"]


def test_public_records_carry_every_kind_of_secret(crawl, secrets):
    """Each kind of secret, in a spelling beyond the plain one, is in the source of some public
    record: else the checks below would pass for want of anything to find."""
    kinds = ("id", "phone", "card", "address", "name", "given_name")
    assert not [kind for kind in kinds if not secrets.carriers[kind] & crawl.records]


@pytest.mark.parametrize("kind", ["id", "phone", "card"])
def test_no_secret_number_anywhere(crawl, secrets, kind):
    """Citizen ID numbers, phone numbers, bank card and account numbers, however written."""
    wanted = secrets.of_kind(kind)
    leaks = [f"{url} shows {digits}: {_snippet(page.unified, at)}"
             for url, page in crawl.pages.items() for digits, at in page.readings.items() if digits in wanted]
    assert not leaks, _report(leaks)


def test_no_home_address_anywhere(crawl, secrets):
    addresses = _alternation(secrets.addresses)
    leaks = [f"{url} shows {m.group(0)}: {_snippet(page.plain, m.start())}"
             for url, page in crawl.pages.items() if (m := addresses.search(page.plain))]
    assert not leaks, _report(leaks)


def test_no_natural_person_record_anywhere(crawl, secrets):
    docs = _alternation(secrets.person_docs)
    for url, page in crawl.pages.items():
        match = docs.search(page.body)
        assert not match, f"{url} shows a natural person's record {match.group(0)}"


def test_no_private_name_unmasked_anywhere(crawl, secrets):
    names = _alternation(secrets.private_names)
    leaks = [f"{url} shows the private name {m.group(0)}: {_snippet(page.plain, m.start())}"
             for url, page in crawl.pages.items() if (m := names.search(page.plain))]
    assert not leaks, _report(leaks)


def test_no_operator_given_name_on_its_own_pages(crawl, secrets):
    """小明 alone names 张小明 on his own shop's records (elsewhere it may be anyone's)."""
    leaks = [f"{url} shows the operator's given name {given}: {_snippet(page.plain, page.plain.index(given))}"
             for url, page in crawl.pages.items() for given in secrets.given_names.get(page.subject, ())
             if given in page.plain]
    assert not leaks, _report(leaks)


def test_sole_trader_operators_appear_masked(crawl):
    masked = [page.body for url, page in crawl.pages.items() if url.startswith("/api/v1/records/")
              and '"subject_type":"个体工商户"' in page.body and '"legal_rep":' in page.body]
    assert masked and all(re.search(r'"legal_rep":"[^"*]{1,2}\*+"', body) for body in masked)


def _alternation(words: set[str]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))
