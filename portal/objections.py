"""Objections, checks and positive-record removal on the web (SPEC §8, credit/objections.py).

Subjects file on /account (the panel `account/objections.html` is included there and reads
`objection_panel()`), under /account/objections; staff work under /admin/objections: the reviewers'
queue, the department queue (a clerk sees only its own department's requests), a request's page with
its record read through the access gate, and the actions its procedure allows. Every change commits
first; then the subject's public documents are rebuilt (the record's marker or withdrawal shows at
once) and the e-mail copies of the notices are sent."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from credit import access, evidence, mail, notices, objections, staff
from credit.evidence import EvidenceError
from credit.objections import NotFound, ObjectionError
from credit.search import SearchError
from credit.workdays import UncoveredYear
from portal import admin, current, login, uploads
from portal.errors import PortalError
from portal.present import catalog

bp = Blueprint("objections", __name__, url_prefix="/admin/objections")
subject_bp = Blueprint("objections_account", __name__, url_prefix="/account/objections")

NOT_FOUND = "没有找到这项申请或记录"
READERS = (staff.REVIEWER, staff.DEPARTMENT)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(subject_bp)
    uploads.limit(app, "objections_account.file", lambda s: (s.objection_max_files, s.objection_max_bytes))
    app.context_processor(lambda: {
        "objection_panel": panel,
        "objection_action_label": lambda action: objections.ACTION_LABELS.get(action, action),
        "objection_statement_allowed": lambda req: objections.statement_allowed(catalog(), req)})
    admin.section(app, "异议、核查与移除申请", "objections.queue", staff.REVIEWER,
                  note="按工作日期限办理；逾期与节假日未收录的期限会标出")
    admin.section(app, "本单位的异议协查", "objections.department_queue", staff.DEPARTMENT,
                  note="只显示本单位报送的记录")


def procedure():
    return catalog().procedure(current.settings().objection_procedure or None)


def calendar():
    """The working-day calendar (tests may set OBJECTION_CALENDAR to one with their own override file)."""
    return current_app.config.get("OBJECTION_CALENDAR") or catalog().calendar


def _after(done: objections.Done) -> None:
    """After the commit: the subjects' public documents, then the e-mail copies."""
    try:
        current.republish(done.republish)
    except SearchError as exc:   # the database holds the change; the next reindex publishes it
        current_app.logger.error("public documents not rebuilt after an objection change: %s", exc)
    mail.send(current.settings(), done.mails)


# -- the subject's side -------------------------------------------------------------------------

@dataclass
class Panel:
    requests: list
    steps: dict
    files: dict
    notices: list
    positive_ids: set
    open_ids: set


def panel() -> Panel | None:
    """What /account shows of the logged-in subject's requests and notices."""
    who = login.identity()
    if who is None:
        return None
    with login.sessions()() as db:
        rows = objections.requests_of_subject(db, who.key)
        records = {r.id: r for r in db.scalars(select(objections.Record).where(objections.Record.subject_key == who.key))}
        return Panel(
            requests=[(r, records.get(r.record_id)) for r in rows],
            steps={r.id: objections.history(db, r) for r in rows},
            files={r.id: objections.files_of(db, r) for r in rows},
            notices=notices.notices_for(db, notices.SUBJECT, who.key, limit=50),
            positive_ids={r.public_id for r in records.values() if objections.positive(r, procedure())},
            open_ids={records[r.record_id].public_id for r in rows if r.state == objections.OPEN
                      and r.record_id in records})


@subject_bp.post("")
@login.required
def file():
    settings = current.settings()
    form = request.form
    files = uploads.chosen("files", settings.objection_max_bytes)
    try:
        with login.sessions().begin() as db:
            done = objections.file_request(
                db, catalog(), procedure(), calendar(), login.identity(), kind=form.get("kind", ""),
                record_id=form.get("record", ""), reason=form.get("reason", ""), email=form.get("email", ""),
                uploads=files, instance_path=settings.instance_path, max_files=settings.objection_max_files,
                max_bytes=settings.objection_max_bytes, today=current.today(), now=login.now())
    except NotFound:
        raise PortalError(404, "not_found", NOT_FOUND) from None
    except (ObjectionError, EvidenceError) as exc:
        return _form_page(form.get("record", ""), str(exc))
    _after(done)
    return redirect(url_for("account.account") + "#objections", 303)


def _form_page(public_id: str, error: str):
    """The form again, filled in as sent, with what was wrong (nothing was stored): a long reason
    typed on a phone is not lost to a wrong file or a mistyped address."""
    who, form = login.identity(), request.form
    with login.sessions()() as db:
        record = db.scalar(select(objections.Record).where(objections.Record.public_id == public_id,
                                                           objections.Record.subject_key == who.key))
    if record is None:
        raise PortalError(404, "not_found", NOT_FOUND)
    return render_template("account/objection_form.html", record=record, error=error,
                           reason=form.get("reason", "")[:objections.MAX_TEXT], email=form.get("email", "")[:254],
                           kind=form.get("kind", ""), removal_allowed=objections.positive(record, procedure())), 400


