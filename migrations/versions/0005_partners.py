"""partners: organisations the coordinators work with

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["region_code"], ["region.code"],
                                name=op.f("fk_partner_region_code_region")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
    )
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_region_code"), ["region_code"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("partner")
