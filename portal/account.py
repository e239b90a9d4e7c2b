"""A subject's own pages (SPEC §6): login and logout, its full record, who looked at it, and its
authorization codes. Whose record is shown is decided by the verified identity alone: no route
takes a subject code, so nothing a user types can widen it."""
from __future__ import annotations

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from joserfc.errors import JoseError
from requests.exceptions import RequestException

from credit import access, authcodes, querylog, typed
from credit.authcodes import CodeRequest, CodeRequestError
from credit.catalog import RECORD_KINDS
from credit.logins import Identity, LoginRefused
from portal import current, login
from portal.errors import PortalError
from portal.present import catalog

bp = Blueprint("account", __name__)

PROVIDER_DOWN = "统一身份认证服务暂时无法访问，请稍后再试"


@bp.get("/login")
def login_page():
    if login.identity() is not None:
        return redirect(url_for("account.account"))
    client = login.provider()
    if client is None:
        raise PortalError(503, "login_unavailable", "本站尚未接入统一身份认证服务，暂不能登录")
    login.forget_abandoned_logins()
    try:
        return client.authorize_redirect(url_for("account.callback", _external=True))
    except RequestException as exc:
        current_app.logger.warning("identity provider unreachable: %s", exc)
        raise PortalError(503, "login_unavailable", PROVIDER_DOWN) from None


@bp.get("/login/callback")
def callback():
    client = login.provider()
    if client is None:
        raise PortalError(503, "login_unavailable", "本站尚未接入统一身份认证服务，暂不能登录")
    try:
        token = client.authorize_access_token()
        claims = token.get("userinfo") or {}
        who = Identity.from_claims(claims, current.settings())
    except MismatchingStateError:
        if login.identity() is not None:
            # A login begun in another tab finished first (it starts a fresh cookie, dropping the
            # others' state): this browser is logged in already, which is what this tab was for.
            return redirect(url_for("account.account"))
        raise PortalError(400, "login_failed", "登录未完成或已失效，请重新登录") from None
    except AuthlibBaseError as exc:   # provider error, claims (iss, aud, exp, nonce) refused
        current_app.logger.info("login refused by the provider or the checks: %s", exc)
        raise PortalError(400, "login_failed", "登录未完成或已失效，请重新登录") from None
    except LoginRefused as exc:
        raise PortalError(403, "login_refused", f"无法以该身份登录：{exc}") from None
    except (RequestException, JoseError, ValueError) as exc:   # provider down; a token that does not verify
        current_app.logger.warning("login failed: %s", exc)
        raise PortalError(400, "login_failed", "登录未完成或已失效，请重新登录") from None
    login.begin(who, token.get("id_token"))
    after = session.pop(login.NEXT, None)
    return redirect(after if _local(after) else url_for("account.account"))


@bp.post("/logout")
def logout():
    id_token = login.finish()
    client = login.provider()
    if client is None or not id_token:
        return redirect(url_for("public.home"))
    try:
        # RP-initiated logout: the provider ends its own session too, then sends the browser home.
        # The portal is named by its client_id, not by an id_token_hint: the ID token carries the
        # verified ID number and name, and this URL stays in the browser's history and the
        # provider's logs.
        end = client.create_logout_url(post_logout_redirect_uri=url_for("public.home", _external=True),
                                       client_id=current.settings().oidc_client_id)
    except (RequestException, RuntimeError):   # provider down, or it offers no logout endpoint
        return redirect(url_for("public.home"))
    return redirect(end["url"])


@bp.get("/account")
@login.required
def account():
    return _account_page()


@bp.post("/account/codes")
@login.required
def create_code():
    form = request.form
    try:
        code_request = CodeRequest(
            # Shown to every holder and kept in the query log: no NUL (PostgreSQL refuses it), no
            # direction override making it read otherwise than it was written.
            purpose=typed.line(form.get("purpose")),
            kinds=tuple(k for k in RECORD_KINDS if k in form.getlist("kinds")),
            include_unpublished=form.get("include_unpublished") == "1",
            days=_number(form.get("days"), "有效期"), max_uses=_number(form.get("max_uses"), "可用次数"))
    except CodeRequestError as exc:
        return _account_page(code_error=str(exc), form=form), 400
    who = login.identity()
    with login.sessions().begin() as db:
        row, code = authcodes.create(db, who, access.subject_name(login.sessions(), who), code_request,
                                     current.code_key(), login.now())
    return render_template("account/code_created.html", row=row, code=code, state_labels=authcodes.STATE_LABELS)


@bp.post("/account/codes/<int:code_id>/revoke")
@login.required
def revoke_code(code_id: int):
    with login.sessions().begin() as db:
        if not authcodes.revoke(db, login.identity(), code_id, login.now()):
            raise PortalError(404, "not_found", "没有这个授权码")
    return redirect(url_for("account.account") + "#codes")


def _account_page(code_error: str | None = None, form=None):
    who = login.identity()
    disclosure = access.read(login.sessions(), catalog(), who, how=access.SELF, today=current.today(),
                             now=login.now(), address=request.remote_addr)
    with login.sessions()() as db:
        codes = authcodes.codes_of(db, who)
        refusals = authcodes.refusals_of(db, who)
        reads = querylog.reads_of(db, who.key)
    return render_template("account/account.html", who=who, disclosure=disclosure, codes=codes, now=login.now(),
                           refusals=refusals, reads=reads, state_labels=authcodes.STATE_LABELS,
                           code_error=code_error, form=form or {}, max_days=authcodes.MAX_DAYS,
                           max_uses=authcodes.MAX_USES)


def _number(value: str | None, label: str) -> int:
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 4:
        raise CodeRequestError(f"{label}应为正整数")
    return int(text)


def _local(path: str | None) -> bool:
    """Only a path on this site is a place to return to after login (no open redirect)."""
    return bool(path) and path.startswith("/") and not path.startswith("//") and "\\" not in path \
        and path.isprintable() and not any(c.isspace() for c in path)
