"""Credit repair pages (SPEC §8): a subject applies about one of its own penalties from /account
(the section comes from templates/account/repairs.html through the `repair_panel` template
global); reviewers decide on /admin/repairs. Whose penalties a subject may apply about is decided
by its verified identity alone; every decision is a staff action in the query log, with notices to
the subject and the source department, and an approval republishes the subject's documents so the
record leaves every public view at once."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, jsonify, redirect, render_template, request, send_file, url_for
from sqlalchemy.exc import IntegrityError

from credit import access, evidence, repairs, staff
from credit.repairs import AlreadyOpen, NotYours, Proof, RepairError
from credit.search import SearchError
from portal import admin, api, current, login, uploads
from portal.errors import PortalError
from portal.present import catalog

bp = Blueprint("repairs", __name__, url_prefix="/account/repairs")
review = Blueprint("repair_review", __name__, url_prefix="/admin/repairs")
# GET /api/v1/me/repairs, within the API blueprint (JSON errors, documented in openapi.json).
me_api = Blueprint("me_repairs", __name__, url_prefix="/me/repairs")

# Who sees the queue and an application (and its proof), and who decides: not a department clerk.
READERS = (staff.REVIEWER, staff.AUDITOR)
DECIDERS = (staff.REVIEWER,)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(review)
    uploads.limit(app, "repairs.apply", lambda s: (s.repair_max_files, s.repair_max_bytes))
    app.context_processor(lambda: {"repair_panel": panel})
    admin.section(app, "信用修复申请", "repair_review.queue", *READERS, note="审核信用修复申请；批准后记录立即停止公示")


# -- the subject's side -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Panel:
    rows: list[repairs.PenaltyRepair]
    rules: dict
    max_files: int
    max_bytes: int
    labels: dict


def panel() -> Panel | None:
    """The logged-in subject's penalties with their repair eligibility and applications."""
    who = login.identity()
    if who is None:
        return None
    with login.sessions()() as db:
        rows = repairs.of_subject(db, catalog(), who.key, current.today())
    settings = current.settings()
    return Panel(rows, catalog().profile.get("repair") or {}, settings.repair_max_files, settings.repair_max_bytes,
                 repairs.STATE_LABELS)


@bp.post("")
@login.required
def apply():
    who = login.identity()
    form = request.form
    public_id = form.get("record", "")[:64]
    try:
        proofs = _proofs()
    except RepairError as exc:
        return _form_page(public_id, str(exc))
    stored: list[str] = []
    try:
        with login.sessions().begin() as db:
            application = repairs.apply(db, subject_key=who.key, subject_name=access.subject_name(login.sessions(), who),
                                        public_id=public_id, commitment=form.get("commitment", ""), proofs=proofs,
                                        catalog=catalog(), settings=current.settings(), today=current.today(),
                                        now=login.now())
            stored = [f.stored_name for f in repairs.files_of(db, application)]
    except NotYours:
        raise PortalError(404, "not_found", "没有找到您的这条记录") from None
    except AlreadyOpen:   # a second submit: the first one stands, and /account shows it
        pass
    except RepairError as exc:
        return _form_page(public_id, str(exc))
    except IntegrityError as exc:   # a simultaneous second submit won the one open place
        repairs.discard_files(current.settings(), stored)
        if not repairs.is_duplicate(exc):
            raise
    except BaseException:
        repairs.discard_files(current.settings(), stored)
        raise
    return redirect(url_for("account.account") + "#repairs", code=303)


@me_api.get("")
@login.required
def eligibility():
    """The logged-in subject's penalties with their repair eligibility and latest application. The
    read of its own records is logged like GET /api/v1/me."""
    who = login.identity()
    access.read(login.sessions(), catalog(), who, how=access.SELF, today=current.today(), now=login.now(),
                address=request.remote_addr)
    rows = panel().rows
    return jsonify({"total": len(rows), "items": [_item(row) for row in rows]})


