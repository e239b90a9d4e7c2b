"""A small hand-written data set whose every record is known, for exact content assertions.

Written as source files (CSV, in the national column names) and ingested the normal way."""
from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from credit.catalog import load_catalog
from credit.codes import id_check_char, uscc_check_char


def uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


def citizen_id(body17: str) -> str:
    return body17 + id_check_char(body17)


DEPT_MARKET = ("武汉市市场监督管理局", uscc("11420100MB1234560"))
DEPT_TAX = ("国家税务总局武汉市税务局", uscc("11420100MB1234570"))
DEPT_ENV = ("武汉市生态环境局", uscc("11420100MB1234580"))

GUANGGU = ("武汉市光谷科技有限公司", uscc("91420100MA4K00001"))
CHANGJIANG = ("湖北长江建设集团有限公司", uscc("91420100MA4K00002"))
PINGAN = ("平安银行股份有限公司", uscc("91440300MA4K00003"))
SHOP = ("武汉市洪山区张三便利店", uscc("92420111MA4K00004"))   # 个体工商户, operator 张三
OUYANG = ("欧阳小明", uscc("92420111MA4K00005"))               # 个体工商户 known by the operator's name
TRADERS = [(f"武汉市测试{n:02d}商贸有限公司", uscc(f"91420100MA4K1{n:04d}")) for n in range(25)]

SHOP_OPERATOR_ID = citizen_id("42011119800101001")
PERSON = ("王五", citizen_id("42010119850505002"))               # 自然人: never public
DEBTOR = ("赵六", citizen_id("42010219700707003"))               # 自然人 on 失信被执行人: public, ID masked
PHONE = "13812345678"


def _write(folder: Path, name: str, kind: str, rows: list[dict]) -> None:
    columns = load_catalog("default").kinds[kind].columns
    with (folder / name).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header for c in columns])
        for row in rows:
            writer.writerow([row.get(c.key, "") for c in columns])


def _subject(name_code: tuple[str, str], kind="法人及非法人组织", **extra) -> dict:
    return {"subject_name": name_code[0], "subject_type": kind, "code_uscc": name_code[1], **extra}


def _licence(subject: dict, n: int, decided: date, dept=DEPT_MARKET, **extra) -> dict:
    return {**subject, "doc_name": "食品经营许可决定书", "doc_no": f"鄂武市监许〔{decided.year}〕{n}号",
            "licence_category": "普通", "cert_name": "食品经营许可证", "licence_no": f"JY142010{n:06d}",
            "content": "预包装食品销售", "decided_on": decided.isoformat(), "valid_from": decided.isoformat(),
            "valid_to": (decided + timedelta(days=5 * 365)).isoformat(), "authority": dept[0],
            "authority_code": dept[1], "status": "1", "source_dept": dept[0], "source_dept_code": dept[1], **extra}


def _penalty(subject: dict, n: int, decided: date, dept=DEPT_MARKET, **extra) -> dict:
    return {**subject, "doc_no": f"武市监罚〔{decided.year}〕{n}号", "violation_type": "违反食品安全法",
            "facts": "经营超过保质期的食品", "basis": "《中华人民共和国食品安全法》第一百二十四条",
            "penalty_types": "罚款", "content": "罚款人民币伍仟元", "fine_amount": "0.5",
            "decided_on": decided.isoformat(), "authority": dept[0], "authority_code": dept[1],
            "source_dept": dept[0], "source_dept_code": dept[1], **extra}


def _entry(list_type: str, list_name: str, name: str, decided: date, kind="法人及非法人组织", code="", id_no="",
           dept=DEPT_TAX, **extra) -> dict:
    return {"list_type": list_type, "list_name": list_name, "subject_name": name, "subject_type": kind,
            "code_uscc": code, "id_no": id_no, "reason": f"{list_name}认定", "basis": "相关管理办法",
            "authority": dept[0], "decided_on": decided.isoformat(), "source_dept": dept[0], **extra}


def write(folder: Path, today: date) -> Path:
    """Write the mini data set's source files into `folder`; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    ago = lambda days: today - timedelta(days=days)
    guanggu, changjiang, pingan = _subject(GUANGGU, legal_rep="李明"), _subject(CHANGJIANG), _subject(PINGAN)
    shop = _subject(SHOP, "个体工商户", legal_rep="张三", legal_rep_id_no=SHOP_OPERATOR_ID)
    ouyang = _subject(OUYANG, "个体工商户")
    person = {"subject_name": PERSON[0], "subject_type": "自然人", "id_no": PERSON[1]}
    _write(folder, "licences.csv", "licence", [
        _licence(guanggu, 1, ago(10)), _licence(guanggu, 2, ago(40), dept=DEPT_ENV),
        _licence(pingan, 3, ago(5)),
        _licence(shop, 4, ago(20), remarks=f"经营者张三，联系电话{PHONE}"),
        _licence(ouyang, 5, ago(30)),
        _licence(person, 666, ago(15)),
        *[_licence(_subject(t), 100 + i, ago(50 + i)) for i, t in enumerate(TRADERS)],
    ])
    _write(folder, "penalties.csv", "penalty", [
        _penalty(guanggu, 1, ago(100)),
        _penalty(changjiang, 2, ago(200), dept=DEPT_ENV, severity="严重", violation_type="违反大气污染防治法",
                 facts="未按规定安装污染物排放自动监测设备", fine_amount="20"),
        _penalty(changjiang, 3, ago(300), procedure="简易程序"),                         # never public
        _penalty(changjiang, 4, ago(310), penalty_types="警告"),                         # never public
        _penalty(pingan, 5, ago(400)),                                                   # window over
        _penalty(pingan, 6, ago(360)),                              # public today, gone in 10 days
        _penalty(shop, 7, ago(60), facts=f"经营者张三（身份证号{SHOP_OPERATOR_ID}）销售过期食品，电话{PHONE}"),
        _penalty(person, 888, ago(70), facts="王五无证经营"),                              # 自然人: never public
    ])
    _write(folder, "lists.csv", "list", [
        _entry("红名单", "A级纳税人", GUANGGU[0], ago(90), code=GUANGGU[1]),
        _entry("红名单", "守合同重信用企业", PINGAN[0], ago(80), code=PINGAN[1], dept=DEPT_MARKET),
        _entry("红名单", "A级纳税人", PINGAN[0], ago(500), code=PINGAN[1], removed_on=ago(3).isoformat()),
        _entry("黑名单", "严重违法失信企业", CHANGJIANG[0], ago(150), code=CHANGJIANG[1], dept=DEPT_MARKET),
        _entry("黑名单", "失信被执行人", DEBTOR[0], ago(120), kind="自然人", id_no=DEBTOR[1]),
        _entry("黑名单", "严重违法失信企业", PERSON[0], ago(110), kind="自然人", id_no=PERSON[1]),  # not public
        _entry("重点关注名单", "经营异常名录", SHOP[0], ago(45), kind="个体工商户", code=SHOP[1],
               dept=DEPT_MARKET),
    ])
    return folder
