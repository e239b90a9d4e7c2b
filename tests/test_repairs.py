"""Credit-repair eligibility (credit.repairs.eligibility) under both catalogue profiles, on the
boundary days: repair opens on the decision date + the severity's minimum months (the day before:
closed), never for 严重 under the default profile, nothing to repair for a record never published or
whose window is over, and never for a penalty decided within a year after an earlier repair."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from credit.catalog import load_catalog
from credit.evidence import sniff
from credit.repairs import Proof, RepairError, check_proofs, eligibility
from tests.conftest import make_settings

DEFAULT = load_catalog("default")
NATIONAL = load_catalog("national2026")
DECIDED = date(2025, 11, 30)   # + 3 months = 2026-02-28 (clamped), + 12 months = 2026-11-30
DAY = timedelta(days=1)


def penalty(kind="penalty", revoked=False, repaired_on=None, objection=None, **over):
    values = {"subject_type": "法人及非法人组织", "decided_on": DECIDED.isoformat(), "penalty_types": ["罚款"],
              "severity": "一般", "procedure": "普通程序", "doc_no": "武市监罚〔2025〕1号", **over}
    return SimpleNamespace(kind=kind, values=values, revoked=revoked, repaired_on=repaired_on, objection=objection)


@pytest.mark.parametrize("catalog, severity, opens_on", [
    (DEFAULT, "轻微", date(2026, 2, 28)),
    (DEFAULT, "一般", date(2026, 2, 28)),
    (NATIONAL, "一般", date(2026, 2, 28)),
    (NATIONAL, "严重", date(2026, 11, 30)),
])
def test_repair_opens_on_the_day_the_minimum_period_ends(catalog, severity, opens_on):
    record = penalty(severity=severity)
    before = eligibility(record, catalog, opens_on - DAY)
    assert not before.open and before.opens_on == opens_on and opens_on.isoformat() in before.reason
    on = eligibility(record, catalog, opens_on)
    assert on.open and on.opens_on == opens_on
    assert eligibility(record, catalog, opens_on + DAY).open


def test_the_day_of_the_decision_counts_like_the_publicity_window():
    record = penalty(decided_on="2026-01-10")
    assert not eligibility(record, DEFAULT, date(2026, 4, 9)).open
    assert eligibility(record, DEFAULT, date(2026, 4, 10)).open


def test_severe_penalties_are_never_repaired_under_the_default_profile():
    record = penalty(severity="严重")
    for today in (DECIDED, date(2026, 2, 28), date(2026, 11, 30), date(2028, 11, 29)):
        answer = eligibility(record, DEFAULT, today)
        assert not answer.open and answer.opens_on is None and "严重" in answer.reason


def test_minor_penalties_are_not_published_under_national2026_so_nothing_to_repair():
    answer = eligibility(penalty(severity="轻微"), NATIONAL, date(2026, 2, 28))
    assert not answer.open and answer.opens_on is None and "无需修复" in answer.reason and "不予公示" in answer.reason


@pytest.mark.parametrize("over, says", [
    ({"procedure": "简易程序"}, "简易程序"),
    ({"penalty_types": ["警告"]}, "仅警告"),
    ({"subject_type": "自然人"}, "自然人"),
])
def test_a_record_never_published_has_nothing_to_repair(over, says):
    answer = eligibility(penalty(**over), DEFAULT, date(2026, 6, 1))
    assert not answer.open and says in answer.reason and "无需修复" in answer.reason


def test_after_the_window_revoked_or_repaired_there_is_nothing_to_repair():
    over = eligibility(penalty(), DEFAULT, date(2026, 11, 30))   # window: to 2026-11-29
    assert not over.open and "2026-11-29" in over.reason and "届满" in over.reason
    assert eligibility(penalty(), DEFAULT, date(2026, 11, 29)).open
    assert not eligibility(penalty(revoked=True), DEFAULT, date(2026, 6, 1)).open
    repaired = eligibility(penalty(repaired_on=date(2026, 3, 5)), DEFAULT, date(2026, 6, 1))
    assert not repaired.open and "2026-03-05" in repaired.reason


def test_a_window_shorter_than_the_minimum_needs_no_repair():
    answer = eligibility(penalty(publicity_until="2026-01-31"), DEFAULT, date(2026, 1, 5))
    assert not answer.open and answer.opens_on is None and "2026-01-31" in answer.reason


def test_only_the_kinds_the_catalogue_names_are_repaired():
    answer = eligibility(penalty(kind="licence", valid_to="2030-01-01"), DEFAULT, date(2026, 6, 1))
    assert not answer.open and "行政许可" in answer.reason


def test_a_suspended_record_waits_for_its_check():
    answer = eligibility(penalty(objection="suspended"), DEFAULT, date(2026, 6, 1))
    assert not answer.open and "异议" in answer.reason


@pytest.mark.parametrize("catalog", [DEFAULT, NATIONAL])
def test_penalized_again_within_a_year_after_an_earlier_repair(catalog):
    repaired = date(2024, 11, 30)
    today = date(2026, 6, 1)
    # Decided on the last day of the year after the repair: blocked, for good.
    inside = eligibility(penalty(decided_on="2025-11-29"), catalog, today, [repaired])
    assert not inside.open and inside.opens_on is None and "2024-11-30" in inside.reason and "12个月" in inside.reason
    # On the repair day itself: blocked too.
    assert not eligibility(penalty(decided_on="2024-11-30"), catalog, date(2025, 6, 1), [repaired]).open
    # Decided on the same day a year later: no longer within the year.
    assert eligibility(penalty(decided_on="2025-11-30"), catalog, today, [repaired]).open
    # Decided before the repair: not "again".
    assert eligibility(penalty(decided_on="2025-11-30"), catalog, today, [date(2025, 12, 1)]).open
    # Any earlier repair counts, not only the last one.
    assert not eligibility(penalty(decided_on="2025-11-29"), catalog, today, [repaired, date(2020, 1, 1)]).open


def test_the_blocking_period_is_catalogue_data():
    import copy
    from dataclasses import replace

    shorter = copy.deepcopy(DEFAULT.profile)
    shorter["penalty"]["repair_blocked_within_months_of_last_repair"] = 6
    catalog = replace(DEFAULT, profile=shorter)
    record = penalty(decided_on="2025-06-01")
    assert eligibility(record, catalog, date(2025, 10, 1), [date(2024, 12, 1)]).open
    assert not eligibility(record, DEFAULT, date(2025, 10, 1), [date(2024, 12, 1)]).open


# -- proof files ------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def test_proofs_are_told_by_their_first_bytes(tmp_path):
    assert sniff(PDF) == "application/pdf"
    assert sniff(PNG) == "image/png"
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(b"<html><script>alert(1)</script>") is None
    assert sniff(b"MZ\x90\x00") is None
    settings = make_settings(tmp_path, repair_max_files=2, repair_max_bytes=100)
    assert len(check_proofs([Proof("a.pdf", PDF), Proof("b.png", PNG)], settings)) == 2
    for proofs, says in [([], "请上传"), ([Proof("a.pdf", PDF)] * 3, "最多可附 2 个"),
                         ([Proof("big.pdf", PDF + b"0" * 100)], "超过"),
                         ([Proof("fake.pdf", b"<html></html>")], "不是 PDF"), ([Proof("e.png", b"")], "是空的")]:
        with pytest.raises(RepairError, match=says):
            check_proofs(proofs, settings)
