"""Forms that carry files (an objection's evidence, a credit repair's proof): each one's body limit,
applied before anything reads the form — the CSRF check included — so an upload larger than the
limits allow is refused with 413 unread, and the chosen files read into memory for credit.evidence."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, request

from credit.config import Settings
from credit.evidence import Upload
from portal import current

# Room for the form's text fields and the multipart framing around the files.
FORM_ALLOWANCE = 256 * 1024


def limit(app: Flask, endpoint: str, files: Callable[[Settings], tuple[int, int]]) -> None:
    """Cap the body of `endpoint` at (max files × max bytes each), from the settings, plus the form."""
    limits = app.extensions.setdefault("upload_limits", {})
    if not limits:   # one hook for every upload form, ahead of all others
        app.before_request_funcs.setdefault(None, []).insert(0, _apply)
    limits[endpoint] = files


def _apply() -> None:
    files = current_app.extensions["upload_limits"].get(request.endpoint)
    if files is not None:
        count, size = files(current.settings())
        request.max_content_length = count * size + FORM_ALLOWANCE


def chosen(field: str, max_bytes: int) -> list[Upload]:
    """The files chosen in `field`, each read to at most one byte over `max_bytes` (enough to refuse it)."""
    return [Upload(f.filename or "", f.stream.read(max_bytes + 1)) for f in request.files.getlist(field) if f.filename]
