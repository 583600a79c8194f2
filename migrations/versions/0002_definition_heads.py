"""definition heads (current version per definition, for rollback) and version origin

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("definition_version", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(length=10), nullable=False,
                                      server_default="shipped"))
    op.create_table(
        "definition_head",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["changed_by_id"], ["user_account.id"],
                                name=op.f("fk_definition_head_changed_by_id_user_account")),
        sa.ForeignKeyConstraint(["current_version_id"], ["definition_version.id"],
                                name=op.f("fk_definition_head_current_version_id_definition_version")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_definition_head")),
    )
    # Existing databases: the newest version of each definition is its head.
    op.execute(
        "INSERT INTO definition_head (key, kind, current_version_id, changed_at) "
        "SELECT v.key, v.kind, v.id, v.deployed_at FROM definition_version v "
        "WHERE v.version = (SELECT max(w.version) FROM definition_version w WHERE w.key = v.key)"
    )


def downgrade() -> None:
    op.drop_table("definition_head")
    with op.batch_alter_table("definition_version", schema=None) as batch_op:
        batch_op.drop_column("origin")
