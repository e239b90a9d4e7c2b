"""The query log: a hash chain that names every edited, deleted, inserted or reordered entry, kept
append-only by the database, serialized across processes, and pruned only past the retention.
Tampering is done as an attacker with database access would: raw SQL with the triggers out of the way."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, exc, inspect, select, text

from credit import querylog
from credit.config import SettingsError
from credit.db import MIGRATIONS, engine_for, migrate, session_factory
from credit.querylog import GENESIS, ChainBroken, QueryLogEntry, QueryLogHead
from tests.test_cli import ROOT, indexer

NOW = datetime.now(timezone.utc)
YEARS_AGO = {n: NOW - timedelta(days=366 * n) for n in (3, 7)}


# -- databases -------------------------------------------------------------------------------------

def sqlite_url(folder) -> str:
    return f"sqlite:///{folder / 'credit.sqlite3'}"


def fresh_postgres(server_url: str) -> str:
    """A new, empty database on the test server, so each test starts from an empty log."""
    name = f"ql_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    """A migrated database of each kind (PostgreSQL tests skip when it is not installed)."""
    found = sqlite_url(tmp_path) if request.param == "sqlite" else fresh_postgres(request.getfixturevalue("postgres_url"))
    migrate(found)
    return found


def add(url: str, n: int = 1, *, querier="91420100MA4KXXXX1A", subject="91420100MA4KYYYY2B", **fields) -> list[QueryLogEntry]:
    """n entries, each in its own transaction as the portal writes them."""
    values = {"querier_name": "某银行武汉分行", "how": "code", "subject_name": "某某科技有限公司", "items": ["r1", "r2"],
              "address": "203.0.113.7", "code_id": 3, "reason": "贷款审批", **fields}
    made = []
    with session_factory(url)() as session:
        for _ in range(n):
            made.append(querylog.append(session, querier_id=querier, subject_key=subject, **values))
            session.commit()
    return made


def entries(url: str) -> list[QueryLogEntry]:
    with session_factory(url)() as session:
        return list(session.scalars(select(QueryLogEntry).order_by(QueryLogEntry.seq)))


def check(url: str) -> querylog.Check:
    with session_factory(url)() as session:
        return querylog.check(session)


def label(url: str, seq: int) -> str:
    with session_factory(url)() as session:
        return f"第 {seq} 条（id {session.scalar(select(QueryLogEntry.id).where(QueryLogEntry.seq == seq))}）"


def attack(url: str, *statements: str, **params) -> None:
    """Raw SQL as someone with direct access to the database: the triggers disabled (PostgreSQL) or
    dropped (SQLite) for the statements, then put back."""
    engine = create_engine(url)
    with engine.begin() as conn:
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("ALTER TABLE query_log DISABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE query_log_head DISABLE TRIGGER USER")
        else:
            triggers = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
            for name, _sql in triggers:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
        for statement in statements:
            conn.execute(text(statement), params)
        if postgres:
            conn.exec_driver_sql("ALTER TABLE query_log ENABLE TRIGGER USER")
            conn.exec_driver_sql("ALTER TABLE query_log_head ENABLE TRIGGER USER")
        else:
            for _name, sql in triggers:
                conn.exec_driver_sql(sql)
    engine.dispose()


def recomputed(entry) -> str:
    """The hash as an auditor computes it from the module docstring, without the module's code."""
    fields = {name: getattr(entry, name) for name in ("seq", "prev_hash", "querier_id", "querier_name", "how", "subject_key",
                                                      "subject_name", "items", "address", "code_id", "reason", "times")}
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=timezone.utc)
    fields["at"] = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


# -- the chain -------------------------------------------------------------------------------------

def test_many_appends_make_one_chain_that_verifies(url):
    with session_factory(url)() as session:   # several entries in one transaction, too
        for n in range(30):
            querylog.append(session, querier_id=f"Q{n % 3}", querier_name=f"查询人{n % 3}", how=querylog.HOWS[n % 4],
                            subject_key=f"S{n % 2}", subject_name=f"主体{n % 2}", items=[f"p{n}"],
                            address=None if n % 5 else "2001:db8::1", code_id=None if n % 2 else n, reason=f"事由{n}")
            if n % 4 == 3:
                session.commit()
        session.commit()
    add(url, 10)
    log = entries(url)
    assert [e.seq for e in log] == list(range(1, 41))
    assert [e.prev_hash for e in log] == [GENESIS] + [e.hash for e in log[:-1]]
    assert all(e.hash == recomputed(e) for e in log)
    assert log[0].items == ["p0"] and log[5].address == "2001:db8::1" and log[4].code_id == 4 and log[3].code_id is None
    result = check(url)
    assert (result.problems, result.checked, result.head_seq, result.head_hash) == ([], 40, 40, log[-1].hash)

    with session_factory(url)() as session:
        reads = querylog.reads_of(session, "S1", limit=5)
    assert [e.seq for e in reads] == [30, 28, 26, 24, 22]
    assert {(e.subject_key, e.subject_name) for e in reads} == {("S1", "主体1")}


