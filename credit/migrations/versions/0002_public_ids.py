"""random public ids; the original row as sent

Revision ID: 0002
Revises: 0001

Public record ids used to be a hash of the record's identity, which for a natural person's list
entry contains the ID number: every existing record gets a random id instead. Links to the old ids
answer 404; `python -m indexer reindex` republishes every document under its new id.
"""
import sqlalchemy as sa
from alembic import op

from credit.ids import new_public_id

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("public_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("original", sa.JSON, nullable=True))
    records = sa.table("records", sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    conn = op.get_bind()
    last = 0
    while True:
        ids = conn.execute(sa.select(records.c.id).where(records.c.id > last).order_by(records.c.id)
                           .limit(BATCH)).scalars().all()
        if not ids:
            break
        conn.execute(records.update().where(records.c.id == sa.bindparam("rid"))
                     .values(public_id=sa.bindparam("pid")),
                     [{"rid": i, "pid": new_public_id()} for i in ids])
        last = ids[-1]
    with op.batch_alter_table("records") as batch:
        batch.alter_column("public_id", existing_type=sa.String(32), nullable=False)
        batch.create_unique_constraint("uq_records_public_id", ["public_id"])


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_constraint("uq_records_public_id", type_="unique")
        batch.drop_column("original")
        batch.drop_column("public_id")
