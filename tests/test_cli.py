"""The indexer's command line, as a clerk runs it."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import wait_until

ROOT = Path(__file__).resolve().parents[1]


def indexer(*args: str, instance: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "CREDIT_INSTANCE_PATH": str(instance), "CREDIT_DATABASE_URL": "", "CREDIT_SEARCH_URL": ""}
    return subprocess.run([sys.executable, "-m", "indexer", "-q", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_sample_ingest_report_reindex_expire(tmp_path):
    data, instance = tmp_path / "data", tmp_path / "instance"
    made = indexer("sample", "--out", str(data), "--subjects", "150", "--seed", "3", instance=instance)
    assert made.returncode == 0 and "150" in made.stdout
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))

    run = indexer("ingest", str(data), "--report", str(tmp_path / "report.json"), instance=instance)
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["rejected"] == len(manifest["bad_rows"])
    assert {"file", "line", "field", "reason"} <= set(report["rejections"][0])
    assert f"拒绝 {report['rejected']}" in run.stdout

    rebuilt = indexer("reindex", instance=instance)
    assert rebuilt.returncode == 0 and f"{report['indexed']} 条" in rebuilt.stdout
    assert indexer("expire", instance=instance).returncode == 0


def test_file_missing_a_required_column_is_refused_by_name(tmp_path):
    path = tmp_path / "licences.csv"
    path.write_text("行政相对人名称,行政相对人类别,行政许可决定文书号\n某公司,法人及非法人组织,1\n", encoding="utf-8")
    run = indexer("ingest", str(path), "--kind", "licence", instance=tmp_path / "instance")
    assert run.returncode == 1
    assert "缺少必填列" in run.stderr and "许可内容" in run.stderr


def test_missing_path_is_a_clear_error(tmp_path):
    run = indexer("ingest", str(tmp_path / "nowhere.csv"), instance=tmp_path / "instance")
    assert run.returncode == 2 and "不存在" in run.stderr and "Traceback" not in run.stderr


def test_a_pipe_is_a_bad_path_and_an_empty_folder_is_said_to_be_empty(tmp_path):
    """A pipe is said to be no file (exit 2). A folder holding nothing to ingest (only hidden files)
    is a drop folder nothing arrived in: the run says so and ends well (exit 0), and it stops no
    other path given with it."""
    from tests.test_ingest import penalty_row, write_csv

    os.mkfifo(tmp_path / "pipe.csv")
    run = indexer("ingest", str(tmp_path / "pipe.csv"), instance=tmp_path / "instance")
    assert run.returncode == 2 and "不是普通文件" in run.stderr
    empty = tmp_path / "empty"
    (empty / ".git").mkdir(parents=True)
    (empty / ".git" / "x.csv").write_text("a,b\n", encoding="utf-8")
    (empty / "._p.csv").write_bytes(b"\x00\x05\x16\x07Mac OS X")
    run = indexer("ingest", str(empty), instance=tmp_path / "instance")
    assert run.returncode == 0 and "没有可导入的文件" in run.stderr and "Traceback" not in run.stderr
    assert "接收 0" in run.stdout
    full = tmp_path / "full"
    full.mkdir()
    write_csv(full / "p.csv", [penalty_row()])
    run = indexer("ingest", str(empty), str(full), instance=tmp_path / "instance")
    assert run.returncode == 0 and "接收 1" in run.stdout and "没有可导入的文件" not in run.stderr


def test_a_folder_holding_only_files_of_another_type_is_not_an_empty_one(tmp_path):
    """Files did arrive, but none can be ingested (an old Excel file, a text export): each is refused
    as a file named on the command line is, and the run does not end well, where an empty drop folder's does."""
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "处罚.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    (folder / "许可.txt").write_text("行政相对人名称\n某公司\n", encoding="utf-8")
    run = indexer("ingest", str(folder), instance=tmp_path / "instance")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "处罚.xls：不支持的文件类型" in run.stderr and "许可.txt：不支持的文件类型" in run.stderr


def test_hidden_and_lock_files_in_a_folder_are_not_source_files(tmp_path):
    from tests.test_ingest import penalty_row, write_csv

    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "p.csv", [penalty_row()])
    (folder / "._p.csv").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X")   # a Mac's resource fork
    (folder / "~$p.xlsx").write_bytes(b"\x0czhang")                             # Excel's lock file
    run = indexer("ingest", str(folder), instance=tmp_path / "instance")
    assert run.returncode == 0, run.stderr
    assert "接收 1，拒绝 0" in run.stdout and "._p.csv" not in run.stdout + run.stderr