def test_canonical_form_is_sorted_json_in_utc(tmp_path):
    url = sqlite_url(tmp_path)
    migrate(url)
    at = datetime(2026, 3, 1, 8, 30, 0, 5, tzinfo=timezone(timedelta(hours=8)))
    [entry] = add(url, querier="Q", subject="S", querier_name="张三", subject_name="某公司", items=["a", "b"], address=None,
                  code_id=None, reason="本人查询", how="self", at=at)
    assert querylog.canonical(entry).decode() == (
        '{"address":null,"at":"2026-03-01T00:30:00.000005Z","code_id":null,"how":"self","items":["a","b"],'
        f'"prev_hash":"{GENESIS}","querier_id":"Q","querier_name":"张三","reason":"本人查询","seq":1,'
        '"subject_key":"S","subject_name":"某公司","times":1}')
    [stored] = entries(url)
    assert stored.hash == entry.hash == recomputed(stored)


def test_times_counts_queries_per_querier_and_subject(tmp_path):
    url = sqlite_url(tmp_path)
    migrate(url)
    pairs = [("A", "X"), ("A", "X"), ("B", "X"), ("A", "Y"), ("A", "X"), ("B", "X"), ("X", "X")]
    for querier, subject in pairs:
        add(url, querier=querier, subject=subject)
    assert [(e.querier_id, e.subject_key, e.times) for e in entries(url)] == [
        ("A", "X", 1), ("A", "X", 2), ("B", "X", 1), ("A", "Y", 1), ("A", "X", 3), ("B", "X", 2), ("X", "X", 1)]


def test_times_counts_reads_apart_from_the_same_staffs_actions(tmp_path):
    """A reviewer's actions on a subject's objection are entries of the chain keyed to the subject too,
    but no reads: the subject's "who looked" must say a second read is the second, not the fifth."""
    url = sqlite_url(tmp_path)
    migrate(url)
    for how in ("staff", "action", "action", "action", "staff", "action"):
        add(url, querier="R", subject="X", how=how)
    assert [(e.how, e.times) for e in entries(url)] == [
        ("staff", 1), ("action", 1), ("action", 2), ("action", 3), ("staff", 2), ("action", 4)]


def test_an_entry_is_written_with_the_callers_transaction_or_not_at_all(tmp_path):
    url = sqlite_url(tmp_path)
    migrate(url)
    with session_factory(url)() as session:
        querylog.append(session, querier_id="Q", querier_name="甲", how="code", subject_key="S", subject_name="乙",
                        items=["r"], address=None, code_id=1, reason="贷款审批")
        session.rollback()   # the read it records failed: no entry, and the head did not move
        with pytest.raises(ValueError, match="how must be one of"):
            querylog.append(session, querier_id="Q", querier_name="甲", how="friend", subject_key="S", subject_name="乙",
                            items=[], address=None, code_id=None, reason="")
    assert entries(url) == []
    [entry] = add(url)
    assert (entry.seq, entry.prev_hash, entry.times) == (1, GENESIS, 1)
    assert check(url).problems == []


# -- tampering -------------------------------------------------------------------------------------

def test_edited_field_is_named(url):
    add(url, 8)
    attack(url, "UPDATE query_log SET querier_name = '别的机构' WHERE seq = 4")
    assert check(url).problems == [f"{label(url, 4)}：内容与哈希不符（被改动）"]


def test_edit_with_its_hash_recomputed_is_named_by_the_next_entry(url):
    add(url, 8)
    forged = entries(url)[3]
    forged.reason = "日常查询"
    attack(url, "UPDATE query_log SET reason = :reason, hash = :hash WHERE seq = 4", reason=forged.reason, hash=recomputed(forged))
    assert check(url).problems == [f"{label(url, 5)}：前一哈希与第 4 条的哈希不符（第 4 条被替换，或条目被插入、调换）"]


