"""legal holds remember the organisation they were placed for (who may release a hold on an
author or a comment not seen yet); PostgreSQL also refuses TRUNCATE on the audit log (a row
trigger does not see it); the audit chain's head row exists from the start.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()")
    # the head row, so that two first events never race to create it
    op.execute(sa.text("INSERT INTO audit_head (id, seq, hash) SELECT 1, 0, :genesis "
                       "WHERE NOT EXISTS (SELECT 1 FROM audit_head WHERE id = 1)")
               .bindparams(genesis=GENESIS))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_column("organisation")
