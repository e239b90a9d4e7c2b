"""The institution API under /api/v1 (SPEC §7): an OAuth 2 token endpoint (client credentials),
POST /batch and GET /usage.

A request with a bearer token is its client's: the client is read with the token on every request
(so a suspended or deleted client is refused at once), it is not counted against the anonymous
per-address limit, and its quotas are charged instead (credit.quotas). A request without a valid
token is an anonymous one: refused with 401, and counted against the per-address limit like any
public request, which slows a token guesser.

A batch is checked whole before anything is charged or looked up: content type, size, shape and
number of items. Then one request and its items are charged, the items looked up, the batch
written to the query log as one entry, and only then answered; if the lookup or the log fails the
charge is given back."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from flask import Blueprint, Flask, current_app, g, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from credit import institutions, querylog
from credit.institutions import Caller, InstitutionClient
from credit.quotas import Quotas, QuotaUnavailable, Standing
from portal import api, batch_items, current, login
from portal.errors import PortalError, invalid
from portal.extensions import limiter

# A part of the API (its endpoints are api.institution.*, under /api/v1), with its own headers.
bp = Blueprint("institution", __name__)
BATCH_REASON = "信用服务机构批量查询公示信息"
BATCH_SUBJECT = "batch"   # the log's subject_key for a batch: its subjects are listed in `items`
TOKEN_REFUSED = "访问令牌无效、已过期或客户端已停用，请重新获取令牌"
QUOTA_UNAVAILABLE = "配额服务暂时不可用，请稍后再试"
# authlib's OAuth 2 error names → what the portal says (error.code keeps the OAuth name).
OAUTH_MESSAGES = {
    "invalid_client": "客户端认证失败：client_id 或 client_secret 错误，或客户端已停用",
    "invalid_request": "令牌请求无效：应以表单（application/x-www-form-urlencoded）提交 grant_type=client_credentials",
    "unsupported_grant_type": "仅支持 grant_type=client_credentials",
    "unauthorized_client": "该客户端不能使用此授权方式",
    "invalid_scope": "请求的 scope 无效",
    "invalid_grant": "授权无效",
}


class _ClientCredentials(grants.ClientCredentialsGrant):
    # Banks' integration libraries send the secret either way: HTTP Basic or in the form.
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


def init_app(app: Flask) -> None:
    settings = app.config["CREDIT_SETTINGS"]
    app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"client_credentials": settings.institution_token_minutes * 60}
    server = AuthorizationServer()
    server.init_app(app, query_client=_query_client, save_token=_save_token)
    server.register_grant(_ClientCredentials)
    app.extensions["credit_oauth_server"] = server
    app.extensions["credit_quotas"] = Quotas(settings.ratelimit_storage_url, settings.quota_timezone,
                                             prefix=settings.search_prefix)


def _query_client(client_id: str) -> InstitutionClient:
    client = None
    # No client id holds NUL (and PostgreSQL refuses to compare a text that does: a 500).
    if isinstance(client_id, str) and len(client_id) <= 64 and "\x00" not in client_id:
        with login.sessions()() as session:
            client = session.get(InstitutionClient, client_id)
    # An unknown id is refused like a known one's wrong secret (same status, same time).
    return client or institutions.unknown_client(client_id)


def _save_token(token: dict, oauth_request) -> None:
    with login.sessions().begin() as session:
        institutions.save_token(session, oauth_request.client.client_id, token["access_token"], login.now(),
                                timedelta(seconds=token["expires_in"]))


def quotas() -> Quotas:
    return current_app.extensions["credit_quotas"]


# -- who is asking ----------------------------------------------------------------------------

_TOKEN_VIEWS = {f"{api.bp.name}.{bp.name}.{view}" for view in ("batch", "usage")}


@limiter.request_filter
def _has_client() -> bool:
    """A request for a view that takes a token (batch, usage), with a valid token, is its client's,
    not anonymous: exempt from the per-address limit (flask-limiter asks this before counting). The
    token endpoint is not such a view: a token sent along to it must not lift its limit, or one
    token would let its holder mint tokens and run argon2 verifications without end."""
    return request.endpoint in _TOKEN_VIEWS and caller() is not None


def caller() -> Caller | None:
    """The client whose valid bearer token the request carries (read once per request)."""
    if "institution" not in g:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        client = None
        if scheme.lower() == "bearer" and 0 < len(token) <= 256:
            with login.sessions()() as session:
                client = institutions.token_client(session, token, login.now())
        # Kept only once read: a database error in the address limit's filter (which flask-limiter
        # swallows) must not leave the view thinking the request has no valid token (a false 401).
        g.institution = client
    return g.institution


def _required() -> Caller:
    client = caller()
    if client is None:
        raise PortalError(401, "invalid_token", TOKEN_REFUSED)
    return client


@bp.after_request
def _headers(response):
    """Where the client stands: X-RateLimit-* for its requests this minute (as the public API's
    headers do for an address), X-RateLimit-Items-* for its items today."""
    standing: Standing | None = g.get("standing")
    client = caller()
    if standing is None and client is not None:   # a refused batch: where it stands, unchanged
        try:
            standing = quotas().standing(client.client_id, client.per_minute, client.per_day, login.now())
        except QuotaUnavailable:
            standing = None
    if standing is not None:
        response.headers.update({
            "X-RateLimit-Limit": str(standing.minute.limit), "X-RateLimit-Remaining": str(standing.minute.remaining),
            "X-RateLimit-Reset": str(standing.minute.reset),
            "X-RateLimit-Items-Limit": str(standing.day.limit),
            "X-RateLimit-Items-Remaining": str(standing.day.remaining),
            "X-RateLimit-Items-Reset": str(standing.day.reset),
        })
        if standing.refused:
            response.headers["Retry-After"] = str(standing.retry_after(login.now()))
    if response.status_code == 401 and client is None and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = 'Bearer realm="credit", error="invalid_token"'
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the token endpoint -------------------------------------------------------------------------

@bp.post("/oauth/token")
def token():
    try:
        response = current_app.extensions["credit_oauth_server"].create_token_response()
    except ValueError:   # Basic credentials that cannot be read (no UTF-8 text, nothing after "Basic")
        response = current_app.response_class(json.dumps({"error": "invalid_client"}), status=401)
    if response.status_code >= 400:
        # The portal's one error shape; error.code is the OAuth 2 error name (RFC 6749 §5.2).
        try:
            name = json.loads(response.get_data()).get("error", "invalid_request")
        except ValueError:
            name = "invalid_request"
        if name == "unsupported_grant_type" and not request.values.get("grant_type"):
            # No grant_type at all (often a JSON body instead of a form): a missing parameter is
            # invalid_request (RFC 6749 §5.2), whose message says how the request is sent.
            name = "invalid_request"
        body = {"error": {"code": name, "message": OAUTH_MESSAGES.get(name, "令牌请求无效")}}
        response.set_data(json.dumps(body, ensure_ascii=False))
        response.mimetype = "application/json"
        if response.status_code == 401:
            # The scheme the token endpoint takes (RFC 6749 §5.2), not the API's bearer challenge.
            response.headers["WWW-Authenticate"] = f'Basic realm="credit", error="{name}"'
    return response


# -- the batch --------------------------------------------------------------------------------

@bp.post("/batch")
def batch():
    client = _required()
    inputs = _batch_items()
    if len(inputs) > client.per_day:
        # No wait would make it fit (a 429's Retry-After would promise otherwise): refused, uncharged.
        raise invalid(f"本批 {len(inputs)} 项，超过合同约定的每日查询条数 {client.per_day}，任何时候都无法一次查询："
                      "请拆分后分批提交", "over_daily_quota")
    now, today = login.now(), current.today()
    g.standing = _charge(client, len(inputs), now)
    if g.standing.refused:
        what = "每分钟请求数" if g.standing.refused == "requests" else "今日查询条数"
        raise PortalError(429, "quota_exceeded", f"已超出合同约定的{what}，请在 Retry-After 所示秒数后重试")
    try:
        index = current.index()
        items = batch_items.resolve(index, inputs, today, current.settings().batch_candidates)
        answers = batch_items.answers(index, items, today)
        with login.sessions().begin() as session:
            querylog.append(session, querier_id=client.uscc, querier_name=client.name, how="institution",
                            subject_key=BATCH_SUBJECT, subject_name=f"批量查询 {len(items)} 条",
                            items=[item.logged() for item in items], address=request.remote_addr, code_id=None,
                            reason=f"{BATCH_REASON}（客户端 {client.client_id}）", at=now)
    except Exception:
        _refund(client, len(inputs), now)
        g.standing = None   # the answer's headers tell where the client stands after the refund
        raise
    return jsonify(count=len(answers), items=answers)


def _batch_items() -> list[str]:
    """The items of a well-formed batch, or a 400/413 before anything else happens."""
    settings = current.settings()
    if request.mimetype != "application/json":
        raise invalid('请求体应为 JSON（Content-Type: application/json）：{"items": ["代码或名称", …]}',
                      "invalid_content_type")
    request.max_content_length = settings.batch_max_bytes
    try:
        raw = request.get_data(cache=False)
        # A body sent without a length (chunked) is read up to the limit and no further: a byte left
        # behind it means it was longer, and it is refused like a longer Content-Length.
        if request.content_length is None and len(raw) == settings.batch_max_bytes and request.input_stream.read(1):
            raise RequestEntityTooLarge()
    except RequestEntityTooLarge:
        raise PortalError(413, "body_too_large", f"请求体超过 {settings.batch_max_bytes} 字节，请分批提交") from None
    try:
        body = current_app.json.loads(raw)
    except ValueError:
        # JSON between systems is UTF-8 (RFC 8259 §8.1): say so, GBK being a Chinese client's usual slip.
        raise invalid('请求体不是有效的 UTF-8 编码 JSON：应为 {"items": ["代码或名称", …]}', "invalid_body") from None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid('请求体应为 {"items": ["代码或名称", …]}，至少一项', "invalid_body")
    if len(items) > settings.batch_max_items:
        raise invalid(f"每批最多 {settings.batch_max_items} 项，本批 {len(items)} 项：请分批提交", "too_many_items")
    for n, item in enumerate(items):
        if not isinstance(item, str) or not item.strip() or len(item) > settings.max_text:
            raise invalid(f"第 {n + 1} 项应为非空字符串，最长 {settings.max_text} 个字符", "invalid_item")
    return items


def _charge(client: Caller, items: int, now: datetime) -> Standing:
    try:
        return quotas().charge(client.client_id, client.per_minute, client.per_day, items, now)
    except QuotaUnavailable as exc:
        # Fail closed: without its counters an institution is never served uncounted.
        current_app.logger.error("institution quotas unavailable, batch of %s refused: %s", client.client_id, exc)
        raise PortalError(503, "quota_unavailable", QUOTA_UNAVAILABLE) from None


def _refund(client: Caller, items: int, charged_at: datetime) -> None:
    # Given back to the minute and day that were charged, not to the ones the failure came in:
    # a batch charged at 23:59:59 and failing after midnight must not lower tomorrow's count.
    try:
        quotas().refund(client.client_id, items, charged_at)
    except QuotaUnavailable as exc:
        current_app.logger.error("could not give back the quota of a failed batch of %s: %s", client.client_id, exc)


# -- usage ------------------------------------------------------------------------------------

@bp.get("/usage")
def usage():
    """The client's consumption this minute and today; reading it costs nothing."""
    client = _required()
    try:
        standing = quotas().standing(client.client_id, client.per_minute, client.per_day, login.now())
    except QuotaUnavailable as exc:
        current_app.logger.error("institution quotas unavailable, usage of %s refused: %s", client.client_id, exc)
        raise PortalError(503, "quota_unavailable", QUOTA_UNAVAILABLE) from None
    g.standing = standing
    return jsonify({
        "client_id": client.client_id, "name": client.name, "scope": client.scope,
        "minute": {"limit": standing.minute.limit, "used": standing.minute.used,
                   "remaining": standing.minute.remaining, "reset": standing.minute.reset},
        "day": {"date": standing.day_name, "limit": standing.day.limit, "used": standing.day.used,
                "remaining": standing.day.remaining, "reset": standing.day.reset},
    })


api.bp.register_blueprint(bp)