def test_deleted_middle_entry_is_named(url):
    add(url, 8)
    attack(url, "DELETE FROM query_log WHERE seq = 4")
    assert check(url).problems == [f"第 4 条缺失（被删除），缺口在{label(url, 5)}之前"]


def test_deleted_last_entries_are_named(url):
    add(url, 8)
    attack(url, "DELETE FROM query_log WHERE seq >= 7")
    assert check(url).problems == ["第 7 至 8 条缺失：链头记录到第 8 条，日志只到第 6 条（末尾被删除）"]
    attack(url, "DELETE FROM query_log")
    assert check(url).problems == ["第 1 至 8 条缺失：链头记录到第 8 条，日志只到第 0 条（末尾被删除）"]


def test_entries_swapped_between_rows_are_named(url):
    """Two rows exchange their whole contents: the chain read by seq is whole, but not the order written."""
    add(url, 4, querier="A")
    add(url, 4, querier="B")
    first, second = (e.id for e in entries(url)[3:5])
    attack(url, f"UPDATE query_log SET id = -1 WHERE id = {first}", f"UPDATE query_log SET id = {first} WHERE id = {second}",
           f"UPDATE query_log SET id = {second} WHERE id = -1")
    assert check(url).problems == [f"第 5 条（id {first}）：写入早于前一条第 4 条（id {second}）（条目被插入或调换了顺序）"]


def test_entries_swapped_in_the_chain_are_named(url):
    """Entries 4 and 5 exchange everything but their place in the chain."""
    add(url, 4, querier="A")
    add(url, 4, querier="B")
    columns = [c for c in inspect(engine_for(url)).get_columns("query_log") if c["name"] not in ("id", "seq")]
    swap = ", ".join(f"{c['name']} = o.{c['name']}" for c in columns)
    attack(url, "CREATE TABLE old_log AS SELECT * FROM query_log",
           f"UPDATE query_log SET {swap} FROM old_log AS o WHERE o.seq = 9 - query_log.seq AND query_log.seq IN (4, 5)",
           "DROP TABLE old_log")
    assert [e.querier_id for e in entries(url)][2:6] == ["A", "B", "A", "B"]
    assert check(url).problems == [
        f"{label(url, 4)}：内容与哈希不符（被改动）",
        f"{label(url, 4)}：前一哈希与第 3 条的哈希不符（第 3 条被替换，或条目被插入、调换）",
        f"{label(url, 5)}：内容与哈希不符（被改动）",
        f"{label(url, 5)}：前一哈希与第 4 条的哈希不符（第 4 条被替换，或条目被插入、调换）",
        f"{label(url, 6)}：前一哈希与第 5 条的哈希不符（第 5 条被替换，或条目被插入、调换）"]


def test_forged_entry_appended_past_the_head_is_named(url):
    """A well-formed entry (the hash computed as the docstring says) added without moving the head."""
    [*_, last] = add(url, 6)
    forged = QueryLogEntry(seq=7, prev_hash=last.hash, at=NOW, querier_id="Q", querier_name="冒名", how="code",
                           subject_key=last.subject_key, subject_name=last.subject_name, items=["x"], address=None,
                           code_id=None, reason="贷款审批", times=1)
    attack(url, "INSERT INTO query_log (seq, at, querier_id, querier_name, how, subject_key, subject_name, items, address, code_id,"
                " reason, times, prev_hash, hash) VALUES (7, :at, 'Q', '冒名', 'code', :key, :name, '[\"x\"]', NULL, NULL,"
                " '贷款审批', 1, :prev, :hash)",
           at=NOW.strftime("%Y-%m-%d %H:%M:%S.%f") if url.startswith("sqlite") else NOW, key=last.subject_key, name=last.subject_name,
           prev=last.hash, hash=recomputed(forged))
    assert [e.hash == recomputed(e) for e in entries(url)] == [True] * 7
    assert check(url).problems == ["第 7 条在链头记录（第 6 条）之后（被插入）"]


