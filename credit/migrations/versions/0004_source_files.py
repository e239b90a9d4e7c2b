"""source files and their headers; a record keeps only the cells that differ as sent

Revision ID: 0004
Revises: 0003

A record's row as sent is its normalized values plus the few cells that a clerk wrote otherwise
(records.original), under the headers its file used (source_files, one row per file content): a
copy of every row with its headers doubled what ingest wrote. Rows stored before keep what they had.
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_files",
        sa.Column("digest", sa.String(32), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("source_files")
