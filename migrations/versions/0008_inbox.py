"""inbox: task priority and saved filters

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_saved_filter_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filter")),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filter_user_name"),
    )
    with op.batch_alter_table("saved_filter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_filter_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("saved_filter")
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("priority")
