"""Every error the portal can answer, as a page or (under /api/) as {"error": {"code", "message"}}.

Handlers are registered on the app, not on a blueprint, so unknown URLs, rate-limit refusals and
failures before routing get the same treatment. No handler ever shows a traceback."""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from credit.search import QueryError, SearchError

UNAVAILABLE = "检索服务暂时不可用，请稍后再试"

# Machine-readable codes and default messages for the HTTP errors raised outside our views.
HTTP_ERRORS = {
    400: ("invalid_input", "请求参数有误"),
    404: ("not_found", "您访问的页面不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    429: ("rate_limited", "访问过于频繁，请稍后再试"),
    500: ("internal_error", "系统内部错误，请稍后再试"),
    503: ("search_unavailable", UNAVAILABLE),
}


class PortalError(Exception):
    """An answer the user can act on: an invalid code, an unknown subject, a bad parameter."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def invalid(message: str, code: str = "invalid_input") -> PortalError:
    return PortalError(400, code, message)


def not_found(message: str, code: str = "not_found") -> PortalError:
    return PortalError(404, code, message)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def respond(error: PortalError):
    if wants_json():
        return jsonify(error={"code": error.code, "message": error.message}), error.status
    return render_template("errors/error.html", error=error), error.status


def _http_error(exc: HTTPException):
    code, message = HTTP_ERRORS.get(exc.code, ("http_error", exc.name))
    return respond(PortalError(exc.code or 500, code, message))


def _query_error(exc: QueryError):
    return respond(invalid(str(exc), "invalid_query"))


def _search_error(exc: SearchError):
    current_app.logger.warning("search engine unavailable: %s", exc)
    return respond(PortalError(503, "search_unavailable", UNAVAILABLE))


def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    code, message = HTTP_ERRORS[500]
    return respond(PortalError(500, code, message))


def register(app: Flask) -> None:
    app.register_error_handler(PortalError, respond)
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(SearchError, _search_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
