"""python -m indexer ingest|reindex|expire|sample|clients … — see `python -m indexer --help`."""
from __future__ import annotations

import argparse
import json
import signal
import sys
from functools import lru_cache
from pathlib import Path

from tqdm import tqdm


def _context(*, migrate_now: bool = True):
    """Settings from the environment, the database brought up to date, and the catalogue."""
    from credit.catalog import load_catalog
    from credit.config import Settings
    from credit.db import migrate

    settings = Settings()
    if migrate_now:
        migrate(settings.database_url)
    return settings, load_catalog(settings.catalog)


def _stop(_signum, _frame):
    raise KeyboardInterrupt   # `kill` stops an ingest as Ctrl-C does: recorded as interrupted


def cmd_ingest(args) -> int:
    from indexer.ingest import IngestBusy, Ingester
    from indexer.readers import SUFFIXES, FileError

    settings, catalog = _context(migrate_now=False)   # the ingest migrates once it holds the lock
    signal.signal(signal.SIGTERM, _stop)
    ingester = Ingester(settings, catalog, progress=not args.quiet)
    try:
        report = ingester.run(args.paths, kind=args.kind, wait=args.wait, on_wait=_say_waiting)
    except FileError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except IngestBusy as exc:
        print(f"错误：{exc}（同一数据库同时只能有一个导入），本次未导入任何文件；请等它结束后再运行，或加 --wait 排队等待",
              file=sys.stderr)
        return 4
    data = report.as_json()
    if not data["files"]:
        print(f"注意：所给路径中没有可导入的文件（{'、'.join(SUFFIXES)}；隐藏文件和 Office 锁文件不算）", file=sys.stderr)
    for f in data["files"]:
        if f["error"]:
            print(f"✗ {f['file']}：{f['error']}", file=sys.stderr)
        else:
            print(f"✓ {f['file']}（{f['kind']}）：接收 {f['accepted']}，拒绝 {f['rejected']}，"
                  f"更正替换 {f['replaced']}，未变 {f['unchanged']}")
            _print_file_notes(f)
    print(f"合计：接收 {data['accepted']}，拒绝 {data['rejected']}，更正替换 {data['replaced']}；"
          f"写入检索索引 {data['indexed']} 条，不公示或已移出 {data['removed_from_index']} 条")
    if (note := _sample_note(data)) is not None:
        print(note)
    if data["failed_to_index"]:
        print(f"警告：{data['failed_to_index']} 条文档未能写入检索索引（原因见日志）；修复后重新运行本命令即可补齐",
              file=sys.stderr)
    if args.report:
        Path(args.report).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if data["failed_to_index"] or any(f["error"] for f in data["files"]) else 0


def _say_waiting() -> None:
    print("另一个导入正在运行，等它结束后开始……", file=sys.stderr, flush=True)


def _print_file_notes(f: dict) -> None:
    dropped = f["dropped_columns"]
    if dropped["prohibited"]:
        print(f"  已丢弃禁止采集的列（未保存）：{'、'.join(dropped['prohibited'])}")
    if dropped["unknown"]:
        print(f"  未识别的列（不在数据目录中，未保存）：{'、'.join(dropped['unknown'])}")
    if f["publicity_capped"]:
        print(f"  公示截止期超过规则上限、已按上限截止：{f['publicity_capped']} 条（详见质量报告）")


def _sample_note(data: dict) -> str | None:
    """For files of a generated sample, that its bad rows are there on purpose (its manifest.json
    lists them), so a demo's rejections read as the checks at work, not as a failed load."""
    planted = [_planted_rows(Path(f["file"])) for f in data["files"]]
    if all(n is None for n in planted):
        return None
    total = sum(n or 0 for n in planted)
    note = f"说明：这是生成的样例数据，其中 {total} 行是故意写错的（见 manifest.json 中的 bad_rows），用来演示入库校验"
    return note + ("；以上拒绝的正是这些行，属预期结果。" if total == data["rejected"] else "。")


def _planted_rows(path: Path) -> int | None:
    """Rows of a sample file that its manifest says are bad on purpose; None if not a sample file."""
    manifest = _manifest(path.parent)
    if manifest is None or path.name not in manifest.get("files", {}):
        return None
    return sum(bad.get("file") == path.name for bad in manifest.get("bad_rows", []))


@lru_cache(maxsize=8)
def _manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):   # no manifest (not a sample) or not one of ours: no note
        return None
    return manifest if isinstance(manifest, dict) else None


