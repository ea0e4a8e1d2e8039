"""published comments kept as thread context, and platform state changes kept apart from the
items (a removal read before its verdict).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "context_comments",
        sa.Column("comment_id", sa.String(length=300), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    op.create_index(op.f("ix_context_comments_received_at"), "context_comments", ["received_at"],
                    unique=False)
    op.create_table(
        "platform_states",
        sa.Column("comment_id", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("comment_id"),
    )
    op.create_index(op.f("ix_platform_states_at"), "platform_states", ["at"], unique=False)
    # what the items already knew
    op.execute("INSERT INTO platform_states (comment_id, state, at) "
               "SELECT comment_id, MAX(platform_state), MAX(ingested_at) FROM items "
               "WHERE platform_state IS NOT NULL GROUP BY comment_id")


def downgrade() -> None:
    op.drop_index(op.f("ix_platform_states_at"), table_name="platform_states")
    op.drop_table("platform_states")
    op.drop_index(op.f("ix_context_comments_received_at"), table_name="context_comments")
    op.drop_table("context_comments")
