"""Row validation (data-quality control, SPEC §3.4): every check is driven by the catalogue's
column types; each problem comes back with a reason a clerk can act on."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from credit.catalog import ORGANISATION, PERSON, SOLE_TRADER, Catalog, Column, Kind
from credit.codes import SUBJECT_CODE_KEYS, id_problem, normalize_code, registered_code, uscc_problem
from credit.dates import add_months, parse_date
from credit.publicity import publicity_cap
from credit.typed import INVISIBLE, REMOVED

RESIDENT_ID_TYPES = {"", "身份证", "居民身份证", "中华人民共和国居民身份证", "001"}
ADULT_MONTHS = 18 * 12
_MULTI_SEP = re.compile(r"[;；,，、]")
_SPACES = re.compile(r"[\s\u3000]+")
# An amount as clerks and spreadsheets write it: 1000, 1,000.5 (commas only between groups of three
# digits: "1,5" is no 15), .5, 1e3. Not NaN, Infinity, 1_000 or other scripts' digits, which float()
# would take: NaN and Infinity are no amounts, and would be stored as nothing.
_AMOUNT = re.compile(r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:E[+-]?[0-9]+)?", re.ASCII)

# Problem codes: why a row is rejected (and publicity_capped, a note on an accepted row). The quality
# report counts rows by them; the sample generator (indexer/sample/faults.py) breaks rows in each way.
MISSING_REQUIRED = "missing_required"
BAD_DATE = "bad_date"
FUTURE_DATE = "future_date"
VALID_TO_BEFORE_FROM = "valid_to_before_from"
BAD_AMOUNT = "bad_amount"
BAD_USCC = "bad_uscc"
BAD_CITIZEN_ID = "bad_citizen_id"
BAD_ENUM = "bad_enum"
NO_LEGAL_CODE = "no_legal_code"
UNDER_AGE = "under_age"
PUBLICITY_CAPPED = "publicity_capped"
GARBLED_TEXT = "garbled_text"
_GARBLED = "\ufffd"


@dataclass(frozen=True)
class Problem:
    field: str    # the column header, as the clerk sees it
    code: str     # machine-readable reason
    reason: str   # what to fix, in Chinese


class RowError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.reason for p in problems))
        self.problems = problems


# Full-width letters and digits → ASCII (Ａ→A, ９→9); CJK punctuation such as （） is kept as written.
_FULLWIDTH_ALNUM = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF5B) if chr(cp - 0xFEE0).isalnum()}
# Control characters (C0, DEL, C1) that are not white space: NUL and the like, invisible in the
# clerk's file and meaningless in a record. They are removed, not a reason to reject the row (the
# clerk could not see what to fix), so none is stored in a record's values or published; the row
# as sent keeps them. Tab, line breaks and the other spacing controls become one space, as any run
# of white space does. So do the invisible characters a copy from a web page or a second file's BOM
# brings (zero-width spaces, U+FEFF, soft hyphens), which would make a code 19 characters long, a
# date or a category unreadable and a document number another record's, and the bidirectional
# overrides and isolates, which would make a published name read otherwise than it was written
# (武汉\u202e司公限有技科 reads 武汉科技有限公司).
_CONTROL = INVISIBLE
_NEEDS_CLEANING = re.compile(r"[０-９Ａ-Ｚａ-ｚ]|\s\s|[\u3000\t\n\r\x0b\x0c\x1c-\x1f\x85]|" + _CONTROL.pattern)
# For a whole row at once: a character class alone is a fast scan, where the pattern above costs
# ~30 µs a row. White space other than the plain space always sends the row to the cell-by-cell
# check, so two spaces in a row ("\s\s") can only be two plain ones, looked for as such.
_OTHER_SPACE = "".join(chr(c) for c in range(0x3001) if chr(c).isspace() and c != 0x20)   # what \s matches
_ROW_MAY_NEED_CLEANING = re.compile("[０-９Ａ-Ｚａ-ｚ" + re.escape(_OTHER_SPACE) + _CONTROL.pattern[1:])


def clean_text(value) -> str:
    """Full-width letters/digits to half-width, stray spaces trimmed, control characters removed."""
    if value is None:
        return ""
    text = str(value).strip()
    if _NEEDS_CLEANING.search(text):  # most cells need nothing: one scan decides
        text = _SPACES.sub(" ", REMOVED.sub("", text).translate(_FULLWIDTH_ALNUM)).strip()
    return text


def _enum(col: Column, text: str) -> str | None:
    text = _SPACES.sub("", text)
    text = col.aliases.get(text, text)
    return text if text in col.values else None


def _resident_id(col: Column, row: dict) -> bool:
    """Whether a citizen_id cell holds a resident ID number (passports and others are kept as given)."""
    return not col.id_type_column or _SPACES.sub("", row.get(col.id_type_column) or "") in RESIDENT_ID_TYPES


def _check(col: Column, text: str, row: dict, today: date) -> tuple[object, Problem | None]:
    """(normalized value, problem or None) of one non-empty cell."""
    def bad(code: str, reason: str):
        return None, Problem(col.header, code, reason)

    if col.type == "date":
        day = parse_date(text)
        if day is None:
            # 46086: a spreadsheet's day number, the cell's date format lost on the way.
            serial = "；像是Excel的日期序列号，请把该列设为日期或文本格式后重新导出" if text.isdigit() and len(text) == 5 else ""
            return bad(BAD_DATE, f"{col.header}“{text}”不是有效日期（应为2024-03-05、2024/3/5、2024年3月5日或20240305{serial}）")
        if day > today and not col.future:
            return bad(FUTURE_DATE, f"{col.header}{day.isoformat()}晚于今天")
        return day.isoformat(), None
    if col.type == "amount":
        number = normalize_code(text)
        if not _AMOUNT.fullmatch(number):
            hint = "（逗号只能用作千位分隔符，如1,000；小数点请用“.”）" if "," in number else ""
            return bad(BAD_AMOUNT, f"{col.header}“{text}”不是数字{hint}")
        amount = float(number.replace(",", "")) + 0.0   # + 0.0: "-0" is 0
        if amount == float("inf"):
            return bad(BAD_AMOUNT, f"{col.header}“{text}”超出可表示的范围")
        if amount < 0:
            return bad(BAD_AMOUNT, f"{col.header}不能为负数")
        return amount, None
    if col.type == "uscc":
        code = normalize_code(text)
        problem = uscc_problem(code)
        return (code, None) if problem is None else bad(BAD_USCC, f"{col.header}：{problem}")
    if col.type == "citizen_id":
        number = normalize_code(text)
        if not _resident_id(col, row):
            return number, None
        problem = id_problem(number)
        return (number, None) if problem is None else bad(BAD_CITIZEN_ID, f"{col.header}：{problem}")
    if col.type == "code":
        return normalize_code(text), None
    if col.type == "enum":
        value = _enum(col, text)
        return (value, None) if value else bad(BAD_ENUM, f"{col.header}“{text}”不在可选值内（{'/'.join(col.values)}）")
    if col.type == "enum_multi":
        parts = [p for p in _MULTI_SEP.split(text) if p.strip()]
        values = [_enum(col, p) for p in parts]
        if not values or None in values:
            wrong = [p for p, v in zip(parts, values) if v is None]
            return bad(BAD_ENUM, f"{col.header}“{'、'.join(wrong) or text}”不在可选值内")
        return list(dict.fromkeys(values)), None
    return text, None


def validate_row(kind: Kind, raw: dict[str, str], today: date) -> dict:
    """Normalized values by column key, or RowError listing every problem of the row.

    `raw` maps column keys to the cell text as read."""
    values: dict[str, object] = {}
    problems: list[Problem] = []
    texts = _clean_row(raw)
    if garbled := any(_GARBLED in text for text in texts.values()):
        problems += _garbled(kind, texts)
    for col, key, default, checked in _plan(kind, today):
        text = texts.get(key, "") or default
        if not text:
            if col.required:
                problems.append(Problem(col.header, MISSING_REQUIRED, f"必填项{col.header}为空"))
            continue
        if garbled and _GARBLED in text:   # said once, as garbled
            continue
        if checked is None:   # free text: kept as cleaned
            values[key] = text
            continue
        found = checked.get(text) if checked is not _UNCACHED else None
        if found is None:
            found = _check(col, text, texts, today)
            if checked is not _UNCACHED:
                if len(checked) >= _CACHE_PER_COLUMN:
                    checked.clear()
                checked[text] = found
        value, problem = found
        if problem:
            problems.append(problem)
        else:
            values[key] = list(value) if type(value) is list else value
    problems += _cross_checks(kind, values, {p.field for p in problems})
    if problems:
        raise RowError(problems)
    return values


def check_correction(kind: Kind, values: dict, key: str, text: str, today: date) -> dict:
    """A stored record's `values` with column `key` corrected to the typed `text` (a correction made
    on an objection, credit.objections): the cell checked as a source's cell is, and the checks
    across fields that the new value fails, so a correction stores nothing ingest would reject — a
    future decision date would keep a penalty public for decades. RowError when wrong."""
    col = kind.column(key)
    text = clean_text(text)
    if not text:
        raise RowError([Problem(col.header, MISSING_REQUIRED, f"必填项{col.header}为空")])
    if _GARBLED in text:   # pasted from a garbled copy: the text is lost, as in a source's cell
        raise RowError(_garbled(kind, {key: text}))
    value, problem = _check(col, text, values, today)
    if problem is not None:
        raise RowError([problem])
    corrected = {**values, key: list(value) if type(value) is list else value}
    before = {(p.field, p.code) for p in _cross_checks(kind, values, set())}
    if problems := [p for p in _cross_checks(kind, corrected, set()) if (p.field, p.code) not in before]:
        raise RowError(problems)
    return corrected


# A column's cells repeat across rows (departments, enumerations, dates): the outcome of checking
# a cell is kept per column, for the columns whose outcome depends on the cell alone. Bounded, as
# codes and amounts hardly repeat.
_CACHE_PER_COLUMN = 4096
_UNCACHED: dict = {}    # marks a column checked every time (a citizen ID depends on the ID type column)
_plans: dict[int, tuple[Kind, date, list]] = {}


def _plan(kind: Kind, today: date) -> list[tuple[Column, str, str, dict | None]]:
    """(column, key, default, cache of checked cells or None for free text) per column of the kind."""
    known = _plans.get(id(kind))
    if known is None or known[0] is not kind or known[1] != today:
        plan = [(col, col.key, col.default or "",
                 None if col.type == "text" else _UNCACHED if col.type == "citizen_id" else {})
                for col in kind.columns]
        known = _plans[id(kind)] = (kind, today, plan)
    return known[2]


def _clean_row(raw: dict) -> dict[str, str]:
    """clean_text of every cell. Most rows hold nothing to clean: one scan of the row as a whole
    (cells joined by a character no pattern matches, so no match spans two cells) decides; a row
    it sends on may still need nothing, which clean_text then finds cell by cell."""
    try:
        joined = "|".join(raw.values())
    except TypeError:   # a spreadsheet's numbers and dates, or None
        return {k: clean_text(v) for k, v in raw.items()}
    if "  " in joined or _ROW_MAY_NEED_CLEANING.search(joined):
        return {k: clean_text(v) for k, v in raw.items()}
    return {k: v.strip() for k, v in raw.items()}


def _garbled(kind: Kind, texts: dict[str, str]) -> list[Problem]:
    """Cells holding U+FFFD, what a program leaves of characters it could not decode (a GBK file
    opened as UTF-8 and saved): the text is lost, and would be stored and published garbled."""
    return [Problem(col.header, GARBLED_TEXT, f"{col.header}含乱码字符“{_GARBLED}”（文件可能曾用错误的编码打开后又保存），"
                                              "原文已无法还原；请从原始数据重新导出后报送")
            for col in kind.columns if _GARBLED in texts.get(col.key, "")]


def _cross_checks(kind: Kind, values: dict, already: set[str]) -> list[Problem]:
    """Checks across fields; a field already reported as wrong is not reported again."""
    problems = []
    start, end = values.get("valid_from"), values.get("valid_to")
    if kind.name == "licence" and start and end and end < start:
        problems.append(Problem(kind.column("valid_to").header, VALID_TO_BEFORE_FROM, "有效期至早于有效期自"))
    until, decided = values.get("publicity_until"), values.get("decided_on")
    if kind.name == "penalty" and until and decided and until < decided:
        # A window that ends before it begins: the penalty would never be shown, and nobody told why.
        problems.append(Problem(kind.column("publicity_until").header, BAD_DATE,
                                f"公示截止期（{until}）早于处罚决定日期（{decided}），该处罚将无法公示；请核对后重新报送"))
    removed, listed = values.get("removed_on"), values.get("decided_on")
    if removed and listed and removed < listed:
        problems.append(Problem(kind.column("removed_on").header, BAD_DATE, "移出日期早于列入日期"))
    subject_type = values.get("subject_type")
    first = kind.column("code_uscc").header
    if subject_type == ORGANISATION and not any(values.get(k) for k in SUBJECT_CODE_KEYS) and first not in already:
        problems.append(Problem(first, NO_LEGAL_CODE, f"{ORGANISATION}须填写有效的统一社会信用代码或其他行政相对人代码之一"))
    if subject_type == SOLE_TRADER and not subject_key(values) and first not in already:
        problems.append(Problem(first, NO_LEGAL_CODE, f"{SOLE_TRADER}须填写统一社会信用代码、注册号或经营者证件号码"))
    if subject_type == PERSON and not values.get("id_no") and kind.column("id_no").header not in already:
        problems.append(Problem(kind.column("id_no").header, MISSING_REQUIRED, f"{PERSON}须填写证件号码"))
    if subject_type == PERSON and _under_age(kind, values):
        id_col, date_col = kind.column("id_no"), kind.column(kind.date_field)
        problems.append(Problem(id_col.header, UNDER_AGE,
                                f"按{id_col.header}推算，该{PERSON}在{date_col.header}（{values[kind.date_field]}）"
                                f"未满18周岁，未成年人的信息不予归集；如证件号码或日期填错，请更正后重新报送"))
    return problems


def _under_age(kind: Kind, values: dict) -> bool:
    """Whether the resident ID number shows a person under 18 on the decision date. A person is
    年满18周岁 from the day after the 18th birthday; other documents carry no birth date."""
    number, decided = values.get("id_no"), values.get(kind.date_field)
    if not number or not decided or not _resident_id(kind.column("id_no"), values):
        return False
    born = _birth_date(number)
    return born is not None and date.fromisoformat(decided) <= add_months(born, ADULT_MONTHS)


def _birth_date(number: str) -> date | None:
    """The birth date in a valid 18-character resident ID number (positions 7–14), if it is a date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def publicity_note(kind: Kind, values: dict, catalog: Catalog) -> Problem | None:
    """An accepted penalty whose 公示截止期 runs past the profile's maximum: kept as sent, shown
    only until the maximum, and noted in the quality report."""
    cap = publicity_cap(values, catalog) if values.get("publicity_until") and kind.name == "penalty" else None
    if cap is None:
        return None
    severity = values.get("severity") or "一般"
    months = catalog.profile["penalty"]["severity"][severity]["max_months"]
    col = kind.column("publicity_until")
    return Problem(col.header, PUBLICITY_CAPPED,
                   f"{col.header}{values['publicity_until']}超过{severity}处罚的最长公示期（自处罚决定日期起"
                   f"{months}个月），公示截至{cap.isoformat()}")


def subject_key(values: dict) -> str:
    """Whose record this is: the USCC, else another registered code, else the ID number (that of
    the 证件号码 column, else one a code column holds: a sole trader's tax number is often its
    operator's)."""
    return (registered_code(values) or str(values.get("id_no") or "")
            or next((str(values[k]) for k in SUBJECT_CODE_KEYS if values.get(k)), ""))


def identity(kind: Kind, values: dict) -> str:
    """(kind, source department, document number): a row arriving again replaces the earlier one."""
    parts = [subject_key(values) if k == "subject_key" else str(values.get(k, "")) for k in kind.identity]
    return "|".join([kind.name, *parts])