def cmd_reindex(args) -> int:
    from credit.models import china_today
    from credit.search import open_index
    from credit.search.base import RebuildInProgress
    from indexer.pool import executor
    from indexer.publisher import forget_parent_connections, rebuild_documents

    settings, catalog = _context()
    index = open_index(settings)
    try:
        # The bar shows after a second: a refused run prints its message alone.
        with executor(settings.ingest_workers, on_start=forget_parent_connections) as pool, \
                tqdm(desc="重建检索索引", unit="主体", disable=args.quiet, delay=1) as bar:
            written = index.rebuild(rebuild_documents(settings, catalog, china_today(), pool, progress=bar))
    except RebuildInProgress as exc:
        # Exit 4: another run holds the lock, and this one changed nothing.
        print(f"错误：{exc}。本次未做任何改动。", file=sys.stderr)
        return 4
    print(f"检索索引已重建：{written} 条公开文档")
    return 0


def cmd_expire(args) -> int:
    from credit.models import china_today
    from credit.search import open_index

    settings, _catalog = _context()
    removed = open_index(settings).expire(china_today())
    print(f"已移出公示期届满的文档 {removed} 条")
    return 0


def cmd_sample(args) -> int:
    from indexer.sample import generate

    manifest = generate(args.out, subjects=args.subjects, seed=args.seed, progress=not args.quiet)
    rows = sum(f["rows"] for f in manifest["files"].values())
    print(f"已生成 {args.subjects} 个主体的样例数据：{rows} 行，{len(manifest['files'])} 个文件 → {args.out}")
    return 0


def cmd_verify_log(args) -> int:
    from credit.db import session_factory
    from credit.querylog import check

    settings, _catalog = _context()
    with session_factory(settings.database_url)() as session:
        result = check(session)
    for problem in result.problems:
        print(problem)
    if result.problems:
        print(f"查询日志校验未通过：{len(result.problems)} 处问题（已检查 {result.checked} 条）")
        return 1
    print(f"查询日志完整：已校验 {result.checked} 条；链头 第 {result.head_seq} 条 {result.head_hash}")
    return 0


def cmd_prune_log(args) -> int:
    from credit.db import session_factory
    from credit.querylog import ChainBroken, prune, retention_cutoff

    settings, _catalog = _context()
    before = retention_cutoff(settings.query_log_years)
    with session_factory(settings.database_url)() as session:
        try:
            removed = prune(session, before)
        except ChainBroken as exc:
            for problem in exc.problems:
                print(problem)
            print("查询日志校验未通过，未清理任何条目：请先查明上述问题（python -m indexer verify-log）", file=sys.stderr)
            return 1
        session.commit()
    print(f"已清理 {before:%Y-%m-%d %H:%M} (UTC) 之前的查询日志 {removed} 条（保存 {settings.query_log_years} 年）")
    return 0


def cmd_clients(args) -> int:
    """Credit service institutions' API clients: create (prints the secret once), list, suspend, resume, delete."""
    from credit import institutions, staff
    from credit.db import session_factory

    settings, _catalog = _context()
    with session_factory(settings.database_url).begin() as session:
        if args.action == "create":
            try:
                client, secret = institutions.create_client(
                    session, name=args.name, uscc=args.uscc, per_minute=args.per_minute, per_day=args.per_day,
                    scope=args.scope)
            except institutions.ClientError as exc:
                print(f"错误：{exc}", file=sys.stderr)
                return 2
            staff.audit(session, _cli_actor(), f"创建批量查询客户端：{args.name}（{args.per_minute}/分钟，{args.per_day}条/日，"
                        f"{args.scope}）", items=[f"client:{client.client_id}"])
            print(f"client_id: {client.client_id}")
            print(f"client_secret: {secret}")
            print("密钥只显示这一次，数据库只保存其哈希：请立即交给机构妥善保管；遗失后只能删除客户端重新创建。")
            return 0
        if args.action == "list":
            for c in institutions.clients(session):
                print(f"{c.client_id}\t{c.status}\t{c.name}\t{c.uscc}\t{c.per_minute}/分钟\t{c.per_day}条/日\t"
                      f"{c.scope}\t{c.created_at:%Y-%m-%d}")
            return 0
        if args.action == "delete":
            found = institutions.delete_client(session, args.client_id)
        else:
            status = institutions.SUSPENDED if args.action == "suspend" else institutions.ACTIVE
            found = institutions.set_status(session, args.client_id, status) is not None
        if not found:
            print(f"错误：没有客户端 {args.client_id}", file=sys.stderr)
            return 1
        done = {"delete": "已删除（其令牌一并作废）", "suspend": "已停用（其令牌立即失效）", "resume": "已恢复"}[args.action]
        staff.audit(session, _cli_actor(), f"批量查询客户端{done}", items=[f"client:{args.client_id}"])
        print(f"{args.client_id} {done}")
        return 0


