"""How records are laid out on pages. Every label comes from the catalogue (column headers, kind
and list names), read once per app, so a catalogue change relabels every page; only the choice of
summary columns is made here."""
from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from flask import Flask, current_app, g, get_template_attribute, request, url_for
from markupsafe import Markup

from analyzers.regions import GROUPINGS, region_names
from credit.catalog import RECORD_KINDS, Catalog
from credit.codes import REGNO_SHAPE, USCC_SHAPE, mask_id_number
from portal.extensions import limiter

# The columns a record's card shows in a profile or list (the detail page shows them all).
SUMMARY_COLUMNS = {
    "licence": ("doc_name", "licence_category", "content", "valid_to"),
    "penalty": ("violation_type", "penalty_types", "content"),
    "list": ("list_name", "reason", "authority", "valid_to"),
}
# How a query-log entry read a record, as its subject reads it.
READ_WAYS = {"self": "本人", "code": "授权码", "institution": "信用服务机构", "staff": "信用中心工作人员"}
# Who a list entry is about, shown where entries of many subjects are listed together.
IDENTITY_COLUMNS = ("code_uscc", "id_no")
# 行政相对人代码_1（统一社会信用代码） reads as 统一社会信用代码: a numbered standard column is
# known by the name in its brackets.
_NUMBERED = re.compile(r"^.+_\d+[（(](.+)[）)]$")
# Values read and copied as one piece, never broken across lines: codes by their catalogue type,
# and document and licence numbers (typed text, since every department numbers its own way).
WHOLE_TYPES = {"uscc", "code", "citizen_id"}
WHOLE_COLUMNS = {"doc_no", "licence_no"}
# Characters a URL path carries as they are (url_for quotes nothing else in a public code).
_PLAIN_PATH = re.compile(r"^[0-9A-Za-z_.-]+$")
# Rendered macro calls kept per app (see fragment); a full cache starts again. The selected
# filter values are part of the key, so this bounds what odd values can make it hold (~2 MB).
FRAGMENTS = 1024


@dataclass(frozen=True)
class Labels:
    fields: dict[str, dict[str, str]]   # kind → column key → label, in catalogue order
    dates: dict[str, str]               # kind → label of the date a record is listed by
    kinds: dict[str, str]               # licence → 行政许可 …
    lists: dict[str, str]               # red → 红名单 …
    whole: dict[str, frozenset[str]]    # kind → keys of the columns shown unbroken (codes, numbers)

    @classmethod
    def of(cls, catalog: Catalog) -> Labels:
        fields = {name: {col.key: _short(col.header) for col in kind.columns} for name, kind in catalog.kinds.items()}
        whole = {name: frozenset(col.key for col in kind.columns if col.type in WHOLE_TYPES or col.key in WHOLE_COLUMNS)
                 for name, kind in catalog.kinds.items()}
        return cls(fields=fields, dates={name: fields[name][kind.date_field] for name, kind in catalog.kinds.items()},
                   kinds={name: kind.label for name, kind in catalog.kinds.items()}, lists=dict(catalog.list_types),
                   whole=whole)


class Field(NamedTuple):
    label: str
    value: str
    whole: bool   # a code or number: shown on one line (below its label if need be), never broken


def _short(header: str) -> str:
    match = _NUMBERED.match(header)
    return match.group(1) if match else header


def labels() -> Labels:
    return current_app.extensions["credit_labels"]


def catalog() -> Catalog:
    return current_app.extensions["credit_catalog"]


def record_fields(record: dict) -> list[Field]:
    """Every public field of a record, in catalogue order."""
    values, whole = record["fields"], labels().whole[record["kind"]]
    return [Field(label, values[key], key in whole)
            for key, label in labels().fields[record["kind"]].items() if key in values]


def summary_fields(record: dict, identity: bool = False, department: bool = False) -> list[Field]:
    """The record's summary columns that have a value (its subject's codes too, if asked, and the
    department that reported it, where it is not shown apart)."""
    names, values, whole = labels().fields[record["kind"]], record["fields"], labels().whole[record["kind"]]
    keys = (IDENTITY_COLUMNS if identity else ()) + SUMMARY_COLUMNS[record["kind"]] + (("source_dept",) if department else ())
    return [Field(names[key], values[key], key in whole) for key in keys if values.get(key)]


def code_label(code: str) -> str:
    """What a subject's public code is called: its catalogue column, judged by its shape."""
    return _code_label(labels().fields["licence"], code)


def _code_label(names: dict[str, str], code: str) -> str:
    key = "code_uscc" if USCC_SHAPE.match(code) else "code_regno" if REGNO_SHAPE.match(code) else None
    return names[key] if key else "登记代码"


def list_names(slug: str) -> list[str]:
    """The catalogue's list names of one list type, for the list-name filter."""
    return [name for name, spec in catalog().list_names.items() if spec["type"] == catalog().list_types[slug]]


@lru_cache(maxsize=4)
def region_options(province: str) -> list[tuple[str, str]]:
    """The province and its prefectures, for the region filter."""
    names = region_names()
    prefectures = [(code, name) for code, name in names.items()
                   if code[:2] == province[:2] and code.endswith("00") and code != province
                   and name not in GROUPINGS]
    return ([(province, names[province])] if province in names else []) + prefectures


