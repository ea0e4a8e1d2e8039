"""the "needs a reply" queue (reply_items), agency replies kept to close late questions, and the
ops page's windowed aggregates (newest per key).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reply_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.String(length=300), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_id", sa.String(length=200), nullable=False),
        sa.Column("author_handle", sa.String(length=200), nullable=True),
        sa.Column("thread_id", sa.String(length=300), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("reply_id", sa.String(length=300), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("first_response_s", sa.Float(), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("close_reason", sa.String(length=64), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("comment_id"),
    )
    op.create_index(op.f("ix_reply_items_account_id"), "reply_items", ["account_id"], unique=False)
    op.create_index("ix_reply_items_open", "reply_items", ["state", "organisation", "received_at"],
                    unique=False)
    op.create_table(
        "agency_replies",
        sa.Column("reply_id", sa.String(length=300), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=300), nullable=True),
        sa.Column("thread_id", sa.String(length=300), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("reply_id"),
    )
    op.create_index(op.f("ix_agency_replies_parent_id"), "agency_replies", ["parent_id"], unique=False)
    op.create_index(op.f("ix_agency_replies_thread_id"), "agency_replies", ["thread_id"], unique=False)
    op.create_index(op.f("ix_agency_replies_at"), "agency_replies", ["at"], unique=False)
    op.create_table(
        "ops_aggregates",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("grain", sa.String(length=4), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=False),
        sa.Column("organisation", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_ops_aggregates_grain", "ops_aggregates", ["grain", "start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_ops_aggregates_grain", table_name="ops_aggregates")
    op.drop_table("ops_aggregates")
    op.drop_index(op.f("ix_agency_replies_at"), table_name="agency_replies")
    op.drop_index(op.f("ix_agency_replies_thread_id"), table_name="agency_replies")
    op.drop_index(op.f("ix_agency_replies_parent_id"), table_name="agency_replies")
    op.drop_table("agency_replies")
    op.drop_index("ix_reply_items_open", table_name="reply_items")
    op.drop_index(op.f("ix_reply_items_account_id"), table_name="reply_items")
    op.drop_table("reply_items")