def _cli_actor() -> tuple[str, str]:
    """Who a command-line change is recorded as in the query log: the operating-system account."""
    import getpass

    return "cli", f"命令行（{getpass.getuser()}）"


def cmd_staff(args) -> int:
    """Staff accounts: add (or change roles), remove, list."""
    from credit import staff
    from credit.codes import mask_id_number
    from credit.db import session_factory

    settings, _catalog = _context()
    with session_factory(settings.database_url).begin() as session:
        if args.action == "add":
            try:
                row = staff.grant(session, key=args.id_number, name=args.name, roles=args.role,
                                  department_code=args.department, by=_cli_actor())
            except staff.StaffError as exc:
                print(f"错误：{exc}", file=sys.stderr)
                return 2
            print(f"{row.name}（{mask_id_number(row.key)}）：{'、'.join(row.roles)}")
            return 0
        if args.action == "remove":
            try:
                removed = staff.remove(session, args.id_number, by=_cli_actor())
            except staff.StaffError as exc:
                print(f"错误：{exc}", file=sys.stderr)
                return 2
            if not removed:
                print(f"错误：没有这位工作人员：{mask_id_number(args.id_number)}", file=sys.stderr)
                return 1
            print("已撤销其全部角色")
            return 0
        if args.action == "add-demo":
            from indexer.sample.demo import staff_grants

            if settings.production:
                # The development provider's test identities: their ID numbers are published in idp/.
                print("错误：CREDIT_PRODUCTION=1 时不能添加演示工作人员（开发用身份提供方的测试身份，证件号码是公开的）；"
                      "请用 staff add 逐个授予真实工作人员", file=sys.stderr)
                return 2

            for grant in staff_grants():
                staff.grant(session, **grant, by=_cli_actor())
                print(f"{grant['name']}：{'、'.join(grant['roles'])}")
            return 0
        for m in staff.members(session):
            print(f"{mask_id_number(m.key)}\t{m.name}\t{','.join(m.roles)}\t{m.department_code or ''}")
        return 0


def cmd_deadlines(args) -> int:
    """Objection steps due or overdue; with --apply, what passed deadlines require (for a daily cron)."""
    from datetime import datetime, timezone

    import yaml

    from credit import mail, objections
    from credit.dates import parse_date
    from credit.db import session_factory
    from credit.models import china_today
    from credit.search import open_index
    from credit.workdays import load_calendar
    from indexer.republish import republish

    settings, catalog = _context()
    today = parse_date(args.today) if args.today else china_today()
    if today is None:
        print(f"错误：--today 应为日期，例如 2026-10-09（收到 {args.today!r}）", file=sys.stderr)
        return 2
    try:
        calendar = load_calendar(args.calendar) if args.calendar else catalog.calendar
    except (OSError, ValueError, yaml.YAMLError) as exc:
        print(f"错误：节假日补充文件无法使用：{exc}", file=sys.stderr)
        return 2
    with session_factory(settings.database_url).begin() as session:
        items, done = objections.deadlines(session, catalog, calendar, today=today, now=datetime.now(timezone.utc),
                                           apply=args.apply)
        lines = [(i.state, i.request.ref, i.request.subject_name, i.step.label, i.request.due_on, i.note) for i in items]
    if done.republish:
        republish(settings, catalog, open_index(settings), done.republish, today)
    mail.send(settings, done.mails)
    states = {"due": "今日到期", "overdue": "已逾期", "applied": "已按规程处理", "uncovered": "期限无法计算"}
    for state, ref, name, step, due, note in lines:
        print(f"{states[state]}\t{ref}\t{name}\t{step}\t{due or '—'}\t{note}")
    print(f"到期 {sum(s == 'due' for s, *_ in lines)} 项，逾期 {sum(s == 'overdue' for s, *_ in lines)} 项，"
          f"已处理 {sum(s == 'applied' for s, *_ in lines)} 项（{today.isoformat()}）")
    uncovered = [note for s, *_, note in lines if s == "uncovered"]
    if uncovered:
        print(f"错误：{len(uncovered)} 项期限落在节假日安排尚未收录的年份，无法计算：{uncovered[0]}", file=sys.stderr)
        return 5
    return 0