@subject_bp.post("/<ref>/statement")
@login.required
def statement(ref: str):
    try:
        with login.sessions().begin() as db:
            done = objections.add_statement(db, catalog(), login.identity(), ref, request.form.get("statement", ""),
                                            login.now())
    except NotFound:
        raise PortalError(404, "not_found", NOT_FOUND) from None
    except ObjectionError as exc:
        raise PortalError(400, "objection_refused", str(exc)) from None
    _after(done)
    return redirect(url_for("account.account") + "#objections", 303)


@subject_bp.get("/<ref>/files/<file_ref>")
@login.required
def subject_file(ref: str, file_ref: str):
    """A subject's own evidence file, to itself only: opened through the access gate, as its own read."""
    try:
        with login.sessions()() as db:
            req = objections.request_of_subject(db, login.identity(), ref)
            row = objections.file_of(db, req, file_ref)
            record = db.get(objections.Record, req.record_id)
    except NotFound:
        raise PortalError(404, "not_found", NOT_FOUND) from None
    _open(record, req, row, how=access.SELF)
    return _send(row)


def _open(record, req: objections.ObjectionRequest, row: objections.EvidenceFile, *, how: str) -> None:
    """The gate's read of the record an evidence file belongs to, naming the file (logged); 404 when refused."""
    if record is None:
        raise PortalError(404, "not_found", NOT_FOUND)
    try:
        access.read(login.sessions(), catalog(), login.identity(), how=how, today=current.today(), now=login.now(),
                    address=request.remote_addr, subject=record.subject_key, purpose=access.ATTACHMENT_PURPOSE,
                    only={record.public_id},
                    attachment=f"{objections.KIND_LABELS.get(req.kind, req.kind)} {req.ref} 的证明材料 {row.ref}")
    except access.Refused:
        raise PortalError(404, "not_found", NOT_FOUND) from None


