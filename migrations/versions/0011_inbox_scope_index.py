"""inbox tab counts from one index: open tasks by group, region, process and holder; task
region codes compared byte by byte on PostgreSQL (a region's range of codes)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 07:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("human_task", "region_code", type_=sa.String(13, collation="C"),
                        existing_nullable=True)
    op.create_index("ix_human_task_open_scope", "human_task",
                    ["status", "group_name", "region_code", "process_key", "assignee_id"],
                    unique=False, postgresql_include=["id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_human_task_open_scope", table_name="human_task")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("human_task", "region_code", type_=sa.String(13),
                        existing_nullable=True)
