"""jobs count the runs that never ended (their worker was killed while running them), so a job
that stops its worker is not taken again blindly

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 18:30:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("crashes", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_column("crashes")
