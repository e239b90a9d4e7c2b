"""Credit reports as PDF (信用报告), and the page that verifies one.

* `/subjects/<code>/report.pdf` — the public report: the same public data (the lookups over the
  public index) and the same presentation code as the profile page, on A4.
* `/account/report.pdf` — the subject's full report, and `POST /authorized/report.pdf` — a code
  holder's, both read through the one access gate (credit.access.read: checked and logged) and
  marked as holding non-public information, for whom.
* `/verify/<number>` — when and for whom a report was issued, the SHA-256 of its file, and whether
  the subject's record has changed since (credit.reports keeps that, never the PDF).

The API serves the public report and the verification too (`api.reports.*`, under /api/v1)."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from credit import access, reports
from credit.catalog import RECORD_KINDS
from credit.codes import holds_citizen_id, is_citizen_id, mask_id_number
from credit.ids import subject_doc_id
from credit.masking import mask_person_name
from credit.models import CHINA, aware, local_time
from portal import authorized, current, login, lookups
from portal.errors import PortalError, not_found
from portal.extensions import limiter
from portal.present import catalog, code_label

bp = Blueprint("reports", __name__)
api = Blueprint("reports", __name__)   # nested in the API blueprint: api.reports.*

# Issue times are printed as the centre and its users read them.
AUDIENCE_LABELS = {reports.PUBLIC: "公开版（公示信息）", reports.SELF: "本人版（含非公开信息）",
                   reports.CODE: "授权查询版（含非公开信息）"}
NOT_FOUND = "未找到该编号的信用报告。请核对报告上的编号（16位字母和数字），或扫描报告上的二维码。"


# Where a document number may wrap: before its year bracket (鄂武市监许 / 〔2024〕12号), never inside.
_NUMBER_BREAK = re.compile(r"(?=[〔［\[(（])")


@bp.app_template_filter("number_pieces")
def number_pieces(value: str) -> list[str]:
    """A document number in the pieces a line may end between, each kept whole: in a narrow table
    column a long number wraps at its year bracket instead of at any character or over the edge."""
    return [piece for piece in _NUMBER_BREAK.split(value) if piece]


def _report_limit(view):
    """Reports count against the anonymous budget like every request, and against their own."""
    return limiter.shared_limit(lambda: current.settings().ratelimit_reports, scope="reports")(view)


# -- the public report ----------------------------------------------------------------------------

@dataclass
class Section:
    kind: str
    total: int
    items: list          # the newest records, at most Settings.report_max_records


def public_data(code: str) -> tuple[dict, list[Section]]:
    """The subject and its public records, as the profile and its records pages show them."""
    index, today, settings = current.index(), current.today(), current.settings()
    subject = lookups.find_subject(index, code, today)
    sections = []
    for kind in RECORD_KINDS:
        paging = lookups.Paging(size=min(settings.max_page_size, settings.report_max_records),
                                window=settings.report_max_records)
        _, first = lookups.subject_records(index, subject["code"], kind, paging, today)
        items, results = list(first.items), first
        while results.next and len(items) < settings.report_max_records:
            _, results = lookups.subject_records(index, subject["code"], kind, replace(paging, after=results.next),
                                                 today)
            items += results.items
        sections.append(Section(kind, first.total, items[:settings.report_max_records]))
    return subject, sections


def _public_digest(subject: dict, sections: list[Section]) -> str:
    return reports.data_digest({"subject": subject, "records": {s.kind: s.items for s in sections}})


@bp.get("/subjects/<code>/report.pdf")
@_report_limit
def public_report(code: str):
    subject, sections = public_data(code)
    return _issue("reports/public.html", audience=reports.PUBLIC, subject_key=subject["code"],
                  subject_name=subject["name"], kinds=RECORD_KINDS, data_sha256=_public_digest(subject, sections),
                  subject=subject, sections=sections,
                  departments=sorted({r["department"] for s in sections for r in s.items if r.get("department")}))


api.add_url_rule("/subjects/<code>/report.pdf", "public_report", public_report)


# -- full reports, through the access gate ----------------------------------------------------------

@bp.get("/account/report.pdf")
@login.required
@_report_limit
def own_report():
    who = login.identity()
    disclosure = access.read(login.sessions(), catalog(), who, how=access.SELF, today=current.today(),
                             now=login.now(), address=request.remote_addr)
    return _full_report(disclosure, reports.SELF, RECORD_KINDS, issued_to=f"{disclosure.subject_name}（本人）")


@bp.post("/authorized/report.pdf")
@login.required
@authorized.code_tries
@_report_limit
def code_holder_report():
    subject = request.form.get("subject", "")
    try:
        disclosure = authorized.use_code(subject, request.form.get("code", ""))
    except access.Refused:
        # The same answer as a refused query on /authorized, whatever the cause.
        return render_template("authorized/form.html", subject=subject[:authorized.MAX_INPUT],
                               refused=authorized.REFUSED, who=login.identity()), 403
    who = login.identity()
    kinds = tuple(k for k in RECORD_KINDS if k in disclosure.code.kinds)
    return _full_report(disclosure, reports.CODE, kinds,
                        issued_to=f"{who.name}（授权查询，查询事由：{disclosure.purpose}）")


def _full_report(disclosure: access.Disclosure, audience: str, kinds: tuple[str, ...], issued_to: str):
    unpublished = disclosure.code.include_unpublished if disclosure.code else None
    with login.sessions()() as db:
        data_sha256 = reports.record_digest(db, catalog(), disclosure.subject_key, kinds, current.today(), unpublished)
    by_kind = {kind: [r for r in disclosure.records if r.kind == kind] for kind in kinds}
    return _issue("reports/full.html", audience=audience, subject_key=disclosure.subject_key,
                  subject_name=disclosure.subject_name, kinds=kinds, data_sha256=data_sha256, unpublished=unpublished,
                  disclosure=disclosure, by_kind=by_kind, issued_to=issued_to,
                  key_label="公民身份号码" if is_citizen_id(disclosure.subject_key) else code_label(disclosure.subject_key),
                  departments=sorted({r.fields["source_dept"] for r in disclosure.records
                                      if r.kind in kinds and r.fields.get("source_dept")}))


# -- making and keeping a report ---------------------------------------------------------------

def _issue(template: str, *, audience: str, subject_key: str, subject_name: str, kinds: tuple[str, ...],
           data_sha256: str, unpublished: bool | None = None, **context) -> Response:
    number, now = reports.new_number(), login.now()
    verify_url = _verify_url(number)
    html = render_template(template, number=reports.grouped(number), issued_at=_local(now), audience=audience,
                           audience_label=AUDIENCE_LABELS[audience], verify_url=verify_url, qr=_qr(verify_url),
                           issuer=current.settings().report_issuer, rules=catalog().profile.get("label", ""),
                           **context)
    pdf = render_pdf(html)
    with login.sessions().begin() as db:
        reports.issue(db, number=number, at=now, audience=audience, subject_key=subject_key,
                      subject_name=subject_name, kinds=kinds, content=pdf, data_sha256=data_sha256,
                      unpublished=unpublished)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="credit-report-{number}.pdf"',
        "X-Report-Number": number})


def render_pdf(html: str) -> bytes:
    """A4 PDF of a report's HTML. Nothing is fetched from elsewhere: the QR code is an inline
    data: URL and the fonts are the system's (embedded as subsets). WeasyPrint is imported here, at
    the first report, so a portal worker does not load Pango and fontTools before it is needed."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)).write_pdf()


