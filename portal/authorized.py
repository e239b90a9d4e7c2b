"""Using an authorization code (SPEC §6): a querier logged in with its own real-name identity names a
subject and gives the code the subject issued, and sees the record within the code's scope.

Every refusal is one answer, whatever its cause; refused tries are counted per querier, and slowed
then blocked (Settings.ratelimit_code_tries)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from credit import access
from indexer.validate import clean_text
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


def code_tries(view):
    """The limit on refused tries, per querier, shared by the page, the API and the report (one budget
    for all). It is checked before the code: a querier past it gets 429 whether its code is right or
    wrong. There is no limit per subject: it would let anyone lock a subject's code holders out with
    wrong tries. Guessing is no way in regardless: a code is 100 random bits, and 20 tries a day per
    real-name login leave even a million logins 2^100 / (2·10^7 per day) ≈ 10^20 years."""
    limit = lambda: current.settings().ratelimit_code_tries   # noqa: E731 - read per request, per app
    return limiter.shared_limit(limit, scope="code-tries-querier", key_func=_querier, deduct_when=_refused)(view)


def use_code(subject: str, code: str) -> access.Disclosure:
    """The scoped record, logged; raises access.Refused."""
    # Cleaned as ingest cleaned the stored names (full-width letters and digits, stray spaces,
    # control characters, which PostgreSQL refuses as a NUL): a name typed as printed finds its subject.
    subject = clean_text(subject)
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
