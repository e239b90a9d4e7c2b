"""Statistics charts as server-rendered SVG (pygal): no script in them (the pages' Content-Security-
Policy forbids scripts), served from their own URL for an <img>, and Chinese labels drawn in a CJK
font installed with the portal (fonts-wqy-zenhei; Noto Sans CJK where that is installed instead)."""
from __future__ import annotations

import re
from functools import lru_cache

from credit.stats import KIND_LABELS, KINDS, Stats, share

FONT = "'WenQuanYi Zen Hei', 'Noto Sans CJK SC', 'Source Han Sans SC', sans-serif"
# What the SVG response may use: its own inline styles, nothing else.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@lru_cache(maxsize=1)
def _style():
    # pygal is imported with the first chart, not by every worker at start: most never draw one.
    from pygal.style import Style

    return Style(font_family=FONT, label_font_family=FONT, major_label_font_family=FONT, value_font_family=FONT,
                 value_label_font_family=FONT, tooltip_font_family=FONT, title_font_family=FONT,
                 legend_font_family=FONT, no_data_font_family=FONT, background="white", plot_background="white",
                 colors=("#1f5fa8", "#c0392b", "#7f8c8d", "#27ae60"), title_font_size=18, label_font_size=13,
                 major_label_font_size=13, legend_font_size=13)


def _config(title: str) -> dict:
    return {"title": title, "style": _style(), "js": [], "width": 800, "height": 420, "legend_at_bottom": True,
            "legend_at_bottom_columns": 3, "no_data_text": "暂无数据", "x_label_rotation": 0, "show_minor_x_labels": True,
            "print_values": False, "disable_xml_declaration": False}


def monthly(stats: Stats) -> bytes:
    """Published licences and penalties per month (and, for staff, those not published)."""
    import pygal

    chart = pygal.StackedBar(**_config(f"{stats.year}年双公示数据（按决定月份）"))
    chart.x_labels = [f"{int(m[5:])}月" for m in stats.months]
    for kind in KINDS:
        chart.add(f"{KIND_LABELS[kind]}·已公示", [stats.month_total(m, kind).published for m in stats.months])
    if not stats.public_only:
        chart.add("不予公示", [stats.month_total(m).received - stats.month_total(m).published for m in stats.months])
    return _svg(chart)


def timeliness(stats: Stats) -> bytes:
    import pygal

    chart = pygal.Line(**_config(f"{stats.limit}个工作日内公示的比例（%）"), range=(0, 100))
    chart.x_labels = [f"{int(m[5:])}月" for m in stats.months]
    for kind in KINDS:
        chart.add(KIND_LABELS[kind], [None if (s := share(stats.month_total(m, kind))) is None else round(100 * s, 1)
                                      for m in stats.months])
    return _svg(chart)


def searches(stats: Stats) -> bytes:
    import pygal

    chart = pygal.Bar(**_config("每日公众查询次数"))
    days = sorted(stats.searches)[-31:]
    chart.x_labels = [f"{d.month}/{d.day}" for d in days]
    chart.add("查询次数", [stats.searches[d] for d in days])
    return _svg(chart)


_SCRIPT = re.compile(rb"<script\b.*?</script>", re.S)


def _svg(chart) -> bytes:
    """The chart without the configuration script pygal always writes (its tooltips need it; a
    chart shown as an image runs no script anyway, and the response forbids them)."""
    return _SCRIPT.sub(b"", chart.render())


CHARTS = {"monthly": monthly, "timeliness": timeliness, "searches": searches}
