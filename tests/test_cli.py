"""The indexer's command line, as a clerk runs it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
