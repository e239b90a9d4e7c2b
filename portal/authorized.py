"""Using an authorization code (SPEC §6): a querier logged in with its own real-name identity names a
subject and gives the code the subject issued, and sees the record within the code's scope.

Every refusal is one answer, whatever its cause; refused tries are counted per querier and per
subject named, and slowed then blocked (Settings.ratelimit_code_tries)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from credit import access
from credit.codes import normalize_code
from portal import current, login
from portal.errors import invalid
from portal.extensions import limiter
from portal.present import catalog

bp = Blueprint("authorized", __name__)

REFUSED = "未能查询：主体、授权码或授权范围不符，或授权码已失效。请核对后重试，或联系被查询主体重新授权。"
MAX_INPUT = 100


def _refused(response) -> bool:
    return response.status_code == 403


def _querier() -> str:
    who = login.identity()
    return who.key if who else request.remote_addr or ""


def named_subject() -> str:
    """The subject a request names (form or JSON), spaces collapsed: exactly what is looked up."""
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:   # nested deeper than the parser's stack: not a request of ours
            body = None
        named = body.get("subject") if isinstance(body, dict) else None
    else:
        named = request.form.get("subject")
    return " ".join(named.split()) if isinstance(named, str) else ""


def _subject() -> str:
    """Tries are counted per subject as typed (full-width, case and spaces aside: normalize_code), never
    by what the database holds, so the limit cannot tell whether a subject has records or which name
    goes with which code."""
    named = named_subject()
    if len(named) > MAX_INPUT:
        return "too-long"
    return "named:" + normalize_code(named)


def code_tries(view):
    """The two limits on refused tries, shared by the page and the API (one budget for both)."""
    limit = lambda: current.settings().ratelimit_code_tries   # noqa: E731 - read per request, per app
    view = limiter.shared_limit(limit, scope="code-tries-subject", key_func=_subject, deduct_when=_refused)(view)
    return limiter.shared_limit(limit, scope="code-tries-querier", key_func=_querier, deduct_when=_refused)(view)


def hide_counters(response):
    """The rate-limit headers of a code try would tell one querier how many tries others made against
    a subject: not sent there. (Registered before the limiter, so it runs after it adds them.)"""
    if request.endpoint in ("authorized.query", "api.authorized_query"):
        for name in [h for h in response.headers.keys() if h.lower().startswith("x-ratelimit")]:
            del response.headers[name]
    return response


def use_code(subject: str, code: str) -> access.Disclosure:
    """The scoped record, logged; raises access.Refused."""
    subject = " ".join(subject.split())
    if len(subject) > MAX_INPUT or len(code) > MAX_INPUT:
        raise invalid(f"主体和授权码均不超过{MAX_INPUT}个字符")
    return access.read(login.sessions(), catalog(), login.identity(), how=access.CODE, today=current.today(),
                       now=login.now(), address=request.remote_addr, subject=subject, code=code.strip(),
                       code_key=current.code_key())


@bp.get("/authorized")
@login.required
def form():
    return render_template("authorized/form.html", subject="", who=login.identity())


@bp.post("/authorized")
@login.required
@code_tries
def query():
    subject = request.form.get("subject", "")
    try:
        disclosure = use_code(subject, request.form.get("code", ""))
    except access.Refused:
        return render_template("authorized/form.html", subject=subject[:MAX_INPUT], refused=REFUSED,
                               who=login.identity()), 403
    return render_template("authorized/result.html", disclosure=disclosure, who=login.identity())