def test_a_file_or_folder_that_cannot_be_read_is_refused_without_a_traceback(tmp_path, monkeypatch):
    from indexer import readers
    from tests.conftest import ingest_into, make_settings
    from tests.test_ingest import TODAY, penalty_row, write_csv

    good = write_csv(tmp_path / "good.csv", [penalty_row()])
    locked = write_csv(tmp_path / "locked.csv", [penalty_row(**{"行政处罚决定书文号": "2号"})])
    opened = Path.open

    def open_unless_locked(self, *args, **kwargs):   # chmod 000 does not stop root, who runs the tests here
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied", str(self))
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_unless_locked)
    report = ingest_into(make_settings(tmp_path / "instance"), [str(locked), str(good)], TODAY).as_json()
    assert report["status"] == "finished" and report["accepted"] == 1
    assert report["files"][0]["error"] == "locked.csv：无法读取（Permission denied）"

    scandir = os.scandir

    def scandir_unless_locked(path="."):
        if Path(path).name == "shut":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    (tmp_path / "shut").mkdir()
    monkeypatch.setattr(os, "scandir", scandir_unless_locked)
    with pytest.raises(readers.FileError, match="无法读取目录"):
        readers.expand([str(tmp_path / "shut")])


# -- stopping an ingest ----------------------------------------------------------------------------

