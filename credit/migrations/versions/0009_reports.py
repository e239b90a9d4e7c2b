"""credit reports: what is kept of each report issued, for /verify/<number>

Revision ID: 0009
Revises: 0008

The PDF itself is not stored: only its random number, when and for whom (public, the subject, a
code holder) it was issued, the SHA-256 of its bytes and a SHA-256 of the record data it showed.
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_reports",
        sa.Column("number", sa.String(16), primary_key=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audience", sa.String(8), nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=False, index=True),
        sa.Column("subject_name", sa.String(512), nullable=False),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("data_sha256", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("credit_reports")
