"""The public statistics page /stats (issue 14): published double-publicity records per month and
department, their timeliness, list entries added and removed, and searches per day. Only figures
about published records: nothing here counts records that are not public, so no figure can tell
anything about a named subject's non-public records."""
from __future__ import annotations

from flask import Blueprint, render_template

from credit import quality, stats
from portal import console

bp = Blueprint("public_stats", __name__)


@bp.get("/stats")
def page():
    result = console.compute(public_only=True)
    return render_template("console/stats.html", stats=result, staff_view=False, kinds=stats.KINDS,
                           kind_labels=stats.KIND_LABELS, share=stats.share, Cell=stats.Cell,
                           chart_endpoint="public_stats.chart", csv_endpoint="public_stats.csv")


@bp.get("/stats.csv")
def csv():
    result = console.compute(public_only=True)
    return console._download(quality.to_csv(stats.csv_rows(result)), f"stats-{result.year}.csv",
                             "text/csv; charset=utf-8")


@bp.get("/stats/<name>.svg")
def chart(name: str):
    return console.chart_response(name, console.compute(public_only=True))