def test_forged_entry_inserted_in_the_middle_is_named(url):
    """Entries from 4 on renumbered to make room, and a forged entry 4 chained to entry 3."""
    log = add(url, 6)
    forged = QueryLogEntry(**{name: getattr(log[3], name) for name in querylog.FIELDS})
    forged.querier_name = "冒名"
    attack(url, "UPDATE query_log SET seq = seq + 100 WHERE seq >= 4", "UPDATE query_log SET seq = seq - 99 WHERE seq >= 100",
           "INSERT INTO query_log (seq, at, querier_id, querier_name, how, subject_key, subject_name, items, address, code_id,"
           " reason, times, prev_hash, hash) SELECT 4, at, querier_id, '冒名', how, subject_key, subject_name, items, address,"
           " code_id, reason, times, prev_hash, :hash FROM query_log WHERE seq = 5", hash=recomputed(forged))
    problems = check(url).problems
    assert f"{label(url, 5)}：写入早于前一条第 4 条（id {entries(url)[3].id}）（条目被插入或调换了顺序）" in problems
    assert f"{label(url, 5)}：内容与哈希不符（被改动）" in problems
    assert f"{label(url, 5)}：前一哈希与第 4 条的哈希不符（第 4 条被替换，或条目被插入、调换）" in problems
    assert problems[-1] == "第 7 条在链头记录（第 6 条）之后（被插入）"
    assert not any(p.startswith(label(url, n)) for p in problems for n in (1, 2, 3, 4))


def test_moved_head_is_named(url):
    add(url, 3)
    attack(url, "UPDATE query_log_head SET hash = :fake", fake="f" * 64)
    assert check(url).problems == [f"{label(url, 3)}：哈希与链头记录不符（末条被替换）"]
    attack(url, "DELETE FROM query_log_head")
    assert check(url).problems == ["链头记录（query_log_head）缺失：无法确认日志末尾是否完整"]


# -- append-only -----------------------------------------------------------------------------------

def test_database_refuses_update_and_delete(url):
    add(url, 3)
    engine = create_engine(url)
    refused = [
        "UPDATE query_log SET reason = '改' WHERE seq = 2",
        "DELETE FROM query_log WHERE seq = 3",
        "DELETE FROM query_log",
        "DELETE FROM query_log_head",
        "UPDATE query_log_head SET seq = 1",
        "UPDATE query_log_head SET seq = seq + 5",
        "UPDATE query_log_head SET anchor_seq = 0",
    ]
    if engine.dialect.name == "postgresql":
        refused += ["TRUNCATE query_log", "TRUNCATE query_log_head",
                    # the pruning switch alone does not open the chain: only entries before the anchor may go
                    "SELECT set_config('credit.pruning', 'on', true); DELETE FROM query_log WHERE seq = 1",
                    "UPDATE query_log_head SET anchor_seq = 2"]   # moving the anchor is pruning's alone
    for statement in refused:
        with pytest.raises(exc.DBAPIError, match="查询日志") as caught, engine.begin() as conn:
            for part in statement.split("; "):
                conn.execute(text(part))
        assert ("链头只能随追加和清理向前移动" if "query_log_head SET" in statement else "只能追加，不能修改或删除") in str(caught.value)
    engine.dispose()
    with session_factory(url)() as session:
        entry = session.scalar(select(QueryLogEntry).where(QueryLogEntry.seq == 2))
        entry.reason = "改"
        with pytest.raises(PermissionError, match="第 2 条"):
            session.commit()
        session.rollback()
        session.delete(session.scalar(select(QueryLogEntry).where(QueryLogEntry.seq == 1)))
        with pytest.raises(PermissionError, match="第 1 条"):
            session.commit()
    assert [(e.seq, e.reason) for e in entries(url)] == [(1, "贷款审批"), (2, "贷款审批"), (3, "贷款审批")]
    assert check(url).problems == []


# -- concurrency -----------------------------------------------------------------------------------

WRITER = """
import sys, time
from pathlib import Path
from sqlalchemy import select
from credit import querylog
from credit.db import session_factory
url, name, go, n = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
make = session_factory(url)
with make() as session:
    session.execute(select(1))
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
for i in range(n):
    with make() as session:
        querylog.append(session, querier_id="Q", querier_name=name, how="code", subject_key="S", subject_name="主体",
                        items=[str(i)], address=None, code_id=None, reason="并发")
        session.commit()
    time.sleep(0.002)   # outside the lock, as between two page views: the other writer's turn
"""


def test_concurrent_appends_from_processes_make_one_chain(url, tmp_path):
    go, n = tmp_path / "go", 150
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, name, str(go), str(n)], cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("甲", "乙")]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
    go.touch()
    for writer in writers:
        _out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    log = entries(url)
    assert [e.seq for e in log] == list(range(1, 2 * n + 1))
    assert [e.times for e in log] == list(range(1, 2 * n + 1))   # read under the same lock: no count taken twice
    names = [e.querier_name for e in log]
    assert names.count("甲") == names.count("乙") == n
    assert sum(a != b for a, b in zip(names, names[1:])) > 10   # the writers did take turns
    result = check(url)
    assert (result.problems, result.checked) == ([], 2 * n)


