"""Small hand-made data sets, built the real way: rows → validate_row → credit.documents.

Dates are relative to `today`, so every record is inside its publicity window when the test runs."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from credit.catalog import Catalog
from credit.codes import uscc_check_char
from credit.documents import subject_documents
from credit.ids import new_public_id
from indexer.validate import identity, subject_key, validate_row

ORG = "法人及非法人组织"
MARKET = "武汉市市场监督管理局"
ENV = "湖北省生态环境厅"
TAX = "珠海市税务局"


def uscc(kind: str, region: str, serial: int) -> str:
    """A valid unified social credit code: kind (91 = company, 11 = authority), division, serial."""
    first17 = f"{kind}{region}{serial:09d}"
    return first17 + uscc_check_char(first17)


DEPT_CODES = {MARKET: uscc("11", "420100", 1), ENV: uscc("11", "420000", 2), TAX: uscc("11", "440400", 3)}


# One random public id per identity, as the database keeps it: rebuilding the same rows keeps their ids.
_PUBLIC_IDS: dict[str, str] = {}


@dataclass
class Row:
    """One submitted row, as RecordLike (what subject_documents reads)."""
    identity: str
    kind: str
    subject_key: str
    subject_type: str
    values: dict
    public_id: str = ""
    revoked: bool = False
    objection: str | None = None
    repaired_on: date | None = None

    def __post_init__(self):
        self.public_id = self.public_id or _PUBLIC_IDS.setdefault(self.identity, new_public_id())


def _subject(name: str, code: str) -> dict:
    key = "code_regno" if len(code) == 15 else "code_uscc"
    return {"subject_name": name, "subject_type": ORG, key: code}


def licence(name: str, code: str, days_ago: int, dept: str = MARKET, doc_no: str | None = None) -> tuple[str, dict]:
    return "licence", {**_subject(name, code), "doc_name": "食品经营许可决定书",
                       "doc_no": doc_no or f"许{code[-6:]}-{days_ago}", "licence_category": "普通",
                       "content": "食品销售", "decided_on": f"-{days_ago}", "valid_from": f"-{days_ago}",
                       "valid_to": f"+{365 * 5}", "authority": dept, "authority_code": DEPT_CODES[dept],
                       "status": "有效", "source_dept": dept, "source_dept_code": DEPT_CODES[dept]}


def penalty(name: str, code: str, days_ago: int, dept: str = MARKET, severity: str = "一般") -> tuple[str, dict]:
    return "penalty", {**_subject(name, code), "doc_no": f"罚{code[-6:]}-{days_ago}", "violation_type": "虚假宣传",
                       "facts": "发布虚假广告", "basis": "《广告法》第五十五条", "penalty_types": "罚款",
                       "content": "罚款人民币一万元", "fine_amount": "1", "decided_on": f"-{days_ago}",
                       "authority": dept, "authority_code": DEPT_CODES[dept], "source_dept": dept,
                       "source_dept_code": DEPT_CODES[dept], "severity": severity}


def list_entry(name: str, code: str, days_ago: int, list_type: str = "黑名单", list_name: str = "严重违法失信企业",
               dept: str = MARKET) -> tuple[str, dict]:
    return "list", {"list_type": list_type, "list_name": list_name, "subject_name": name, "subject_type": ORG,
                    "code_uscc": code, "reason": "拒不履行行政处罚决定", "basis": "《严重违法失信名单管理办法》",
                    "authority": dept, "decided_on": f"-{days_ago}", "source_dept": dept}


def _dates(raw: dict, today: date) -> dict:
    """'-30' → 30 days before today, '+365' → a year after (other values unchanged)."""
    out = {}
    for key, value in raw.items():
        if isinstance(value, str) and value[:1] in "+-" and value[1:].isdigit():
            value = (today + timedelta(days=int(value))).isoformat()
        out[key] = value
    return out


def publish_rows(rows: list[tuple[str, dict]], catalog: Catalog, today: date) -> list[dict]:
    """Every public document of these rows (records first, then each subject's entry)."""
    by_subject: dict[str, list[Row]] = defaultdict(list)
    for kind_name, raw in rows:
        kind = catalog.kinds[kind_name]
        values = validate_row(kind, _dates(raw, today), today)
        key = subject_key(values)
        by_subject[key].append(Row(identity(kind, values), kind_name, key, values["subject_type"], values))
    docs = []
    for key, records in by_subject.items():
        docs += subject_documents(key, records, catalog, today).docs
    return docs
