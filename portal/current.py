"""What every view needs from the app it runs in: the search index and the day it answers for."""
from __future__ import annotations

from datetime import date

from flask import current_app

from credit.search import SearchIndex


def index() -> SearchIndex:
    return current_app.extensions["credit_index"]


def today() -> date:
    """The publicity windows are judged on this day; tests set TODAY to travel in time."""
    return current_app.config.get("TODAY") or date.today()
