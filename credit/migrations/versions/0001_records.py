"""records and ingest runs

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("identity", sa.String(512), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=False, index=True),
        sa.Column("subject_name", sa.String(512), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("source_dept_code", sa.String(64), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("values", sa.JSON, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("objection", sa.String(16), nullable=True),
        sa.Column("repaired_on", sa.Date, nullable=True),
        sa.Column("source_file", sa.Text, nullable=False),
        sa.Column("source_line", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    # Records are read by subject (publishing, a subject's own page) and by identity (replacing a
    # re-sent row); every further index is paid for on each of millions of ingested rows.
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replaced", sa.Integer, nullable=False, server_default="0"),
        sa.Column("report", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ingest_runs")
    op.drop_table("records")