def main(argv: list[str] | None = None) -> int:
    from credit.catalog import RECORD_KINDS

    parser = argparse.ArgumentParser(prog="python -m indexer", description="信用信息入库与检索索引工具")
    parser.add_argument("-q", "--quiet", action="store_true", help="不显示进度条")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="校验并导入信源单位报送的文件（CSV/XLSX/JSON Lines，可为目录）")
    p.add_argument("paths", nargs="+")
    p.add_argument("--kind", choices=RECORD_KINDS, help="记录类型（默认按表头判断）")
    p.add_argument("--report", help="把质量报告写成JSON文件")
    p.add_argument("--wait", action="store_true", help="另一个导入正在运行时排队等待它结束（默认立即退出）")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("reindex", help="从数据库重建检索索引（不停服）")
    p.set_defaults(func=cmd_reindex)

    p = sub.add_parser("expire", help="立即移出公示期届满的记录")
    p.set_defaults(func=cmd_expire)

    p = sub.add_parser("sample", help="生成样例数据（信源单位报送格式）")
    p.add_argument("--out", required=True)
    p.add_argument("--subjects", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("verify-log", help="校验查询日志的哈希链（发现被改动、删除、插入或调换的条目）")
    p.set_defaults(func=cmd_verify_log)

    p = sub.add_parser("prune-log", help="清理超过保存期（CREDIT_QUERY_LOG_YEARS）的查询日志")
    p.set_defaults(func=cmd_prune_log)

    p = sub.add_parser("clients", help="管理信用服务机构的批量查询客户端（create|list|suspend|resume|delete）")
    actions = p.add_subparsers(dest="action", required=True)
    c = actions.add_parser("create", help="创建客户端，打印 client_id 和只显示一次的密钥")
    c.add_argument("--name", required=True, help="机构名称")
    c.add_argument("--uscc", required=True, help="机构的统一社会信用代码")
    c.add_argument("--per-minute", type=int, required=True, help="合同约定的每分钟请求数")
    c.add_argument("--per-day", type=int, required=True, help="合同约定的每日查询条数")
    c.add_argument("--scope", choices=("public", "public+code"), default="public",
                   help="查询范围：public（仅公示信息，默认）或 public+code（另可凭授权码查询）")
    actions.add_parser("list", help="列出客户端（不含密钥）")
    for action, text in (("suspend", "停用客户端：其令牌立即失效"), ("resume", "恢复停用的客户端"),
                         ("delete", "删除客户端及其令牌")):
        actions.add_parser(action, help=text).add_argument("client_id")
    p.set_defaults(func=cmd_clients)

    p = sub.add_parser("staff", help="管理工作人员及其角色（add|remove|list）：admin、reviewer、department、auditor")
    actions = p.add_subparsers(dest="action", required=True)
    c = actions.add_parser("add", help="登记工作人员或修改其角色（以统一身份认证核验的公民身份号码识别）")
    c.add_argument("id_number", help="公民身份号码")
    c.add_argument("--name", required=True, help="姓名")
    c.add_argument("--role", action="append", required=True, choices=("admin", "reviewer", "department", "auditor"),
                   help="角色，可重复：admin 系统管理员，reviewer 异议与修复审核，department 信源单位经办人，auditor 审计")
    c.add_argument("--department", help="信源单位经办人所属单位的统一社会信用代码")
    actions.add_parser("remove", help="撤销工作人员的全部角色").add_argument("id_number")
    actions.add_parser("list", help="列出工作人员（身份号码部分隐藏）")
    actions.add_parser("add-demo", help="登记开发用身份提供方（idp/）中的测试工作人员，仅供演示")
    p.set_defaults(func=cmd_staff)

    p = sub.add_parser("deadlines", help="列出到期和逾期的异议处理环节；加 --apply 执行期限届满的规程（如停止公开），供每日定时运行")
    p.add_argument("--apply", action="store_true", help="执行期限届满后规程要求的处理，并记入办理记录")
    p.add_argument("--today", help="按这一天判断（默认今天），如 2026-10-09")
    p.add_argument("--calendar", help="另一个节假日补充文件（默认数据目录的 calendar.yaml）")
    p.set_defaults(func=cmd_deadlines)

    args = parser.parse_args(argv)
    from credit.config import SettingsError
    from credit.search import SearchError

    try:
        return args.func(args)
    except SearchError as exc:
        print(f"错误：检索引擎不可用或拒绝了请求：{exc}\n已提交数据库的记录不会丢失；引擎恢复后重新运行同样的命令即可补齐。",
              file=sys.stderr)
        return 3
    except SettingsError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\n已中断：已提交的批次均已保存，重新运行同样的命令即可继续。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
