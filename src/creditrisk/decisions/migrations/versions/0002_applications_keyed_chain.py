"""One decision per application, who asked for it, the keyed chain, the store's identity, failed logins.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decisions") as table:
        table.add_column(sa.Column("application", sa.String(64), nullable=True))
        table.add_column(sa.Column("requested_by", sa.String(80), nullable=True))
        table.add_column(sa.Column("key_id", sa.String(16), nullable=True))
        table.create_index("ix_decisions_application", ["application"])
    meta = op.create_table(
        "store_meta",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("store_id", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.bulk_insert(meta, [{"id": 1, "store_id": uuid.uuid4().hex,
                           "created_at": datetime.now(UTC).isoformat(timespec="microseconds")}])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False, index=True),
        sa.Column("user", sa.String(64), nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_table("store_meta")
    with op.batch_alter_table("decisions") as table:
        table.drop_index("ix_decisions_application")
        for column in ("key_id", "requested_by", "application"):
            table.drop_column(column)
