"""indexes for what pages filter on: a task's comments (event.human_task_id), regions by
level (the kabupaten/kota to start a program in) and a program's tasks by group and region
(who may see a program); region codes compared byte by byte on
PostgreSQL wherever they are stored, so they join each other's indexes and a region's codes are
one index range

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 18:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# region.code first: the columns referring to it follow (PostgreSQL keeps the foreign keys)
REGION_CODES = (("region", "code", False), ("user_account", "region_code", True),
                ("instance", "region_code", True), ("partner", "region_code", True))


def upgrade() -> None:
    op.create_index("ix_event_human_task_id", "event", ["human_task_id"], unique=False)
    op.create_index("ix_region_level_code", "region", ["level", "code"], unique=False)
    # replaces the index of instance_id alone (a prefix of the new one)
    op.create_index("ix_human_task_instance_group", "human_task",
                    ["instance_id", "group_name", "region_code"], unique=False)
    op.drop_index("ix_human_task_instance_id", table_name="human_task")
    if op.get_bind().dialect.name == "postgresql":
        for table, column, nullable in REGION_CODES:
            op.alter_column(table, column, type_=sa.String(13, collation="C"),
                            existing_nullable=nullable)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, column, nullable in REGION_CODES:
            op.alter_column(table, column, type_=sa.String(13), existing_nullable=nullable)
    op.create_index("ix_human_task_instance_id", "human_task", ["instance_id"], unique=False)
    op.drop_index("ix_human_task_instance_group", table_name="human_task")
    op.drop_index("ix_region_level_code", table_name="region")
    op.drop_index("ix_event_human_task_id", table_name="event")