def _verify_url(number: str) -> str:
    base = current.settings().report_base_url
    if base:
        return base.rstrip("/") + url_for("reports.verify", number=reports.grouped(number))
    return url_for("reports.verify", number=reports.grouped(number), _external=True)


def _qr(url: str) -> str:
    import segno  # with the first report, not in every worker at start

    return segno.make(url, error="m").svg_data_uri(scale=4, border=0)


def _local(moment: datetime) -> str:
    """A moment as printed on reports: China Standard Time."""
    return local_time(moment, "%Y-%m-%d %H:%M:%S")


# -- verification -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    number: str
    issued_at: datetime     # in China Standard Time
    audience: str
    audience_label: str
    subject_name: str       # as the public may read it: a natural person's name and ID number masked
    subject_key: str
    content_sha256: str
    unchanged: bool


def verification(number: str) -> Verification:
    with login.sessions()() as db:
        report = reports.find(db, number)
        if report is None:
            raise not_found(NOT_FOUND, "report_not_found")
        if report.audience == reports.PUBLIC:
            unchanged = _public_unchanged(report)
        else:
            # A code holder's report is checked within its code's scope (unknown before migration
            # 0013: public records only, the narrower one).
            scope = bool(report.unpublished) if report.audience == reports.CODE else None
            unchanged = report.data_sha256 == reports.record_digest(db, catalog(), report.subject_key,
                                                                    tuple(report.kinds), current.today(), scope)
    # A public report's subject is public as it stands; a full report's may be a natural person
    # (known by a citizen ID number, masked as the access gate masks it to others).
    key = report.subject_key
    person = report.audience != reports.PUBLIC and (is_citizen_id(key) or holds_citizen_id(key))
    return Verification(
        number=reports.grouped(report.number), issued_at=aware(report.issued_at).astimezone(CHINA), audience=report.audience,
        audience_label=AUDIENCE_LABELS[report.audience], subject_name=_shown_name(report, person),
        subject_key=mask_id_number(key) if person else key,
        content_sha256=report.content_sha256, unchanged=unchanged)


def _shown_name(report: reports.Report, person: bool) -> str:
    """The subject's name as anyone with the report's number may read it: a full report's subject
    by its public entry's name (a sole trader's operator masked in it), else masked as a person's."""
    if report.audience == reports.PUBLIC:
        return report.subject_name
    public = None if person else current.index().get(subject_doc_id(report.subject_key), current.today())
    return public["name"] if public else mask_person_name(report.subject_name, catalog())


def _public_unchanged(report: reports.Report) -> bool:
    try:
        subject, sections = public_data(report.subject_key)
    except PortalError as error:   # no longer public at all: that is a change
        if error.status == 404:
            return False
        raise
    return report.data_sha256 == _public_digest(subject, sections)


@bp.get("/verify/<number>")
def verify(number: str):
    return render_template("reports/verify.html", v=verification(number))


@api.get("/verify/<number>")
def verify_json(number: str):
    v = verification(number)
    return jsonify(number=v.number, issued_at=v.issued_at.isoformat(), audience=v.audience, audience_label=v.audience_label,
                   subject_name=v.subject_name, subject_key=v.subject_key, content_sha256=v.content_sha256,
                   record_unchanged=v.unchanged)

