"""credit repair applications, their proof files and their history

Revision ID: 0011
Revises: 0010

`repair_applications`: one per application about one penalty (`record_id`, no foreign key, so a
record's deletion by the objection procedure is never blocked by an old application); `open_for`
holds the record's id while the application is open and is unique, so a record has at most one
open application. `repair_files`: proof files, stored under random names in the instance folder.
`repair_events`: each application's history, timestamped and attributed.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repair_applications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ref", sa.String(24), nullable=False, unique=True),
        sa.Column("record_id", sa.Integer, nullable=False, index=True),
        sa.Column("subject_key", sa.String(64), nullable=False, index=True),
        sa.Column("subject_name", sa.String(512), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("open_for", sa.Integer, nullable=True, unique=True),
        sa.Column("commitment", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("repaired_on", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
    )
    op.create_table(
        "repair_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, nullable=False, index=True),
        sa.Column("stored_name", sa.String(64), nullable=False, unique=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_table(
        "repair_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("application_id", sa.Integer, nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("repair_events")
    op.drop_table("repair_files")
    op.drop_table("repair_applications")
