"""the query log: append-only, hash-chained, with its one-row chain head

Revision ID: 0005
Revises: 0004

See credit/querylog.py for the chain. Triggers refuse UPDATE and DELETE on query_log, deleting the
head, and moving the head backwards; only pruning may delete entries, and only those before the
anchor it has just moved.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GENESIS = "0" * 64

POSTGRES = [
    # prune() sets credit.pruning for its own transaction; even then only entries before the anchor may go.
    """CREATE FUNCTION query_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND current_setting('credit.pruning', true) = 'on'
           AND OLD.seq < (SELECT anchor_seq FROM query_log_head WHERE id = 1) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION USING MESSAGE = '查询日志只能追加，不能修改或删除（' || TG_OP || ' query_log）';
    END $$""",
    """CREATE FUNCTION query_log_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id <> OLD.id OR NEW.seq NOT IN (OLD.seq, OLD.seq + 1)
           OR NEW.anchor_seq < OLD.anchor_seq OR NEW.anchor_seq > NEW.seq + 1
           OR ((NEW.anchor_seq, NEW.anchor_hash) IS DISTINCT FROM (OLD.anchor_seq, OLD.anchor_hash)
               AND current_setting('credit.pruning', true) IS DISTINCT FROM 'on') THEN
            RAISE EXCEPTION USING MESSAGE = '查询日志链头只能随追加和清理向前移动';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE FUNCTION query_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = '查询日志只能追加，不能修改或删除（' || TG_OP || ' ' || TG_TABLE_NAME || '）';
    END $$""",
    """CREATE TRIGGER query_log_append_only BEFORE UPDATE OR DELETE ON query_log
       FOR EACH ROW EXECUTE FUNCTION query_log_guard()""",
    """CREATE TRIGGER query_log_no_truncate BEFORE TRUNCATE ON query_log
       FOR EACH STATEMENT EXECUTE FUNCTION query_log_refuse()""",
    """CREATE TRIGGER query_log_head_forward BEFORE UPDATE ON query_log_head
       FOR EACH ROW EXECUTE FUNCTION query_log_head_guard()""",
    """CREATE TRIGGER query_log_head_keep BEFORE DELETE ON query_log_head
       FOR EACH ROW EXECUTE FUNCTION query_log_refuse()""",
    """CREATE TRIGGER query_log_head_no_truncate BEFORE TRUNCATE ON query_log_head
       FOR EACH STATEMENT EXECUTE FUNCTION query_log_refuse()""",
]

SQLITE = [
    """CREATE TRIGGER query_log_no_update BEFORE UPDATE ON query_log
       BEGIN SELECT RAISE(ABORT, '查询日志只能追加，不能修改或删除（UPDATE query_log）'); END""",
    # SQLite has no per-transaction setting a trigger could read. Pruning first moves the anchor in
    # query_log_head forward (a deliberate, checked step: it never moves back or past the head) and
    # then deletes the entries before it; every other DELETE is refused. The connection holds the
    # write lock from the anchor's move to the commit, so no one else acts on the moved anchor halfway.
    """CREATE TRIGGER query_log_no_delete BEFORE DELETE ON query_log
       WHEN OLD.seq >= (SELECT anchor_seq FROM query_log_head WHERE id = 1)
       BEGIN SELECT RAISE(ABORT, '查询日志只能追加，不能修改或删除（DELETE query_log）'); END""",
    """CREATE TRIGGER query_log_head_forward BEFORE UPDATE ON query_log_head
       WHEN NEW.id <> OLD.id OR NEW.seq NOT IN (OLD.seq, OLD.seq + 1)
            OR NEW.anchor_seq < OLD.anchor_seq OR NEW.anchor_seq > NEW.seq + 1
       BEGIN SELECT RAISE(ABORT, '查询日志链头只能随追加和清理向前移动'); END""",
    """CREATE TRIGGER query_log_head_keep BEFORE DELETE ON query_log_head
       BEGIN SELECT RAISE(ABORT, '查询日志只能追加，不能修改或删除（DELETE query_log_head）'); END""",
]


def upgrade() -> None:
    op.create_table(
        "query_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False, unique=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("querier_id", sa.String(64), nullable=False),
        sa.Column("querier_name", sa.Text, nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=False),
        sa.Column("subject_name", sa.Text, nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("code_id", sa.Integer, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("times", sa.Integer, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_query_log_subject_seq", "query_log", ["subject_key", "seq"])
    op.create_index("ix_query_log_pair", "query_log", ["querier_id", "subject_key", "seq"])
    head = op.create_table(
        "query_log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("anchor_seq", sa.Integer, nullable=False),
        sa.Column("anchor_hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_query_log_head_one_row"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS, "anchor_seq": 1, "anchor_hash": GENESIS}])
    for statement in POSTGRES if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for function in ("query_log_guard", "query_log_head_guard", "query_log_refuse"):
            op.execute(f"DROP FUNCTION {function}() CASCADE")   # with their triggers
    op.drop_table("query_log_head")
    op.drop_index("ix_query_log_pair", table_name="query_log")
    op.drop_index("ix_query_log_subject_seq", table_name="query_log")
    op.drop_table("query_log")
