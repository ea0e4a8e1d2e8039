"""what the actuator carried out on the platforms (``moderation.actions``), shown on the cards.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_actions",
        sa.Column("action_id", sa.String(length=64), nullable=False),
        sa.Column("comment_id", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("action_id"),
    )
    op.create_index(op.f("ix_platform_actions_comment_id"), "platform_actions", ["comment_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_platform_actions_comment_id"), table_name="platform_actions")
    op.drop_table("platform_actions")
