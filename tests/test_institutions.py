"""Institution clients (SPEC §7) from the command line, as staff manage them: the secret printed
once and stored only as an argon2 hash; list, suspend, resume and delete."""
from __future__ import annotations

import re
import sqlite3

from credit import institutions
from credit.codes import uscc_check_char
from tests.test_cli import indexer

USCC = "91420100MA4K00001" + uscc_check_char("91420100MA4K00001")


def _create(instance, *extra: str):
    return indexer("clients", "create", "--name", "某某征信有限公司", "--uscc", USCC, "--per-minute", "60",
                   "--per-day", "100000", *extra, instance=instance)


def test_clients_are_created_listed_suspended_resumed_and_deleted(tmp_path):
    instance = tmp_path / "instance"
    made = _create(instance, "--scope", "public+code")
    assert made.returncode == 0, made.stderr
    client_id = re.search(r"client_id: (\S+)", made.stdout).group(1)
    secret = re.search(r"client_secret: (\S+)", made.stdout).group(1)
    assert len(secret) >= 40

    with sqlite3.connect(instance / "credit.sqlite3") as db:
        row = db.execute("SELECT secret_hash, uscc, per_minute, per_day, scope, status FROM institution_clients "
                         "WHERE client_id = ?", (client_id,)).fetchone()
        dump = "\n".join(db.iterdump())
    assert row[1:] == (USCC, 60, 100000, "public+code", "active")
    assert institutions.verify_secret(row[0], secret) and secret not in dump

    listed = indexer("clients", "list", instance=instance)
    assert client_id in listed.stdout and "某某征信有限公司" in listed.stdout and secret not in listed.stdout

    assert indexer("clients", "suspend", client_id, instance=instance).returncode == 0
    assert "\tsuspended\t" in indexer("clients", "list", instance=instance).stdout
    assert indexer("clients", "resume", client_id, instance=instance).returncode == 0
    assert "\tactive\t" in indexer("clients", "list", instance=instance).stdout
    assert indexer("clients", "delete", client_id, instance=instance).returncode == 0
    assert client_id not in indexer("clients", "list", instance=instance).stdout
    gone = indexer("clients", "suspend", client_id, instance=instance)
    assert gone.returncode == 1 and client_id in gone.stderr


def test_a_client_is_refused_without_a_valid_institution_code_or_quota(tmp_path):
    instance = tmp_path / "instance"
    bad_code = indexer("clients", "create", "--name", "某机构", "--uscc", USCC[:-1] + ("0" if USCC[-1] != "0" else "1"),
                       "--per-minute", "1", "--per-day", "1", instance=instance)
    assert bad_code.returncode == 2 and "校验位" in bad_code.stderr
    no_quota = indexer("clients", "create", "--name", "某机构", "--uscc", USCC, "--per-minute", "0", "--per-day", "1",
                       instance=instance)
    assert no_quota.returncode == 2 and "正整数" in no_quota.stderr
    assert indexer("clients", "list", instance=instance).stdout == ""


def test_a_quota_or_name_the_database_cannot_hold_is_refused_with_a_message(tmp_path):
    """A clerk's extra zeros (PostgreSQL's INTEGER ends at 2,147,483,647) or an over-long name."""
    instance = tmp_path / "instance"
    too_many = indexer("clients", "create", "--name", "某某征信有限公司", "--uscc", USCC, "--per-minute", "60",
                       "--per-day", "10000000000", instance=instance)
    assert too_many.returncode == 2 and "2147483647" in too_many.stderr and "Traceback" not in too_many.stderr
    too_long = indexer("clients", "create", "--name", "某" * 256, "--uscc", USCC, "--per-minute", "60",
                       "--per-day", "100", instance=instance)
    assert too_long.returncode == 2 and "255" in too_long.stderr and "Traceback" not in too_long.stderr
    assert "某某征信" not in indexer("clients", "list", instance=instance).stdout