def page_url(page: int) -> str:
    """This page's URL with the same filters, on another page number. The URL is built once per
    request and the numbers of the pager's links are put in its place."""
    parts = g.get("page_url_parts")
    if parts is None:
        args = {**request.args.to_dict(), "page": 1}
        url = url_for(request.endpoint, **(request.view_args or {}), **args)
        path, _, query = url.partition("?")
        pairs = query.split("&")
        at = pairs.index("page=1")   # the one `page` argument: other keys are not `page`
        parts = g.page_url_parts = (f"{path}?{'&'.join(pairs[:at] + ['page='])}",
                                    "".join(f"&{pair}" for pair in pairs[at + 1:]))
    return f"{parts[0]}{page}{parts[1]}"


def subject_url(code: str) -> str:
    """url_for('public.subject', code=code), with the route built once per request rather than
    for each of a results page's twenty subjects: a public code is letters and digits, which the
    URL carries as they are."""
    return _subject_url(_subject_url_prefix(), code)


def _subject_url_prefix() -> str:
    prefix = g.get("subject_url_prefix")
    if prefix is None:
        prefix = g.subject_url_prefix = url_for("public.subject", code="0")[:-1]
    return prefix


def _subject_url(prefix: str, code: str) -> str:
    return prefix + code if _PLAIN_PATH.match(code) else url_for("public.subject", code=code)


class ResultRow(NamedTuple):
    """What a results page shows of one subject, each value ready for the template: a row costs a
    few plain names there rather than a dozen look-ups and calls per result."""
    item: dict            # the search item (credit.lookups)
    url: str
    name: Markup          # the name, matched part marked
    formers: Markup | None  # its former names, the one the query matched marked
    flags: Markup | None  # the lists it is on (list_flags)
    code_name: str        # what its code is called (code_label)
    code: str
    region_name: str | None
    subject_type: str | None
    counts: Markup        # its record counts (counts)


def result_rows(items: list[dict]) -> list[ResultRow]:
    """A results page's subjects as rows: the profile's URL, what the code is called, the list
    flags and the record counts as rendered."""
    shown, prefix, names = _fragments(), _subject_url_prefix(), labels().fields["licence"]
    return [ResultRow(item, _subject_url(prefix, item["code"]), Markup(item["highlight"]),
                      _former_names(item) if item["former_names"] else None,
                      shown("list_flags", item["lists"]) if item["lists"] else None, _code_label(names, item["code"]),
                      item["code"], item["region_name"], item["subject_type"], shown("counts", item["counts"]))
            for item in items]


def _former_names(item: dict) -> Markup:
    """A result's former names, joined; the one its query matched (when only a former name holds
    the query) marked as the analyzer highlighted it, the others escaped."""
    matched = item["matched_former_name"]
    return Markup("；").join(Markup(item["former_highlight"]) if name == matched else name
                            for name in item["former_names"])


def fragment(macro: str, *args) -> Markup:
    """`macro(*args)` of macros.html, rendered once per app for the same arguments. For the
    pieces a results page repeats for every result with a handful of different values — record
    counts, list flags — and the filter form's options: a macro call costs more than the result's
    own fields. Only macros whose output depends on their arguments and the app's labels alone may
    be used this way (no request, no URL, no form token). Templates reloaded while the app runs
    (debug) are rendered afresh each time."""
    return _fragments()(macro, *args)


def _fragments():
    """`fragment` bound to this app's cache, for a caller that renders many."""
    app = current_app._get_current_object()
    if app.jinja_env.auto_reload:
        return lambda macro, *args: Markup(get_template_attribute("macros.html", macro)(*args))
    cache = app.extensions["credit_fragments"]

    def shown(macro: str, *args) -> Markup:
        key = (macro, _frozen(args))
        html = cache.get(key)
        if html is None:
            if len(cache) >= FRAGMENTS:
                cache.clear()
            html = cache[key] = Markup(get_template_attribute("macros.html", macro)(*args))
        return html
    return shown


def _frozen(value):
    """A value as a key: lists and dicts (in their order) as tuples."""
    if isinstance(value, dict):
        value = tuple(value.items())
    if isinstance(value, (list, tuple)):
        flat = tuple(value)
        try:
            hash(flat)   # texts, numbers, or pairs of them (options, counts): a key as it is
            return flat
        except TypeError:
            return tuple(_frozen(item) for item in flat)
    return value


def page_numbers(page: int, last: int, around: int = 2) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: the first, the last and a few around the current (None = gap)."""
    shown = sorted({1, last, *range(max(1, page - around), min(last, page + around) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def retry_wait() -> str | None:
    """How long a refused client waits, in words: the Retry-After the rate limiter sends with the
    page (seconds until the breached limit's window resets)."""
    limit = limiter.current_limit
    if limit is None:
        return None
    seconds = max(1, int(limit.reset_at - time.time()))
    return f" {seconds} 秒" if seconds < 120 else f"约 {math.ceil(seconds / 60)} 分钟"


def register(app: Flask) -> None:
    app.extensions["credit_labels"] = Labels.of(app.extensions["credit_catalog"])
    app.extensions["credit_fragments"] = {}
    for helper in (record_fields, summary_fields, code_label, list_names, result_rows, fragment, page_url, page_numbers,
                   retry_wait):
        app.add_template_global(helper)
    app.add_template_global(mask_id_number, "mask_id")
    app.jinja_env.globals.update(labels=app.extensions["credit_labels"], record_kinds=RECORD_KINDS, read_ways=READ_WAYS,
                                 regions=region_options(app.config["HOME_REGION"]))