def _send(row: objections.EvidenceFile) -> Response:
    path = evidence.path_of(current.settings().instance_path, row.stored)
    try:
        data = path.read_bytes()
    except OSError:
        raise PortalError(404, "not_found", "该文件已不存在") from None
    extension = evidence.EXTENSIONS[row.content_type]
    response = Response(data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="evidence-{row.ref}{extension}"'
    return response


# -- staff ----------------------------------------------------------------------------------------

def _actor(db) -> objections.Actor:
    who = admin.member()
    row = db.get(staff.StaffMember, who.key)
    return objections.staff_actor(who, row.ref if row else "staff")


@bp.get("")
@admin.staff_required(staff.REVIEWER)
def queue():
    with login.sessions()() as db:
        rows = objections.queue(db, admin.member())
        records = _records(db, rows)
        flags = objections.disagreements(db)
    return render_template("admin/objections/queue.html", rows=rows, records=records, flags=flags,
                           today=current.today(), olabels=_labels(), gaps=_gaps(rows), procedure=procedure(),
                           error=None, form={})


@bp.get("/department")
@admin.staff_required(staff.DEPARTMENT)
def department_queue():
    who = admin.member()
    with login.sessions()() as db:
        rows = objections.queue(db, who, department_only=True, open_only=False)
        records = _records(db, rows)
        contact = db.get(objections.DepartmentContact, who.department_code or "")
        messages = notices.notices_for(db, notices.DEPARTMENT, who.department_code or "", limit=50)
    return render_template("admin/objections/department.html", rows=rows, records=records, who=who,
                           today=current.today(), olabels=_labels(), contact=contact, messages=messages)


@bp.post("/department/contact")
@admin.staff_required(staff.DEPARTMENT)
def department_contact():
    try:
        with login.sessions().begin() as db:
            objections.set_contact(db, admin.member(), request.form.get("email", ""), now=login.now(),
                                   address=request.remote_addr)
    except NotFound:
        raise PortalError(404, "not_found", NOT_FOUND) from None
    except ObjectionError as exc:
        raise PortalError(400, "objection_refused", str(exc)) from None
    return redirect(url_for("objections.department_queue"), 303)


@bp.post("/checks")
@admin.staff_required(staff.REVIEWER)
def open_check():
    form = request.form
    try:
        with login.sessions().begin() as db:
            done = objections.open_check(db, procedure(), calendar(), admin.member(), _actor(db),
                                         record_id=form.get("record", ""), reason=form.get("reason", ""),
                                         suspend=form.get("suspend") == "1", today=current.today(), now=login.now(),
                                         address=request.remote_addr)
            ref = done.request.ref
    except NotFound:
        raise PortalError(404, "not_found", "没有这条记录（请填写记录编号）") from None
    except ObjectionError as exc:
        raise PortalError(400, "objection_refused", str(exc)) from None
    _after(done)
    return redirect(url_for("objections.detail", ref=ref), 303)


@bp.get("/<ref>")
@admin.staff_required(*READERS)
def detail(ref: str):
    return _detail(ref)


@bp.post("/<ref>/read")
@admin.staff_required(*READERS)
def read(ref: str):
    """The request's record in full, through the access gate, for the stated purpose (logged)."""
    purpose = access.stated_purpose(request.form.get("purpose"))
    if not purpose:
        return _detail(ref, error="请填写查阅事由（将记入查询日志）", status=400)
    record = _staff_request(ref)[1]
    try:
        disclosure = admin.staff_read(record.subject_key, purpose, only={record.public_id})
    except access.Refused:
        raise PortalError(404, "not_found", NOT_FOUND) from None
    return _detail(ref, disclosure=disclosure)


@bp.post("/<ref>/act")
@admin.staff_required(*READERS)
def act(ref: str):
    form = request.form
    correction = {"column": form.get("column", ""), "value": form.get("value", "")}
    return _staff_step(ref, lambda db: objections.act(
        db, catalog(), calendar(), admin.member(), _actor(db), ref, form.get("action", ""), note=form.get("note", ""),
        correction=correction, today=current.today(), now=login.now(), address=request.remote_addr))


@bp.post("/<ref>/suspend")
@admin.staff_required(staff.REVIEWER)
def suspend(ref: str):
    return _suspension(ref, True)


@bp.post("/<ref>/lift")
@admin.staff_required(staff.REVIEWER)
def lift(ref: str):
    return _suspension(ref, False)


def _suspension(ref: str, suspended: bool):
    return _staff_step(ref, lambda db: objections.set_suspended(
        db, catalog(), admin.member(), _actor(db), ref, suspended, now=login.now(), address=request.remote_addr))


def _staff_step(ref: str, step):
    """Make a staff member's change to a request in one transaction, then republish and mail (_after)
    and go back to the request; a refused change is shown on the request's page."""
    try:
        with login.sessions().begin() as db:
            done = step(db)
    except NotFound:
        raise PortalError(404, "not_found", NOT_FOUND) from None
    except ObjectionError as exc:
        return _detail(ref, error=str(exc), status=400)
    _after(done)
    return redirect(url_for("objections.detail", ref=ref), 303)


@bp.get("/<ref>/files/<file_ref>")
@admin.staff_required(*READERS)
def staff_file(ref: str, file_ref: str):
    """An evidence file, to staff who may see the request, through the access gate (logged)."""
    with login.sessions()() as db:
        try:
            req = objections.request_for_staff(db, admin.member(), ref)
            row = objections.file_of(db, req, file_ref)
        except NotFound:
            raise PortalError(404, "not_found", NOT_FOUND) from None
        record = db.get(objections.Record, req.record_id)
    _open(record, req, row, how=access.STAFF)
    return _send(row)


def _staff_request(ref: str):
    with login.sessions()() as db:
        try:
            req = objections.request_for_staff(db, admin.member(), ref)
        except NotFound:
            raise PortalError(404, "not_found", NOT_FOUND) from None
        return req, db.get(objections.Record, req.record_id)


def _detail(ref: str, *, disclosure=None, error: str | None = None, status: int = 200):
    who = admin.member()
    with login.sessions()() as db:
        try:
            req = objections.request_for_staff(db, who, ref)
        except NotFound:
            raise PortalError(404, "not_found", NOT_FOUND) from None
        record = db.get(objections.Record, req.record_id)
        steps = objections.history(db, req)
        files = objections.files_of(db, req)
        proc = catalog().procedure(req.procedure)
        step = proc.steps.get(req.step) if req.step else None
        may_act = step is not None and objections._may_act(who, step, req)
        own = staff.about_self(who, req.subject_key)
        columns = objections.correctable(catalog(), record)
        page = render_template("admin/objections/detail.html", req=req, record=record, steps=steps, files=files,
                               step=step, may_act=may_act, procedure=proc, disclosure=disclosure, error=error,
                               columns=columns, olabels=_labels(), today=current.today(), who=who, own=own,
                               own_record=staff.OWN_RECORD,
                               gap=_gaps([req]).get(req.id))
    return page, status


def _records(db, rows) -> dict:
    ids = {r.record_id for r in rows}
    if not ids:
        return {}
    return {r.id: r for r in db.scalars(select(objections.Record).where(objections.Record.id.in_(ids)))}


def _gaps(rows) -> dict:
    """Warnings for deadlines the calendar cannot compute (a year without a holiday notice)."""
    return {r.id: str(UncoveredYear(r.uncovered_year)) for r in rows if r.uncovered_year}


def _labels() -> dict:
    return {"kinds": objections.KIND_LABELS, "actors": objections.ACTOR_LABELS, "actions": objections.ACTION_LABELS,
            "step": lambda req, name=None: objections.step_label(catalog(), req, name),
            "outcome": lambda req: objections.outcome_label(catalog(), req)}
