"""institution clients: credentials and bearer tokens for batch lookup (SPEC §7)

Revision ID: 0007
Revises: 0006

A client's secret is stored as an argon2 hash and its tokens as SHA-256 digests: neither can be
read back from the database. Deleting a client deletes its tokens.
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "institution_clients",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("secret_hash", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("per_minute", sa.Integer, nullable=False),
        sa.Column("per_day", sa.Integer, nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "institution_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64),
                  sa.ForeignKey("institution_clients.client_id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("institution_tokens")
    op.drop_table("institution_clients")