# -- retention -------------------------------------------------------------------------------------

def test_prune_removes_only_entries_past_retention_and_the_chain_still_verifies(url):
    add(url, 4, querier="A", at=YEARS_AGO[7])
    add(url, 1, querier="B", at=YEARS_AGO[7])
    add(url, 3, querier="A", at=YEARS_AGO[3])
    add(url, 2, querier="C", at=NOW)
    with session_factory(url)() as session:
        assert querylog.prune(session, querylog.retention_cutoff(5)) == 5
        session.commit()
        assert querylog.prune(session, querylog.retention_cutoff(5)) == 0   # nothing left past it
        session.commit()
        head = session.get(QueryLogHead, 1)
    assert (head.seq, head.anchor_seq) == (11, 6)   # 11: the prune's own entry, naming the anchor
    log = entries(url)
    assert [e.seq for e in log] == list(range(6, 12)) and head.anchor_hash == log[0].prev_hash
    assert (log[-1].how, log[-1].items) == (querylog.PRUNE, ["6", head.anchor_hash])
    assert min(e.at.replace(tzinfo=timezone.utc) if e.at.tzinfo is None else e.at for e in log) > NOW - timedelta(days=366 * 5)
    assert check(url).problems == [] and check(url).checked == 6

    [again] = add(url, querier="A")   # the count carries on across the prune
    assert (again.seq, again.times, again.prev_hash) == (12, 8, log[-1].hash)
    with session_factory(url)() as session:
        assert querylog.prune(session, querylog.retention_cutoff(2)) == 3
        session.commit()
    assert [e.seq for e in entries(url)] == [9, 10, 11, 12, 13]
    assert check(url).problems == []


def test_prune_never_removes_an_entry_inside_retention(url):
    """Clocks of different processes may disagree: an old entry after a recent one is kept with it."""
    add(url, 1, at=YEARS_AGO[7])
    add(url, 1, at=NOW)
    add(url, 1, at=YEARS_AGO[7])
    with session_factory(url)() as session:
        assert querylog.prune(session, querylog.retention_cutoff(5)) == 1
        session.commit()
    assert [e.seq for e in entries(url)] == [2, 3, 4]
    for years in (0, 1):
        with pytest.raises(SettingsError, match="至少保存 2 年"):
            querylog.retention_cutoff(years)


def test_retention_at_a_leap_day_keeps_an_entry_exactly_as_old_as_the_retention(url):
    leap = datetime(2028, 2, 29, 12, 0, tzinfo=timezone.utc)
    assert querylog.retention_cutoff(4, leap) == datetime(2024, 2, 29, 12, 0, tzinfo=timezone.utc)
    assert querylog.retention_cutoff(5, leap) == datetime(2023, 2, 28, 12, 0, tzinfo=timezone.utc)
    assert querylog.retention_cutoff(2, leap) == datetime(2026, 2, 28, 12, 0, tzinfo=timezone.utc)
    cutoff = querylog.retention_cutoff(5, leap)
    add(url, 1, at=cutoff - timedelta(microseconds=1))
    add(url, 1, at=cutoff)
    with session_factory(url)() as session:
        assert querylog.prune(session, cutoff) == 1
        session.commit()
    assert [e.seq for e in entries(url)] == [2, 3] and check(url).problems == []


def test_a_retention_longer_than_the_calendar_prunes_nothing(url):
    """CREDIT_QUERY_LOG_YEARS=2030 (a year typed for a number of years) keeps everything, without an error."""
    add(url, 2, at=YEARS_AGO[7])
    for years in (2030, 10_000):
        assert querylog.retention_cutoff(years) == datetime.min.replace(tzinfo=timezone.utc)
        with session_factory(url)() as session:
            assert querylog.prune(session, querylog.retention_cutoff(years)) == 0
            session.commit()
    assert [e.seq for e in entries(url)] == [1, 2] and check(url).problems == []


