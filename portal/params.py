"""Query-string parameters → the portal's query objects, refusing bad input with a message.

Pages and API read their parameters here, so both accept exactly the same input, within the
limits of the app's settings (credit.config)."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from werkzeug.datastructures import MultiDict

from credit.catalog import RECORD_KINDS
from portal import current
from portal.errors import PAGE_NUMBER_WRONG, invalid
from portal.lookups import Filters, Paging

# ASCII digits only: \d and str.isdigit() also accept ４, ² and ①, which int() or a division code refuse.
_DIGITS = re.compile(r"[0-9]+")
_REGION = re.compile(r"[0-9]{6}")
# More digits than any page or size can have; int() need not read thousands of them.
_MAX_DIGITS = 9


def text(args: MultiDict, name: str) -> str:
    value, most = " ".join((args.get(name) or "").split()), current.settings().max_text
    if len(value) > most:
        raise invalid(f"输入过长：最多{most}个字符")
    return value


def _date(args: MultiDict, name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(f"日期格式应为 YYYY-MM-DD：{value}") from None


def _int(args: MultiDict, name: str, default: int, most: int | None = None) -> int:
    value = (args.get(name) or "").strip()
    if not value:
        return default
    number = _number(value) if _DIGITS.fullmatch(value) else 0
    if number < 1 or (most and number > most):
        raise invalid(f"参数 {name} 应为正整数" + (f"，最大为{most}" if most else ""),
                      page_message=PAGE_NUMBER_WRONG if name == "page" else None)
    return number


def _number(digits: str) -> int:
    """The value of ASCII digits; past _MAX_DIGITS, a number above every limit."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _MAX_DIGITS else 10 ** _MAX_DIGITS


def _cursor(args: MultiDict) -> str | None:
    value = (args.get("after") or "").strip()
    if len(value) > current.settings().max_cursor:
        raise invalid("翻页游标无效", "invalid_query")
    return value or None


def filters(args: MultiDict) -> Filters:
    kind = text(args, "kind") or None
    if kind and kind not in RECORD_KINDS:
        raise invalid(f"记录类型应为 {'、'.join(RECORD_KINDS[:-1])} 或 {RECORD_KINDS[-1]}", "invalid_kind")
    region = text(args, "region") or None
    if region and not _REGION.fullmatch(region):
        raise invalid("地区应为6位行政区划代码")
    result = Filters(kind=kind, department=text(args, "department") or None, region=region,
                     list_name=text(args, "list_name") or None,
                     date_from=_date(args, "date_from"), date_to=_date(args, "date_to"))
    if result.date_from and result.date_to and result.date_from > result.date_to:
        raise invalid("起始日期不能晚于截止日期")
    return result


def paging(args: MultiDict, sizeable: bool = False) -> Paging:
    """Page number (and, for the API, page size and the `after` cursor)."""
    settings = current.settings()
    paging = Paging(size=settings.page_size, window=settings.result_window, page=_int(args, "page", 1))
    if not sizeable:
        return paging
    return replace(paging, size=_int(args, "size", settings.page_size, settings.max_page_size), after=_cursor(args))
