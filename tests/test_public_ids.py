"""Public record ids reveal nothing and stay put (SPEC §4: an identifier is never a plain hash or
encoding of fields that are not public — an ID number's hidden birth date can be enumerated)."""
from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import math
import re
from collections import Counter
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from credit.db import session_factory
from credit.models import Record
from credit.search import RecordQuery, open_index
from indexer.__main__ import cmd_reindex
from tests import leakgen
from tests.conftest import TODAY, ingest_into, make_settings, walk
from tests.leakgen import ORG, PERSON, SOLE_TRADER
from tests.portal.conftest import portal_app

OLD_STYLE = re.compile(r"[0-9a-f]{20}")   # sha1(identity)[:20], as ids were made before
FIRST_BIRTH = date(1900, 1, 1)
ENTRIES_TRIED = 3
HASHES = (hashlib.md5, hashlib.sha1, hashlib.sha256, hashlib.blake2b, partial(hashlib.blake2b, digest_size=16),
          partial(hashlib.blake2b, digest_size=10))


def index_records(settings) -> list[dict]:
    index = open_index(settings)
    try:
        return [hit.doc for hit in walk(index.search_records, RecordQuery(size=100, today=TODAY))]
    finally:
        index.close()


def stored(settings) -> dict[str, tuple[str, dict]]:
    """{identity: (public id, values)} of every record in the database."""
    with session_factory(settings.database_url)() as session:
        rows = session.execute(select(Record.identity, Record.public_id, Record.values))
        return {identity: (public_id, values) for identity, public_id, values in rows}


def person_entries(records: list[dict]) -> list[dict]:
    return sorted((d for d in records if d["kind"] == "list" and d["subject_type"] == PERSON), key=lambda d: d["id"])


@pytest.fixture(scope="module")
def sample_records(sample_instance) -> list[dict]:
    return index_records(sample_instance[0])


@pytest.fixture(scope="module")
def generated_records(tmp_path_factory, catalog) -> list[dict]:
    """A data set with more natural persons on 失信被执行人 than the sample has."""
    folder = tmp_path_factory.mktemp("persons")
    settings = make_settings(folder)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CREDIT_INGEST_WORKERS", "1")
        ingest(settings, folder / "sent", catalog, [row for case in leakgen.data_set(5, 120, TODAY) for row in case.rows])
    return index_records(settings)


# -- an id cannot be rebuilt from what the entry shows plus a birth date --------------------------------

def preimages(entry: dict, head: str, tail: str) -> list[tuple[bytes, bytes]]:
    """What an id could have been a hash of, as (before, after) the birth date: the record's identity
    as indexer.validate builds it (list|source department|list name|ID number|listing date), and
    simpler variants."""
    dept, name, day = entry["department"], entry["list_name"], entry["decided_on"]
    around = [f"list|{dept}|{name}|{{}}|{day}", f"{dept}|{name}|{{}}|{day}", f"list|{dept}|{name}|{{}}",
              f"{name}|{{}}|{day}", f"{{}}|{day}", f"{dept}|{{}}", "list|{}", "{}"]
    pairs = [text.format(f"{head}\0{tail}").split("\0") for text in around]
    return [(before.encode(), after.encode()) for before, after in pairs]


