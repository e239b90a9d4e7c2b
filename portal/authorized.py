"""Using an authorization code (SPEC §6): a querier logged in with its own real-name identity names a
subject and gives the code the subject issued, and sees the record within the code's scope.

Every refusal is one answer, whatever its cause; refused tries are counted per querier and per
subject named, and slowed then blocked (Settings.ratelimit_code_tries)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from credit import access
from credit.codes import normalize_code
from portal import current, login
from portal.extensions import limiter
from portal.present import catalog

bp = Blueprint("authorized", __name__)

REFUSED = "未能查询：主体、授权码或授权范围不符，或授权码已失效。请核对后重试，或联系被查询主体重新授权。"
MAX_INPUT = 100


def _refused(response) -> bool:
    return response.status_code == 403


def _querier() -> str:
    who = login.identity()
    return "code-querier:" + (who.key if who else request.remote_addr or "")


def _subject_named() -> str:
    named = request.form.get("subject") if request.form else None
    if named is None and request.is_json:
        named = (request.get_json(silent=True) or {}).get("subject")
    return "code-subject:" + normalize_code(str(named or ""))[:MAX_INPUT]


def code_tries(view):
    """The two limits on refused tries, shared by the page and the API."""
    limit = lambda: current.settings().ratelimit_code_tries   # noqa: E731 - read per request, per app
    view = limiter.limit(limit, key_func=_subject_named, deduct_when=_refused)(view)
    return limiter.limit(limit, key_func=_querier, deduct_when=_refused)(view)


def use_code(subject: str, code: str) -> access.Disclosure:
    """The scoped record, logged; raises access.Refused."""
    subject, code = subject.strip()[:MAX_INPUT], code.strip()[:MAX_INPUT]
    return access.read(login.sessions(), catalog(), login.identity(), how=access.CODE, today=current.today(),
                       now=login.now(), address=request.remote_addr, subject=subject, code=code,
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
