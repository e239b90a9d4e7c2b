"""One ingest at a time per database, across processes: a second one is refused with a clear
message, or with --wait queues behind the first and then gets all of its rows in."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from credit.catalog import load_catalog
from credit.db import migrate, session_factory
from credit.models import IngestRun, Record
from indexer.ingest import IngestBusy, Ingester, ingest_lock
from tests.conftest import make_settings
from tests.helpers import wait_until
from tests.test_cli import ROOT, indexer
from tests.test_ingest import TODAY, penalty_row, write_csv

HOLD = """
import sys
from credit.config import Settings
from indexer.ingest import ingest_lock
with ingest_lock(Settings(database_url=sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
"""


class Holder:
    """Another process holding the ingest lock until released."""

    def __init__(self, url: str):
        self.proc = subprocess.Popen([sys.executable, "-c", HOLD, url], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)


def sqlite_url(instance: Path) -> str:
    return f"sqlite:///{instance / 'credit.sqlite3'}"


def stored(url: str) -> dict[str, float]:
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    return dict(conn.execute("""SELECT json_extract("values", '$.doc_no'), json_extract("values", '$.fine_amount')
                                FROM records""").fetchall())


def penalties(numbers, fine="1") -> list[dict]:
    return [penalty_row(**{"行政处罚决定书文号": f"{n}号", "罚款金额（万元）": fine}) for n in numbers]


def wait_for(predicate, timeout: float = 120) -> None:
    assert wait_until(predicate, timeout, every=0.2), "timed out"


def test_second_ingest_is_refused_while_one_runs(tmp_path):
    instance = tmp_path / "instance"
    migrate(sqlite_url(instance))
    path = write_csv(tmp_path / "p.csv", penalties(range(1, 4)))
    holder = Holder(sqlite_url(instance))
    try:
        run = indexer("ingest", str(path), instance=instance)
    finally:
        holder.release()
    assert run.returncode == 4, run.stderr
    assert "另一个导入正在运行" in run.stderr and "--wait" in run.stderr and "Traceback" not in run.stderr
    assert stored(sqlite_url(instance)) == {}
    with session_factory(sqlite_url(instance))() as session:
        assert session.scalar(select(func.count()).select_from(IngestRun)) == 0   # not even a run recorded
    again = indexer("ingest", str(path), instance=instance)   # the lock is gone with its holder
    assert again.returncode == 0, again.stderr
    assert set(stored(sqlite_url(instance))) == {"1号", "2号", "3号"}


def test_waiting_ingests_queue_and_both_get_everything_in(tmp_path):
    """Two ingests of overlapping files started together: the one that used to die on the unique
    identity now waits its turn, and every row of both files is in."""
    instance = tmp_path / "instance"
    instance.mkdir()
    first = write_csv(tmp_path / "a.csv", penalties(range(1, 301)))
    second = write_csv(tmp_path / "b.csv", penalties(range(101, 301)) + penalties(range(301, 501)))
    env = {**os.environ, "CREDIT_INSTANCE_PATH": str(instance), "CREDIT_DATABASE_URL": "", "CREDIT_SEARCH_URL": "",
           "CREDIT_INGEST_WORKERS": "2"}
    holder = Holder(sqlite_url(instance))
    procs, errs = [], []
    try:
        for n, path in enumerate((first, second)):
            errs.append(tmp_path / f"err{n}.txt")
            procs.append(subprocess.Popen([sys.executable, "-m", "indexer", "-q", "ingest", "--wait", str(path)],
                                          cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errs[-1].open("w"), text=True))
        wait_for(lambda: all("等它结束后开始" in e.read_text(encoding="utf-8") for e in errs))
        assert all(p.poll() is None for p in procs)    # both are waiting
    finally:
        holder.release()
    outs = [p.communicate(timeout=300)[0] for p in procs]
    for proc, err in zip(procs, errs):
        assert proc.returncode == 0, err.read_text(encoding="utf-8")
        assert "Traceback" not in err.read_text(encoding="utf-8")
    assert all("拒绝 0" in out for out in outs)
    assert set(stored(sqlite_url(instance))) == {f"{n}号" for n in range(1, 501)}
    with session_factory(sqlite_url(instance))() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 500
        runs = session.scalars(select(IngestRun).order_by(IngestRun.id)).all()
    assert [r.status for r in runs] == ["finished", "finished"]
    assert sorted(r.accepted for r in runs) == [300, 400]


# -- PostgreSQL: an advisory lock ------------------------------------------------------------------

def test_postgres_ingests_take_turns(postgres_url, tmp_path):
    settings = make_settings(tmp_path, database_url=postgres_url)
    migrate(postgres_url)
    path = write_csv(tmp_path / "p.csv", penalties(range(1, 11), fine="7"))
    ingester = Ingester(settings, load_catalog(), today=TODAY, workers=1, progress=False)
    waiting, result = threading.Event(), {}
    with ingest_lock(settings):
        with pytest.raises(IngestBusy, match="另一个导入正在运行"):
            ingester.run([str(path)])
        queued = threading.Thread(target=lambda: result.update(
            report=ingester.run([str(path)], wait=True, on_wait=waiting.set)))
        queued.start()
        assert waiting.wait(60)
        time.sleep(0.5)
        assert queued.is_alive() and "report" not in result
    queued.join(120)
    assert result["report"].as_json()["files"][0]["lines"] == 10
    with session_factory(postgres_url)() as session:
        fines = {r.values["doc_no"]: r.values["fine_amount"] for r in session.scalars(select(Record))}
    assert {n: fines[n] for n in ("1号", "10号")} == {"1号": 7.0, "10号": 7.0}