def digest_prefixes(public_id: str) -> tuple[bytes, ...]:
    """The bytes a digest starts with if the id is a prefix of its hex or URL-safe base64 form."""
    prefixes = []
    if re.fullmatch(r"[0-9a-fA-F]{8,}", public_id):
        prefixes.append(bytes.fromhex(public_id[:len(public_id) // 2 * 2]))
    try:
        prefixes.append(base64.urlsafe_b64decode(public_id[:len(public_id) // 4 * 4]))
    except (ValueError, binascii.Error):
        pass
    return tuple(p for p in prefixes if len(p) >= 4)


def encodes_to(digest: bytes, public_id: str) -> bool:
    b64 = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return digest.hex().startswith(public_id.lower()) or b64.startswith(public_id)


def rebuild(entry: dict, public_id: str, first: date = FIRST_BIRTH, last: date = TODAY) -> str | None:
    """The birth date and construction that give `public_id` for this entry, or None."""
    masked = entry["fields"]["id_no"]
    pairs, targets = preimages(entry, masked[:6], masked[-4:]), digest_prefixes(public_id)
    day = first
    while targets and day <= last:
        born = f"{day:%Y%m%d}".encode()
        for before, after in pairs:
            data = before + born + after
            for make in HASHES:
                digest = make(data).digest()
                if digest.startswith(targets) and encodes_to(digest, public_id):
                    return f"{day}: {make} of {data.decode()}"
        day += timedelta(days=1)
    return None


def test_no_natural_persons_id_can_be_rebuilt_from_a_birth_date(sample_records, generated_records):
    generated = [d for d in person_entries(generated_records) if d["department"] in leakgen.DEPARTMENTS]
    entries = person_entries(sample_records)[:1] + generated[:ENTRIES_TRIED - 1]
    assert len(entries) == ENTRIES_TRIED, "natural persons' list entries to try"
    for entry in entries:
        assert entry["fields"]["id_no"][6:14] == "********" and digest_prefixes(entry["id"])
        assert rebuild(entry, entry["id"]) is None, entry


def test_the_enumeration_rebuilds_ids_made_the_old_way(sample_instance, sample_records):
    """The search above would find a hash of the identity: it tries the real construction."""
    entry = person_entries(sample_records)[0]
    records = stored(sample_instance[0])
    identity, (_id, values) = next((k, v) for k, v in records.items() if v[0] == entry["id"])
    number = values["id_no"]
    born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    old_hex = hashlib.sha1(identity.encode()).hexdigest()[:20]
    old_b64 = base64.urlsafe_b64encode(hashlib.sha256(identity.encode()).digest()).decode()[:16]
    for old in (old_hex, old_b64):
        assert rebuild(entry, old, born - timedelta(days=3), born + timedelta(days=3))


# -- ids are random, unique and carry nothing ----------------------------------------------------------

def _common_prefix(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def test_public_ids_are_random_looking_and_unique(sample_records):
    ids = [d["id"] for d in sample_records]
    assert len(ids) > 300 and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16,64}", i) for i in ids)
    assert not [i for i in ids if OLD_STYLE.fullmatch(i)]
    alphabet = Counter("".join(ids))
    assert min(map(len, ids)) * math.log2(len(alphabet)) >= 64, "too few random bits"
    assert max(alphabet.values()) < 3 * sum(alphabet.values()) / len(alphabet), "characters far from uniform"
    ordered = sorted(ids)
    assert max(_common_prefix(a, b) for a, b in zip(ordered, ordered[1:])) <= 5


def test_public_ids_hold_nothing_the_record_shows(sample_records):
    for doc in sample_records:
        shown = [doc["decided_on"].replace("-", ""), doc.get("subject_code") or ""]
        masked = doc["fields"].get("id_no", "")
        if "*" in masked:
            shown += [masked[:6], masked.rsplit("*", 1)[-1]]
        assert not [s for s in shown if s and s in doc["id"]], doc


# -- ids stay put ----------------------------------------------------------------------------------------

def rows(facts: str = "发布虚假广告", reason: str = "拒不履行生效法律文书确定的义务") -> list[tuple[str, dict]]:
    """An organisation's penalty, a natural person's entry on 失信被执行人 and a sole trader's licence."""
    dept = leakgen.DEPARTMENTS[0]
    code = leakgen.DEPT_CODES[dept]
    day = (TODAY - timedelta(days=20)).isoformat()
    return [
        ("penalty", {"subject_name": "武汉恒通商贸有限公司", "subject_type": ORG, "code_uscc": leakgen.LEGIT_USCC,
                     "doc_no": "武市监罚〔2026〕7号", "violation_type": "虚假宣传", "facts": facts,
                     "basis": "《广告法》第五十五条", "penalty_types": "罚款", "content": "罚款人民币一万元",
                     "decided_on": day, "authority": dept, "authority_code": code, "source_dept": dept,
                     "source_dept_code": code}),
        ("list", {"list_type": "黑名单", "list_name": "失信被执行人", "subject_name": "王建新", "subject_type": PERSON,
                  "id_no": leakgen.with_id_check("42010219800307123"), "reason": reason,
                  "basis": leakgen.LIST_BASES[1], "authority": "武汉市中级人民法院", "decided_on": day,
                  "source_dept": "武汉市中级人民法院"}),
        ("licence", {"subject_name": "洪山区恒通便利店", "subject_type": SOLE_TRADER, "legal_rep": "张小明",
                     "code_uscc": leakgen.uscc("92", "420111", "MA4K3B7C9"), "doc_name": "食品经营许可决定书",
                     "doc_no": "鄂许〔2026〕1号", "licence_category": "普通", "content": "预包装食品销售",
                     "decided_on": day, "valid_from": day, "valid_to": (TODAY + timedelta(days=900)).isoformat(),
                     "authority": dept, "authority_code": code, "status": "有效", "source_dept": dept,
                     "source_dept_code": code}),
    ]


def ingest(settings, folder: Path, catalog, source: list[tuple[str, dict]]) -> None:
    leakgen.write_csvs(folder, [leakgen.Case("", source, [])], catalog)
    report = ingest_into(settings, [str(folder)])
    assert report.total("rejected") == 0, report.rejections


def reindex(settings, monkeypatch) -> None:
    """What `python -m indexer reindex` runs, against this instance."""
    monkeypatch.setenv("CREDIT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CREDIT_SEARCH_URL", settings.search_url)
    assert cmd_reindex(argparse.Namespace(quiet=True)) == 0


def shown(settings) -> dict[str, tuple]:
    return {d["id"]: (d["kind"], d["title"], d["subject_name"]) for d in index_records(settings)}


@pytest.fixture()
def one_worker(monkeypatch):
    monkeypatch.setenv("CREDIT_INGEST_WORKERS", "1")


def test_ids_survive_reindex_and_corrections(tmp_path, catalog, monkeypatch, one_worker):
    settings = make_settings(tmp_path)
    ingest(settings, tmp_path / "sent", catalog, rows())
    before, ids = shown(settings), {k: v[0] for k, v in stored(settings).items()}
    assert len(before) == 3

    reindex(settings, monkeypatch)
    assert shown(settings) == before

    ingest(settings, tmp_path / "corrected", catalog, rows(facts="发布虚假广告，情节较轻", reason="拒不履行还款义务"))
    assert {k: v[0] for k, v in stored(settings).items()} == ids
    after = {d["kind"]: d for d in index_records(settings)}
    assert {d["id"] for d in after.values()} == set(before)
    assert after["penalty"]["fields"]["facts"] == "发布虚假广告，情节较轻"
    assert after["list"]["fields"]["reason"] == "拒不履行还款义务"

    reindex(settings, monkeypatch)
    assert set(shown(settings)) == set(before)


def test_the_same_rows_get_other_ids_in_another_instance(tmp_path, catalog, one_worker):
    """An id is not a function of the record's content, salted or not."""
    first, second = make_settings(tmp_path / "a"), make_settings(tmp_path / "b")
    for settings in (first, second):
        ingest(settings, tmp_path / "sent", catalog, rows())
    assert len(shown(first)) == 3 and not set(shown(first)) & set(shown(second))


# -- old ids are gone -------------------------------------------------------------------------------------

def test_an_old_style_id_answers_a_clean_404(sample_instance, sample_records):
    settings = sample_instance[0]
    public_id = sample_records[0]["id"]
    identity = next(k for k, (i, _values) in stored(settings).items() if i == public_id)
    client = portal_app(settings).test_client()
    assert client.get(f"/records/{public_id}").status_code == 200
    assert client.get(f"/api/v1/records/{public_id}").status_code == 200
    for old in (hashlib.sha1(identity.encode()).hexdigest()[:20], "0123456789abcdef0123"):
        page = client.get(f"/records/{old}")
        assert page.status_code == 404 and page.mimetype == "text/html"
        answer = client.get(f"/api/v1/records/{old}")
        assert answer.status_code == 404 and answer.is_json
        body = answer.get_json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
        assert all(isinstance(v, str) and v for v in body["error"].values())
