"""a default due time per group, for steps whose diagram sets none

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("work_group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("default_due", sa.String(length=40), nullable=False,
                                      server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("work_group", schema=None) as batch_op:
        batch_op.drop_column("default_due")
