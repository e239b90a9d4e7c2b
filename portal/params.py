"""Query-string parameters → the portal's query objects, refusing bad input with a message.

Pages and API read their parameters here, so both accept exactly the same input."""
from __future__ import annotations

import re
from datetime import date

from werkzeug.datastructures import MultiDict

from credit.search.base import RECORD_KINDS
from portal.errors import invalid
from portal.queries import PAGE_SIZE, Filters, Paging

MAX_TEXT = 100         # characters in a search box or filter value
MAX_PAGE_SIZE = 100
_REGION = re.compile(r"^\d{6}$")


def text(args: MultiDict, name: str) -> str:
    value = " ".join((args.get(name) or "").split())
    if len(value) > MAX_TEXT:
        raise invalid(f"输入过长：最多{MAX_TEXT}个字符")
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
    number = int(value) if value.isdigit() else 0
    if number < 1 or (most and number > most):
        raise invalid(f"参数 {name} 应为正整数" + (f"，最大为{most}" if most else ""))
    return number


def filters(args: MultiDict) -> Filters:
    kind = text(args, "kind") or None
    if kind and kind not in RECORD_KINDS:
        raise invalid("记录类型应为 licence、penalty 或 list", "invalid_kind")
    region = text(args, "region") or None
    if region and not _REGION.match(region):
        raise invalid("地区应为6位行政区划代码")
    result = Filters(kind=kind, department=text(args, "department") or None, region=region,
                     list_name=text(args, "list_name") or None,
                     date_from=_date(args, "date_from"), date_to=_date(args, "date_to"))
    if result.date_from and result.date_to and result.date_from > result.date_to:
        raise invalid("起始日期不能晚于截止日期")
    return result


def paging(args: MultiDict, sizeable: bool = False) -> Paging:
    """Page number (and, for the API, page size and the `after` cursor)."""
    if not sizeable:
        return Paging(page=_int(args, "page", 1))
    return Paging(page=_int(args, "page", 1), size=_int(args, "size", PAGE_SIZE, MAX_PAGE_SIZE),
                  after=(args.get("after") or "").strip() or None)