def _item(row: repairs.PenaltyRepair) -> dict:
    record, allowed, latest = row.record, row.eligibility, (row.applications[0] if row.applications else None)
    application = None if latest is None else {
        "state": latest.state, "state_label": repairs.STATE_LABELS[latest.state],
        "submitted_at": latest.created_at.isoformat(), "decided_at": latest.decided_at and latest.decided_at.isoformat(),
        "reason": latest.reason}
    return {"id": record.public_id, "kind": record.kind, "doc_no": str(record.values.get("doc_no") or ""),
            "decided_on": str(record.values.get("decided_on") or ""), "severity": record.values.get("severity") or "一般",
            "repaired_on": record.repaired_on and record.repaired_on.isoformat(), "open": allowed.open,
            "opens_on": allowed.opens_on and allowed.opens_on.isoformat(), "reason": allowed.reason,
            "application": application}


api.bp.register_blueprint(me_api)


def _proofs() -> list[Proof]:
    """The uploaded files (those actually chosen), each read to at most one byte over the limit."""
    return uploads.chosen("proof", current.settings().repair_max_bytes)


def _form_page(public_id: str, error: str):
    """The application form again, with what was wrong (nothing was stored)."""
    who = login.identity()
    with login.sessions()() as db:
        try:
            record = repairs.own_record(db, who.key, public_id)
        except NotYours:
            raise PortalError(404, "not_found", "没有找到您的这条记录") from None
    settings = current.settings()
    return render_template("account/repair_form.html", record=record, error=error,
                           commitment=request.form.get("commitment", "")[:settings.repair_max_text],
                           rules=catalog().profile.get("repair") or {}, max_files=settings.repair_max_files,
                           max_bytes=settings.repair_max_bytes), 400


@bp.get("/<ref>/files/<int:file_id>")
@login.required
def own_file(ref: str, file_id: int):
    """A proof file, to the subject that sent it: opened through the access gate, as its own read."""
    who = login.identity()
    with login.sessions()() as db:
        application = repairs.by_ref(db, ref)
        if application is None or application.subject_key != who.key:
            raise PortalError(404, "not_found", "没有这个文件")
        row = _file(db, application, file_id)
        record = db.get(repairs.Record, application.record_id)
    _open(record, row, ref, how=access.SELF)
    return _send(row, ref)


def _file(db, application: repairs.RepairApplication, file_id: int) -> repairs.RepairFile:
    row = db.get(repairs.RepairFile, file_id)
    if row is None or row.application_id != application.id:
        raise PortalError(404, "not_found", "没有这个文件")
    return row


def _send(row: repairs.RepairFile, ref: str):
    path = repairs.proof_path(current.settings(), row)
    if not path.is_file():
        raise PortalError(404, "not_found", "该文件已不在本平台")
    ext = evidence.EXTENSIONS[row.content_type]
    return send_file(path, mimetype=row.content_type, as_attachment=True, download_name=f"repair-{ref}-{row.id}{ext}",
                     max_age=0)


# -- the reviewers' side ----------------------------------------------------------------------------

@review.get("")
@admin.staff_required(*READERS)
def queue():
    with login.sessions()() as db:
        rows = repairs.queue(db)
    return render_template("admin/repairs.html", rows=rows, state_labels=repairs.STATE_LABELS)


@review.get("/<ref>")
@admin.staff_required(*READERS)
def detail(ref: str):
    """The application as staff handle it — what needs no logged read. The record's full content is
    read only on the staff member's POST with a stated purpose (`read`): a link never makes a
    logged read (portal/admin.py)."""
    return _detail(ref)


@review.post("/<ref>/read")
@admin.staff_required(*READERS)
def read(ref: str):
    """The application's record in full, through the access gate, for the stated purpose (logged)."""
    purpose = access.stated_purpose(request.form.get("purpose"))
    if not purpose:
        return _detail(ref, error="请填写查阅事由（将记入查询日志）", status=400)
    with login.sessions()() as db:
        application = repairs.by_ref(db, ref)
        record = db.get(repairs.Record, application.record_id) if application is not None else None
    if application is None:
        raise PortalError(404, "not_found", "没有这个信用修复申请")
    if record is None:
        return _detail(ref, error="该申请所涉记录已不在本平台", status=404)
    try:
        disclosure = admin.staff_read(record.subject_key, purpose, only={record.public_id})
    except access.Refused:
        return _detail(ref, error="该记录不在您可查阅的范围内", status=404)
    return _detail(ref, disclosure=disclosure)