def test_prune_of_every_entry_anchors_at_the_head(url):
    [*_, last] = add(url, 3, at=YEARS_AGO[7])
    with session_factory(url)() as session:
        assert querylog.prune(session, querylog.retention_cutoff(5)) == 3
        session.commit()
        head = session.get(QueryLogHead, 1)
    [pruned] = entries(url)
    assert (head.anchor_seq, head.anchor_hash) == (4, last.hash) and (pruned.seq, pruned.prev_hash) == (4, last.hash)
    assert check(url).problems == []
    [entry] = add(url)
    assert (entry.seq, entry.prev_hash) == (5, pruned.hash)
    assert check(url).problems == [] and check(url).checked == 2


def test_a_cut_made_without_pruning_is_found(url):
    """Moving the anchor and deleting old entries behind the application's back leaves the head as
    it was, but no prune entry names the new anchor."""
    add(url, 5)
    attack(url, "UPDATE query_log_head SET anchor_seq = 4, anchor_hash = (SELECT hash FROM query_log WHERE seq = 3)",
           "DELETE FROM query_log WHERE seq < 4")
    assert check(url).problems == ["第 4 条之前的条目已不在日志中，但没有与之相符的清理记录（日志开头被截断）"]


def test_prune_refuses_a_broken_chain(url):
    add(url, 4, at=YEARS_AGO[7])
    attack(url, "UPDATE query_log SET reason = '改' WHERE seq = 2")
    with session_factory(url)() as session, pytest.raises(ChainBroken) as caught:
        querylog.prune(session, querylog.retention_cutoff(5))
    assert caught.value.problems == [f"{label(url, 2)}：内容与哈希不符（被改动）"]
    assert len(entries(url)) == 4


# -- migration -------------------------------------------------------------------------------------

def test_migration_goes_up_and_down(tmp_path, request):
    urls = [sqlite_url(tmp_path)]
    try:
        urls.append(fresh_postgres(request.getfixturevalue("postgres_url")))
    except pytest.skip.Exception:
        pass
    for url in urls:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["engine"] = engine_for(url)
        command.upgrade(cfg, "0005")
        add(url, 2)
        tables = set(inspect(engine_for(url)).get_table_names())
        assert {"query_log", "query_log_head"} <= tables
        command.downgrade(cfg, "0004")
        assert not {"query_log", "query_log_head"} & set(inspect(engine_for(url)).get_table_names())
        command.upgrade(cfg, "0005")
        [entry] = add(url)
        assert (entry.seq, entry.prev_hash) == (1, GENESIS)
        with pytest.raises(exc.DBAPIError, match="只能追加"), engine_for(url).begin() as conn:
            conn.execute(text("DELETE FROM query_log"))


# -- the commands ----------------------------------------------------------------------------------

def test_verify_log_and_prune_log_commands(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    url = sqlite_url(instance)
    migrate(url)
    add(url, 3, at=YEARS_AGO[7])
    *_, last = add(url, 4)

    run = indexer("verify-log", instance=instance)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"查询日志完整：已校验 7 条；链头 第 7 条 {last.hash}"

    run = indexer("prune-log", instance=instance)
    assert run.returncode == 0, run.stderr
    assert "查询日志 3 条（保存 5 年）" in run.stdout
    assert [e.seq for e in entries(url)] == [4, 5, 6, 7, 8]   # 8: the prune entry
    run = indexer("verify-log", instance=instance)
    assert run.returncode == 0 and "已校验 5 条" in run.stdout
    run = indexer("prune-log", instance=instance)
    assert run.returncode == 0 and "查询日志 0 条" in run.stdout

    attack(url, "UPDATE query_log SET items = '[\"r9\"]' WHERE seq = 5", "DELETE FROM query_log WHERE seq = 8")
    run = indexer("verify-log", instance=instance)
    assert run.returncode == 1
    assert run.stdout.splitlines() == [f"{label(url, 5)}：内容与哈希不符（被改动）",
                                       # the prune entry was the one deleted: the anchor is no longer accounted for
                                       "第 4 条之前的条目已不在日志中，但没有与之相符的清理记录（日志开头被截断）",
                                       "第 8 条缺失：链头记录到第 8 条，日志只到第 7 条（末尾被删除）",
                                       "查询日志校验未通过：3 处问题（已检查 4 条）"]
    run = indexer("prune-log", instance=instance)
    assert run.returncode == 1 and "未清理任何条目" in run.stderr and "被改动" in run.stdout

    monkeypatch.setenv("CREDIT_QUERY_LOG_YEARS", "1")
    run = indexer("prune-log", instance=instance)
    assert run.returncode == 2 and "至少保存 2 年" in run.stderr and "Traceback" not in run.stderr
    assert len(entries(url)) == 4
