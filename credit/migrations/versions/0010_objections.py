"""objections, checks and positive-record removal: requests, their history, evidence files,
department contacts; a record's withdrawal reason, statement and correction note

Revision ID: 0010
Revises: 0009

`objection_requests` holds one request about one record (an objection filed by its subject, a check
opened by staff, a request to remove one's own positive record), its current step of the catalogue's
procedure and that step's working-day deadline. `objection_steps` is its history: append-only (the
database refuses UPDATE and DELETE), each step timestamped and attributed. Evidence files are kept
under the instance folder by a random name; `objection_files` says whose they are.
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

POSTGRES = [
    """CREATE FUNCTION objection_steps_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '异议处理记录只能追加，不能修改或删除'; END $$""",
    """CREATE TRIGGER objection_steps_append_only BEFORE UPDATE OR DELETE ON objection_steps
       FOR EACH ROW EXECUTE FUNCTION objection_steps_refuse()""",
]
SQLITE = [
    """CREATE TRIGGER objection_steps_no_update BEFORE UPDATE ON objection_steps
       BEGIN SELECT RAISE(ABORT, '异议处理记录只能追加，不能修改或删除'); END""",
    """CREATE TRIGGER objection_steps_no_delete BEFORE DELETE ON objection_steps
       BEGIN SELECT RAISE(ABORT, '异议处理记录只能追加，不能修改或删除'); END""",
]


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("withdrawn", sa.String(255), nullable=True))
        batch.add_column(sa.Column("statement", sa.Text, nullable=True))
        batch.add_column(sa.Column("correction_note", sa.Text, nullable=True))
    op.create_table(
        "objection_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(32), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("records.id"), nullable=False, index=True),
        sa.Column("subject_key", sa.String(64), nullable=False, index=True),
        sa.Column("subject_name", sa.String(512), nullable=False),
        sa.Column("dept_code", sa.String(64), nullable=False, index=True),
        sa.Column("procedure", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("step", sa.String(32), nullable=True),
        sa.Column("step_started_on", sa.Date, nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("uncovered_year", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        sa.Column("statement", sa.Text, nullable=True),
        sa.Column("opened_by", sa.String(255), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "objection_steps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("objection_requests.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(16), nullable=False),
        sa.Column("actor_ref", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(255), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("step", sa.String(32), nullable=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "objection_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(32), nullable=False, unique=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("objection_requests.id"), nullable=False, index=True),
        sa.Column("stored", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "department_contacts",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    for statement in POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER objection_steps_append_only ON objection_steps")
        op.execute("DROP FUNCTION objection_steps_refuse()")
    op.drop_table("department_contacts")
    op.drop_table("objection_files")
    op.drop_table("objection_steps")
    op.drop_table("objection_requests")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("correction_note")
        batch.drop_column("statement")
        batch.drop_column("withdrawn")
