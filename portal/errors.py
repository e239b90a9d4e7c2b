"""Every error the portal can answer, as a page or (under /api/) as {"error": {"code", "message"}}.

Handlers are registered on the app, not on a blueprint, so unknown URLs, rate-limit refusals and
failures before routing get the same treatment. No handler ever shows a traceback."""
from __future__ import annotations

import re
import sqlite3

from flask import Flask, current_app, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import (
    HTTPException,
    NotFound,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestURITooLarge,
)
from werkzeug.routing import RequestRedirect

from credit.search import QueryError, SearchError

UNAVAILABLE = "检索服务暂时不可用，请稍后再试"
DATABASE_UNAVAILABLE = "数据服务暂时不可用，请稍后再试"
# Pages say what to do on a page where the API's words name parameters and cursors.
PAGE_NUMBER_WRONG = "页码应为从 1 开始的整数。请从第 1 页开始浏览。"
PAGE_TOO_DEEP = "结果太多，网页只能翻看前 {window} 条。请用筛选条件（如数据来源单位、地区、日期）缩小范围后再查看。"
_DEEP = "页码过深"   # how base.check_depth's refusal begins

# Machine-readable codes and default messages for the HTTP errors raised outside our views.
HTTP_ERRORS = {
    400: ("invalid_input", "请求参数有误"),
    401: ("login_required", "请先登录"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "您访问的页面不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("body_too_large", "请求体过大"),
    414: ("uri_too_long", "请求地址过长，请缩短查询内容后重试"),
    429: ("rate_limited", "访问过于频繁，请稍后再试"),
    431: ("headers_too_large", "请求头过大，请清除本站 Cookie 后重试"),
    500: ("internal_error", "系统内部错误，请稍后再试"),
    503: ("search_unavailable", UNAVAILABLE),
}


class PortalError(Exception):
    """An answer the user can act on: an invalid code, an unknown subject, a bad parameter."""

    def __init__(self, status: int, code: str, message: str, page_message: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.page_message = page_message or message   # what an HTML page says


def invalid(message: str, code: str = "invalid_input", page_message: str | None = None) -> PortalError:
    return PortalError(400, code, message, page_message)


def not_found(message: str, code: str = "not_found") -> PortalError:
    return PortalError(404, code, message)


def wants_json() -> bool:
    """Under /api/ every answer is JSON, whatever the path looks like after it (//api/… included), and
    so is /healthz's, which monitors read."""
    path = re.sub("/{2,}", "/", request.path)
    return path in ("/api", "/healthz") or path.startswith("/api/")


def respond(error: PortalError):
    if wants_json():
        return jsonify(error={"code": error.code, "message": error.message}), error.status
    return render_template("errors/error.html", error=error), error.status


def _http_error(exc: HTTPException):
    code, message = HTTP_ERRORS.get(exc.code, ("http_error", exc.name))
    return respond(PortalError(exc.code or 500, code, message))


def _csrf_error(exc: CSRFError):
    from portal import login

    if request.endpoint == "account.logout" and login.identity() is None:
        # Logged out already (in another tab, or the session ended): the form's token left with the
        # session, and there is nothing left to log out.
        return redirect(url_for("public.home"))
    return respond(PortalError(400, "form_expired", "页面已过期或来源不明，请返回并刷新页面后重试"))


def _query_error(exc: QueryError):
    message = str(exc)
    deep = PAGE_TOO_DEEP.format(window=current_app.config["CREDIT_SETTINGS"].result_window)
    return respond(invalid(message, "invalid_query", deep if message.startswith(_DEEP) else None))


def _search_error(exc: SearchError):
    current_app.logger.warning("search engine unavailable: %s", exc)
    return respond(PortalError(503, "search_unavailable", UNAVAILABLE))


def _database_unavailable(exc: OperationalError):
    """A database that does not answer (down, unreachable) is a passing state, said as such (503), as
    a search engine's is. SQLite also calls a missing table or a bad statement an OperationalError:
    when the database still answers, it is the portal's fault (500, logged with its traceback)."""
    from portal import current

    busy = getattr(exc.orig, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    if not busy and current.database_error() is None:   # SQLite busy past its timeout: a passing state too
        return _unexpected(exc)
    current_app.logger.warning("database unavailable on %s %s: %s", request.method, request.path, exc.orig)
    return respond(PortalError(503, "database_unavailable", DATABASE_UNAVAILABLE))


def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    code, message = HTTP_ERRORS[500]
    return respond(PortalError(500, code, message))


def check_request() -> None:
    """Refuse, before any work, what is too large to be a request of ours, and API paths that
    Werkzeug would only redirect (with an HTML page) to a path with merged slashes: under /api/ an
    encoded slash belongs to a parameter, so that other path is not what was asked for.
    A body is too large over request.max_content_length: MAX_CONTENT_LENGTH (Settings.max_body_bytes),
    or an upload form's own limit (portal/uploads.py, which runs first). One sent without a length
    (chunked) is read no further than that limit: a form past it is refused with 413 by Werkzeug's
    form parser, the batch API's body by portal/batch.py."""
    environ, settings = request.environ, current_app.config["CREDIT_SETTINGS"]
    # The path as sent (servers keep it in RAW_URI or REQUEST_URI, some with the query string).
    path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")).split("?", 1)[0]
    if len(path) + len(environ.get("QUERY_STRING", "")) > settings.max_url:
        raise RequestURITooLarge()
    headers = [(key, value) for key, value in environ.items()
               if key.startswith("HTTP_") or key in ("CONTENT_TYPE", "CONTENT_LENGTH")]
    if (len(headers) > settings.max_header_fields
            or sum(len(k) + len(v) for k, v in headers) > settings.max_header_bytes):
        raise RequestHeaderFieldsTooLarge()
    if (request.content_length or 0) > (request.max_content_length or float("inf")):
        raise RequestEntityTooLarge()
    if wants_json() and isinstance(request.routing_exception, RequestRedirect):
        raise NotFound()


def register(app: Flask) -> None:
    """Handlers for every error, and the request check (registered before anything else looks
    at the request, so an oversized one costs nothing more)."""
    app.before_request(check_request)
    app.register_error_handler(PortalError, respond)
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
