"""Decisions of record, users, the chain head and the purge log.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64  # the prev_hash of the first record


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer, "sqlite")
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("disabled_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "decisions",
        sa.Column("seq", big, primary_key=True, autoincrement=False),
        sa.Column("recorded_at", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("client_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("parent", sa.BigInteger, nullable=True, index=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("input", sa.Text, nullable=True),
        sa.Column("features", sa.Text, nullable=True),
        sa.Column("model_version", sa.Integer, nullable=False),
        sa.Column("model_hash", sa.String(64), nullable=False),
        sa.Column("feature_version", sa.String(32), nullable=True),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("review_band", sa.Float, nullable=False),
        sa.Column("pd", sa.Float, nullable=False),
        sa.Column("auto_decision", sa.String(8), nullable=False),
        sa.Column("reasons", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("actor_role", sa.String(32), nullable=True),
        sa.Column("final_decision", sa.String(8), nullable=True),
        sa.Column("reason_code", sa.String(40), nullable=True),
        sa.Column("justification", sa.Text, nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    head = op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("anchor_seq", sa.BigInteger, nullable=False),
        sa.Column("anchor_hash", sa.String(64), nullable=False),
    )
    op.bulk_insert(head, [{"id": 1, "last_seq": 0, "last_hash": GENESIS, "anchor_seq": 0, "anchor_hash": GENESIS}])
    op.create_table(
        "purges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("before", sa.String(32), nullable=False),
        sa.Column("deleted", sa.BigInteger, nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=True),
        sa.Column("last_seq", sa.BigInteger, nullable=True),
        sa.Column("actor", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    for table in ("purges", "chain_head", "decisions", "users"):
        op.drop_table(table)