def _detail(ref: str, *, disclosure: access.Disclosure | None = None, error: str | None = None, status: int = 200):
    with login.sessions()() as db:
        application = repairs.by_ref(db, ref)
        if application is None:
            raise PortalError(404, "not_found", "没有这个信用修复申请")
        record = db.get(repairs.Record, application.record_id)
        files, events = repairs.files_of(db, application), repairs.history(db, application)
        allowed = None
        if record is not None:
            allowed = repairs.eligibility(record, catalog(), current.today(),
                                          repairs.earlier_repairs(db, record.subject_key, but=record.id))
    own = staff.about_self(admin.member(), application.subject_key)
    may_decide = admin.member().has(*DECIDERS) and not own
    return render_template("admin/repair.html", application=application, record=record, files=files, events=events,
                           disclosure=disclosure, eligibility=allowed, may_decide=may_decide,
                           own_record=staff.OWN_RECORD if own else None,
                           state_labels=repairs.STATE_LABELS, error=error,
                           max_text=current.settings().repair_max_text), status


@review.post("/<ref>/decision")
@admin.staff_required(*DECIDERS)
def decide(ref: str):
    choice = request.form.get("decision")
    if choice not in ("approve", "refuse"):
        return _detail(ref, error="请选择批准或不予修复", status=400)
    reason = request.form.get("reason", "")[:current.settings().repair_max_text]
    try:
        with login.sessions().begin() as db:
            application = repairs.by_ref(db, ref)
            if application is None:
                raise PortalError(404, "not_found", "没有这个信用修复申请")
            record = repairs.decide(db, application, approve=choice == "approve", reason=reason, by=admin.actor(),
                                    catalog=catalog(), today=current.today(), now=login.now(),
                                    address=request.remote_addr)
            subject_key = record.subject_key
    except RepairError as exc:
        return _detail(ref, error=str(exc), status=409)
    if choice == "approve":
        try:
            current.republish([subject_key])
        except SearchError as exc:
            current_app.logger.error("repair %s approved but the index was not updated: %s", ref, exc)
            return _detail(ref, error="已批准并记录，但检索索引暂未更新：请运行 python -m indexer reindex", status=503)
    return redirect(url_for("repair_review.detail", ref=ref), code=303)


@review.get("/<ref>/files/<int:file_id>")
@admin.staff_required(*READERS)
def staff_file(ref: str, file_id: int):
    """A proof file, to staff who may read the application: opened through the access gate, so the
    download is a read of the subject's record that the subject sees under who looked at it."""
    with login.sessions()() as db:
        application = repairs.by_ref(db, ref)
        if application is None:
            raise PortalError(404, "not_found", "没有这个文件")
        row = _file(db, application, file_id)
        record = db.get(repairs.Record, application.record_id)
    _open(record, row, ref, how=access.STAFF)
    return _send(row, ref)


def _open(record: repairs.Record | None, row: repairs.RepairFile, ref: str, *, how: str) -> None:
    """The gate's read of the record a proof file belongs to, naming the file (logged); 404 when refused."""
    if record is None:
        raise PortalError(404, "not_found", "没有这个文件")
    try:
        access.read(login.sessions(), catalog(), login.identity(), how=how, today=current.today(), now=login.now(),
                    address=request.remote_addr, subject=record.subject_key, purpose=access.ATTACHMENT_PURPOSE,
                    only={record.public_id}, attachment=f"信用修复申请 {ref} 的证明材料 {row.id}")
    except access.Refused:
        raise PortalError(404, "not_found", "没有这个文件") from None
