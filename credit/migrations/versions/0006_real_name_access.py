"""real-name access: login sessions, authorization codes, refused code attempts

Revision ID: 0006
Revises: 0005

A login session is kept server-side (the cookie carries only a random token, stored here hashed),
so the verified identity never travels in a cookie and a logout or timeout ends it for good.
Authorization codes are stored as an HMAC of the code, never the code itself.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A code holder may name the subject by its exact name.
    op.create_index("ix_records_subject_name", "records", ["subject_name"])
    op.create_table(
        "login_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(255), nullable=False),     # the provider's `sub`
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("uscc", sa.String(32), nullable=True),
        sa.Column("id_number", sa.String(32), nullable=True),
        sa.Column("id_token", sa.Text, nullable=True),             # the logout hint for the provider
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "authorization_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hint", sa.String(8), nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=False, index=True),
        sa.Column("subject_name", sa.String(512), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("include_unpublished", sa.Boolean, nullable=False),
        sa.Column("max_uses", sa.Integer, nullable=False),
        sa.Column("uses", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "code_refusals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("querier_id", sa.String(64), nullable=False),
        sa.Column("querier_name", sa.String(255), nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=True, index=True),   # when the subject was recognised
        sa.Column("address", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("code_refusals")
    op.drop_table("authorization_codes")
    op.drop_table("login_sessions")
    op.drop_index("ix_records_subject_name", "records")
