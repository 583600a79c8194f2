"""spot checks (uji petik): a supervisor's check of one family's line in the field

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 00:57:51
"""
import sqlalchemy as sa
from alembic import op

import webapp.db


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('spot_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('received', sa.Boolean(), nullable=False),
    sa.Column('right_amount', sa.Boolean(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('deduction', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', webapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checked_by_id'], ['user_account.id'], name=op.f('fk_spot_check_checked_by_id_user_account')),
    sa.ForeignKeyConstraint(['instance_id'], ['instance.id'], name=op.f('fk_spot_check_instance_id_instance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['distribution_line.id'], name=op.f('fk_spot_check_line_id_distribution_line'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_check')),
    sa.UniqueConstraint('line_id', name=op.f('uq_spot_check_line_id'))
    )
    with op.batch_alter_table('spot_check', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spot_check_instance_id'), ['instance_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('spot_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spot_check_instance_id'))

    op.drop_table('spot_check')
