"""Staff pages under /admin (SPEC §2): who a member of staff is, what their roles let them open, the
staff table for admins, and reading one subject's full record through the access gate.

The rule for every staff page: a link (a GET) never makes a logged read. A page reached by a link
shows only what needs none (`glimpse`: references, kinds, dates, states, a public record's document
number, an organisation's name); a member of staff states a purpose in a form (a POST with its CSRF
token) before a subject's full record is read, through the access gate, and logged.

Other staff pages live in blueprints of their own and register a section here (`section`), so the
start page lists exactly the pages a member's roles open. Every view is wrapped in `staff_required`,
which answers 403 to a login without the role, and sends anyone not logged in to log in."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session, url_for

from credit import access, staff
from credit.catalog import PERSON
from credit.codes import is_citizen_id
from credit.masking import mask_person_name
from credit.models import Record
from credit.publicity import of_record
from credit.staff import Staff, StaffError
from portal import current, login
from portal.errors import PortalError, wants_json
from portal.present import catalog

bp = Blueprint("admin", __name__, url_prefix="/admin")

FORBIDDEN = "您的工作人员角色不能访问此页面"


@dataclass(frozen=True)
class Section:
    title: str
    endpoint: str
    roles: tuple[str, ...]     # any of them opens it
    note: str = ""


def section(app: Flask, title: str, endpoint: str, *roles: str, note: str = "") -> None:
    """List a staff page on /admin for the members holding any of `roles`."""
    app.extensions.setdefault("admin_sections", []).append(Section(title, endpoint, roles, note))


@dataclass(frozen=True)
class Glimpse:
    """What a staff page reached by a link shows of a request's subject and record, unlogged."""
    subject: str     # the subject's name; a natural person's masked (张*)
    record: str      # a public record's document number (or list name); else its record id
    public: bool     # whether the record is public today (else its content waits for a logged read)
    person: bool


def glimpse(record: Record | None, subject_name: str, subject_key: str = "") -> Glimpse:
    """The subject and record of a request (an objection, a check, a repair application) as a queue or
    a request's page shows them without a logged read: a natural person's name masked, and the
    document number only of a record that is public today — a non-public record by its id alone."""
    person = is_citizen_id(subject_key) or (record is not None and record.subject_type == PERSON)
    public = record is not None and of_record(record, catalog(), current.today()).public
    if record is None:
        shown = ""
    elif public:
        shown = str(record.values.get("doc_no") or record.values.get("list_name") or record.public_id)
    else:
        shown = record.public_id
    return Glimpse(subject=mask_person_name(subject_name, catalog()) if person else subject_name,
                   record=shown, public=public, person=person)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.context_processor(lambda: {"staff_member": member})
    app.jinja_env.globals["glimpse"] = glimpse   # a global: imported macros (request_rows) see it too
    section(app, "查阅主体完整信用记录", "admin.subject", *access.STAFF_READERS,
            note="须填写查询事由；每次查阅记入查询日志")
    section(app, "工作人员与角色", "admin.staff_list", staff.ADMIN)


def member() -> Staff | None:
    """The logged-in identity's staff membership (None for the public and for subjects)."""
    if "staff" not in g:
        who = login.identity()
        with login.sessions()() as db:
            g.staff = staff.find(db, who.key) if who is not None else None
    return g.staff


def staff_required(*roles: str):
    """Views for members of staff holding any of `roles` (every member, when none are named)."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if login.identity() is None:
                if wants_json():
                    abort(401)
                session[login.NEXT] = request.path
                return redirect(url_for("account.login_page"))
            who = member()
            if who is None or (roles and not who.has(*roles)):
                raise PortalError(403, "forbidden", FORBIDDEN)
            return view(*args, **kwargs)
        return wrapper
    return decorate


def actor() -> tuple[str, str]:
    """(key, name) of the member acting, for the audit entries of credit.staff.audit."""
    who = member()
    return who.key, who.name


@bp.get("")
@staff_required()
def home():
    who = member()
    sections = [s for s in current_app.extensions.get("admin_sections", ()) if who.has(*s.roles)]
    return render_template("admin/home.html", who=who, sections=sections, role_labels=staff.ROLE_LABELS)


@bp.route("/subject", methods=["GET", "POST"])
@staff_required(*access.STAFF_READERS)
def subject():
    """A subject's full record for a stated purpose. A POST (the form carries its CSRF token), so a
    link or a prefetch never makes a logged read."""
    if request.method == "GET":
        return render_template("admin/subject.html", form={}, disclosure=None)
    form = request.form
    key, purpose = form.get("subject", "").strip(), access.stated_purpose(form.get("purpose"))
    if not purpose:
        return render_template("admin/subject.html", form=form, disclosure=None,
                               error="请填写查询事由（将记入查询日志）"), 400
    try:
        disclosure = staff_read(key, purpose)
    except access.Refused:
        return render_template("admin/subject.html", form=form, disclosure=None,
                               error="没有找到该主体，或其记录不在您可查阅的范围内"), 404
    return render_template("admin/subject.html", form=form, disclosure=disclosure)


def staff_read(subject: str, purpose: str, only: set[str] | None = None) -> access.Disclosure:
    """A subject's records in full (or only those ids) through the access gate, for this member of
    staff's stated purpose: logged, and within what the member may read (access.Refused else)."""
    return access.read(login.sessions(), catalog(), login.identity(), how=access.STAFF, today=current.today(),
                       now=login.now(), address=request.remote_addr, subject=subject, purpose=purpose, only=only)


@bp.get("/staff")
@staff_required(staff.ADMIN)
def staff_list():
    return _staff_page()


@bp.post("/staff")
@staff_required(staff.ADMIN)
def staff_grant():
    form = request.form
    try:
        with login.sessions().begin() as db:
            staff.grant(db, key=form.get("key", ""), name=form.get("name", ""), roles=form.getlist("roles"),
                        department_code=form.get("department_code"), by=actor(), now=login.now(),
                        address=request.remote_addr)
    except StaffError as exc:
        return _staff_page(error=str(exc), form=form), 400
    return redirect(url_for("admin.staff_list"))


@bp.post("/staff/<ref>/remove")
@staff_required(staff.ADMIN)
def staff_remove(ref: str):
    with login.sessions().begin() as db:
        row = staff.by_ref(db, ref)
        if row is None:
            raise PortalError(404, "not_found", "没有这位工作人员")
        if row.key == member().key:
            return _staff_page(error="不能撤销自己的角色：请由另一位系统管理员操作"), 400
        try:
            staff.remove(db, row.key, by=actor(), now=login.now(), address=request.remote_addr)
        except StaffError as exc:
            return _staff_page(error=str(exc)), 400
    return redirect(url_for("admin.staff_list"))


def _staff_page(error: str | None = None, form=None):
    with login.sessions()() as db:
        rows = staff.members(db)
    return render_template("admin/staff.html", rows=rows, roles=staff.ROLES, role_labels=staff.ROLE_LABELS,
                           error=error, form=form or {})