def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _start_big_ingest(tmp_path: Path, instance: Path) -> tuple[subprocess.Popen, set[int]]:
    """An ingest of a file big enough to be stopped half-way, once its workers are at work."""
    from tests.test_ingest import penalty_row, write_csv

    path = write_csv(tmp_path / "big.csv", [penalty_row(**{"行政处罚决定书文号": f"{n}号"}) for n in range(60_000)])
    env = {**os.environ, "CREDIT_INSTANCE_PATH": str(instance), "CREDIT_DATABASE_URL": "", "CREDIT_SEARCH_URL": "",
           "CREDIT_INGEST_WORKERS": "2", "CREDIT_INGEST_BATCH": "500"}
    proc = subprocess.Popen([sys.executable, "-m", "indexer", "-q", "ingest", str(path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers: set[int] = set()
    assert wait_until(lambda: len(workers.update(_children(proc.pid)) or workers) >= 2 and _records(instance) > 0, 120)
    return proc, workers


def _records(instance: Path) -> int:
    try:
        return sqlite3.connect(instance / "credit.sqlite3").execute("SELECT count(*) FROM records").fetchone()[0]
    except sqlite3.Error:
        return 0


def _runs(instance: Path) -> list[tuple]:
    conn = sqlite3.connect(instance / "credit.sqlite3")
    return conn.execute("SELECT status, finished_at IS NOT NULL, accepted, report FROM ingest_runs ORDER BY id").fetchall()


def test_workers_die_with_a_killed_ingest_and_the_next_run_says_it_was_interrupted(tmp_path):
    instance = tmp_path / "instance"
    proc, workers = _start_big_ingest(tmp_path, instance)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert wait_until(lambda: not any(_alive(w) for w in workers), 5), "workers outlived their parent"
    assert [r[:2] for r in _runs(instance)] == [("running", 0)]

    from tests.test_ingest import penalty_row, write_csv
    small = write_csv(tmp_path / "small.csv", [penalty_row(**{"行政处罚决定书文号": "另一份"})])
    run = indexer("ingest", str(small), instance=instance)
    assert run.returncode == 0, run.stderr     # the lock went with the killed run
    assert [r[:2] for r in _runs(instance)] == [("interrupted", 0), ("finished", 1)]


def test_terminated_ingest_is_recorded_as_interrupted_with_its_report_so_far(tmp_path):
    instance = tmp_path / "instance"
    proc, workers = _start_big_ingest(tmp_path, instance)
    os.kill(proc.pid, signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "已中断" in err and "Traceback" not in err
    assert not any(_alive(w) for w in workers)
    [(status, finished, accepted, report)] = _runs(instance)
    report = json.loads(report)
    assert (status, finished, report["status"]) == ("interrupted", 1, "interrupted")
    assert 0 < accepted == report["accepted"] == _records(instance) < 60_000
    assert report["files"][0]["accepted"] == accepted


def test_a_second_reindex_is_refused_while_one_runs(tmp_path):
    import threading

    from credit.search.embedded import EmbeddedIndex

    instance = tmp_path / "instance"
    running, finish = threading.Event(), threading.Event()

    def held():   # a rebuild held at its first document, as a long one would be
        running.set()
        finish.wait(120)
        yield from ()

    first = threading.Thread(target=EmbeddedIndex(instance / "search.tantivy").rebuild, args=(held(),))
    first.start()
    try:
        assert running.wait(30)
        second = indexer("reindex", instance=instance)
    finally:
        finish.set()
        first.join(60)
    assert second.returncode == 4
    assert "另一个检索索引重建正在进行" in second.stderr and "本次未做任何改动" in second.stderr
    assert "Traceback" not in second.stderr
    assert indexer("reindex", instance=instance).returncode == 0   # and runs once the first is done


def test_a_setting_that_cannot_work_is_named_without_a_traceback(tmp_path):
    env = {**os.environ, "CREDIT_INSTANCE_PATH": str(tmp_path), "CREDIT_SEARCH_PREFIX": "Credit-Public"}
    run = subprocess.run([sys.executable, "-m", "indexer", "expire"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2
    assert "CREDIT_SEARCH_PREFIX 无效" in run.stderr and "Traceback" not in run.stderr


def test_staff_command_adds_lists_and_removes_and_logs_each_change(tmp_path):
    from sqlalchemy import select

    from credit import querylog, staff
    from credit.db import session_factory
    from tests.portal.mini import DEPT_ENV, citizen_id

    instance, member = tmp_path / "instance", citizen_id("42010219850312471")
    wrong = member[:-1] + ("0" if member[-1] != "0" else "1")
    assert indexer("staff", "add", member, "--name", "孙管理", "--role", "admin", instance=instance).returncode == 0
    refused = indexer("staff", "add", wrong, "--name", "错号", "--role", "admin", instance=instance)
    assert refused.returncode == 2 and "公民身份号码" in refused.stderr
    no_department = indexer("staff", "add", member, "--name", "孙管理", "--role", "department", instance=instance)
    assert no_department.returncode == 2 and "统一社会信用代码" in no_department.stderr
    demote = ("staff", "add", member, "--name", "孙管理", "--role", "department", "--department", DEPT_ENV[1])
    only_admin = indexer(*demote, instance=instance)
    assert only_admin.returncode == 2 and "唯一的系统管理员" in only_admin.stderr
    other = citizen_id("42010619880725352")
    assert indexer("staff", "add", other, "--name", "李管理", "--role", "admin", instance=instance).returncode == 0
    assert indexer(*demote, instance=instance).returncode == 0
    listed = indexer("staff", "list", instance=instance).stdout
    assert "孙管理" in listed and DEPT_ENV[1] in listed and member not in listed
    assert indexer("staff", "remove", member, instance=instance).returncode == 0
    assert indexer("staff", "remove", member, instance=instance).returncode == 1
    with session_factory(f"sqlite:///{instance / 'credit.sqlite3'}")() as db:
        assert staff.find(db, member) is None
        actions = list(db.scalars(select(querylog.QueryLogEntry).where(querylog.QueryLogEntry.how == querylog.ACTION)))
        assert [a.querier_id for a in actions] == ["cli"] * 4 and querylog.verify(db) == []


def test_demo_staff_are_refused_in_production(tmp_path, monkeypatch):
    """The demo's staff are the development provider's test identities, whose ID numbers are in this
    repository: in production a real person holding one would become an administrator."""
    monkeypatch.setenv("CREDIT_PRODUCTION", "1")
    monkeypatch.setenv("CREDIT_SECRET_KEY", "s" * 40)
    instance = tmp_path / "instance"
    refused = indexer("staff", "add-demo", instance=instance)
    assert refused.returncode == 2 and "CREDIT_PRODUCTION" in refused.stderr
    monkeypatch.setenv("CREDIT_PRODUCTION", "0")
    assert "孙管理" not in indexer("staff", "list", instance=instance).stdout
