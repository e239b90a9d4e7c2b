"""The leak test: walk every public page and API answer over the generated sample and look for
what SPEC §4 says must never be shown — citizen ID numbers, phone numbers, natural persons'
records, and 个体工商户 operators' names unmasked. The secrets are read from the source files
themselves, so whatever the generator writes is checked."""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from credit.catalog import Catalog
from credit.codes import is_citizen_id, normalize_code
from credit.search import RecordQuery, SubjectQuery
from indexer.readers import expand, headers_and_rows
from tests.conftest import TODAY
from tests.portal.conftest import portal_app

PERSON, SOLE_TRADER, ORGANISATION = "自然人", "个体工商户", "法人及非法人组织"
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")


def _clean(value) -> str:
    return re.sub(r"\s+", "", str(value or ""))


@dataclass
class Secrets:
    id_numbers: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    person_docs: set[str] = field(default_factory=set)     # document numbers of natural persons' records
    private_names: set[str] = field(default_factory=set)   # natural persons and sole-trader operators
    public_text: list[str] = field(default_factory=list)   # what may be shown, to rule out namesakes
    sole_traders: int = 0

    def finalize(self) -> None:
        """Drop names and numbers that legitimately appear in public text (namesakes)."""
        public = "\n".join(self.public_text)
        self.private_names = {n for n in self.private_names if len(n) >= 2 and n not in public}
        self.person_docs = {d for d in self.person_docs if d and d not in public}


def read_secrets(sample_dir: Path, catalog: Catalog) -> Secrets:
    secrets = Secrets()
    for path in expand([str(sample_dir)]):
        headers, rows = headers_and_rows(path)
        kind_name = catalog.detect_kind(headers)
        if kind_name is None:
            continue
        matched = catalog.kinds[kind_name].match_headers(headers)
        columns = {headers[i]: col.key for i, col in matched.items()}
        code_keys = {col.key for col in matched.values() if col.type in ("uscc", "code")}
        for _line, cells in rows:
            row = {columns[h]: _clean(v) for h, v in cells.items() if h in columns}
            codes = {normalize_code(row.get(k)) for k in code_keys}
            _collect(secrets, kind_name, row, catalog, " ".join(str(v) for v in cells.values()), codes)
    secrets.finalize()
    return secrets


def _collect(secrets: Secrets, kind: str, row: dict, catalog: Catalog, raw: str, codes: set[str]) -> None:
    for key in ("legal_rep_id_no", "id_no"):
        if row.get(key):
            secrets.id_numbers.add(normalize_code(row[key]))
    # ID numbers written into free text (an all-digit credit code or licence number is not one).
    secrets.id_numbers.update(n for n in (m.upper() for m in ID_NUMBER.findall(raw))
                              if n not in codes and _is_person_id(n))
    secrets.phones.update(re.sub(r"\D", "", m) for m in MOBILE.findall(raw))
    subject_type = row.get("subject_type", "")
    if PERSON in subject_type:
        if kind != "list":
            secrets.person_docs.add(row.get("doc_no", ""))
            secrets.private_names.add(row.get("subject_name", ""))
        elif catalog.natural_persons_public(row.get("list_name", "")):
            secrets.public_text.append(row.get("subject_name", ""))
        else:
            secrets.private_names.add(row.get("subject_name", ""))
    elif SOLE_TRADER in subject_type:
        secrets.sole_traders += 1
        secrets.private_names.add(row.get("legal_rep", ""))
        if not row.get("legal_rep") and len(row.get("subject_name", "")) <= 4:
            secrets.private_names.add(row["subject_name"])
    elif ORGANISATION in subject_type:
        secrets.public_text.append(" ".join(str(v) for k, v in row.items() if "id_no" not in k))


def _is_person_id(number: str) -> bool:
    """A valid check digit and a real birth date, as every citizen ID number has."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return is_citizen_id(number) and born <= TODAY


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
        if not parts.netloc and target.startswith("/") and not target.startswith("/static/"):
            links.append(target)
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


@pytest.fixture(scope="module")
def secrets(sample_dir, catalog) -> Secrets:
    found = read_secrets(sample_dir, catalog)
    # The sample must exercise every rule, or this test proves nothing.
    assert found.id_numbers and found.phones and found.person_docs and found.private_names and found.sole_traders
    return found


@pytest.fixture(scope="module")
def crawl(sample_instance):
    """{url: body} of every public page reachable from /, every profile, every record and every
    API answer about them."""
    settings, _report = sample_instance
    app = portal_app(settings)
    client = app.test_client()
    index = app.extensions["credit_index"]
    codes, records = all_subject_codes(index), all_records(index)
    assert len(codes) > 100 and len(records) > 300
    seeds = (["/", "/lists/red", "/lists/black", "/lists/focus"] + [f"/subjects/{c}" for c in codes]
             + [f"/records/{r['id']}" for r in records])
    api = ([f"/api/v1/subjects/{c}" for c in codes] + [f"/api/v1/records/{r['id']}" for r in records]
           + [f"/api/v1/lists/{t}?size=100" for t in ("red", "black", "focus")]
           + [f"/api/v1/search?q={r['subject_name'][:4]}&size=100" for r in records[::5]])
    searches = [f"/search?q={r['subject_name'][:4]}" for r in records[::25]]
    pages: dict[str, str] = {}
    queue = deque(seeds + searches + api)
    while queue:
        url = queue.popleft()
        if url in pages:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.get_data(as_text=True)
        if response.mimetype == "text/html":
            queue.extend(link for link in internal_links(url, pages[url]) if link not in pages)
    return pages


def _alternation(words: set[str]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def test_crawl_covers_the_site(crawl):
    assert any(u.startswith("/search?") for u in crawl)
    assert all(f"/lists/{slug}" in crawl for slug in ("red", "black", "focus"))
    assert sum(u.startswith("/api/v1/") for u in crawl) > 400


def test_no_citizen_id_number_anywhere(crawl, secrets):
    for url, body in crawl.items():
        found = {m.upper() for m in ID_NUMBER.findall(body)} & secrets.id_numbers
        assert not found, f"{url} shows ID number(s) {found}"


def test_no_phone_number_anywhere(crawl, secrets):
    for url, body in crawl.items():
        found = {re.sub(r"\D", "", m) for m in MOBILE.findall(body)} & secrets.phones
        assert not found, f"{url} shows phone number(s) {found}"


def test_no_natural_person_record_anywhere(crawl, secrets):
    docs = _alternation(secrets.person_docs)
    for url, body in crawl.items():
        match = docs.search(body)
        assert not match, f"{url} shows a natural person's record {match.group(0)}"


def test_no_private_name_unmasked_anywhere(crawl, secrets):
    names = _alternation(secrets.private_names)
    for url, body in crawl.items():
        match = names.search(body)
        assert not match, f"{url} shows the private name {match.group(0)}: …{body[max(0, match.start() - 80):match.end() + 40]}…"


def test_sole_trader_operators_appear_masked(crawl):
    masked = [body for url, body in crawl.items() if url.startswith("/api/v1/records/")
              and '"subject_type":"个体工商户"' in body and '"legal_rep":' in body]
    assert masked and all(re.search(r'"legal_rep":"[^"*]{1,2}\*+"', body) for body in masked)
