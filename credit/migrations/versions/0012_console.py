"""staff console: why a record was not published, indexes for the statistics, searches per day

Revision ID: 0012
Revises: 0011

`records.withheld` holds why a record was not published when it arrived (None when it was), and
`records.arrival_workdays` the working days from its decision to its first arrival, so the statistics
count published, withheld and timely records with one GROUP BY over an index instead of reading
every record; existing records get both from the catalogue profile in CREDIT_CATALOG and its
calendar, judged on the day each first arrived (created_at, China Standard Time).
`ix_records_stats` covers the statistics' query.
`search_counts` holds public searches per day, added to by each portal worker every few seconds.
"""
from datetime import timedelta

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BATCH = 5000
CHINA = timedelta(hours=8)


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("withheld", sa.String(64), nullable=True))
        batch.add_column(sa.Column("arrival_workdays", sa.Integer, nullable=True))
    _backfill()
    op.create_index("ix_records_stats", "records", ["decided_on", "kind", "source_dept_code", "withheld", "arrival_workdays"])
    op.create_index("ix_records_department", "records", ["source_dept_code"])
    op.create_table(
        "search_counts",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("searches", sa.Integer, nullable=False),
    )


def _backfill() -> None:
    from credit.catalog import load_catalog
    from credit.config import Settings
    from credit.models import aware
    from credit.publicity import withheld
    from credit.stats import arrival_workdays

    catalog = load_catalog(Settings().catalog)
    records = sa.table("records", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                       sa.column("values", sa.Text), sa.column("revoked", sa.Boolean),
                       sa.column("decided_on", sa.Date), sa.column("created_at", sa.DateTime(timezone=True)),
                       sa.column("withheld", sa.String), sa.column("arrival_workdays", sa.Integer))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.select(records.c.id, records.c.kind, sa.cast(records.c["values"], sa.Text),
                                      records.c.revoked, records.c.decided_on, records.c.created_at)
                            .where(records.c.id > last).order_by(records.c.id).limit(BATCH)).all()
        if not rows:
            break
        changes = []
        for rid, kind, values, revoked, decided, created in rows:
            arrived = (aware(created) + CHINA).date()
            changes.append({"rid": rid, "reason": withheld(kind, orjson.loads(values), catalog, arrived, revoked=bool(revoked)),
                            "days": arrival_workdays(catalog.calendar, decided, arrived)})
        conn.execute(records.update().where(records.c.id == sa.bindparam("rid"))
                     .values(withheld=sa.bindparam("reason"), arrival_workdays=sa.bindparam("days")), changes)
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_table("search_counts")
    op.drop_index("ix_records_department", "records")
    op.drop_index("ix_records_stats", "records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("withheld")
