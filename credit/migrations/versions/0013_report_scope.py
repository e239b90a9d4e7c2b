"""credit reports: the scope of a code holder's report

Revision ID: 0013
Revises: 0012

`credit_reports.unpublished` keeps whether the code behind a code holder's report included
unpublished records (NULL for public and own reports), so /verify/<number> checks the records that
report showed and no others. Code holders' reports issued before it are checked as reports of
public records only, the narrower scope: one whose code included unpublished records may read as
changed.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("credit_reports") as batch:
        batch.add_column(sa.Column("unpublished", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credit_reports") as batch:
        batch.drop_column("unpublished")
