"""inbox indexes: open tasks in creation order; a person's finished tasks

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 16:00:00
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.create_index("ix_human_task_open_created", ["status", "created_at", "id"],
                              unique=False)
        batch_op.create_index("ix_human_task_done", ["completed_by_id", "completed_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index("ix_human_task_done")
        batch_op.drop_index("ix_human_task_open_created")
