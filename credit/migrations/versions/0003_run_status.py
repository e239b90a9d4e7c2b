"""ingest run status; the digest of the file a record was read from

Revision ID: 0003
Revises: 0002

A run is recorded when it starts (running) and marked finished or interrupted when it ends; the
runs recorded before were all written as they finished. A record keeps the digest of the file it
was read from, so a rerun of the same file knows which rows a later line of it already corrected;
records stored before have none, and are weighed as before.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_runs") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=True))
    runs = sa.table("ingest_runs", sa.column("status", sa.String))
    op.execute(runs.update().values(status="finished"))
    with op.batch_alter_table("ingest_runs") as batch:
        batch.alter_column("status", existing_type=sa.String(16), nullable=False)
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("source_digest", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("source_digest")
    with op.batch_alter_table("ingest_runs") as batch:
        batch.drop_column("status")
