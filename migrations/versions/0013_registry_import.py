"""village-list imports into the registry: the uploaded file, its state and progress, and
its rows after the checks (the preview), each with its outcome and reasons

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 08:20:00
"""
import sqlalchemy as sa
from alembic import op


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('registry_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_registry_import_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_import'))
    )
    op.create_table('registry_import_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('kk_number', sa.String(length=40), nullable=False),
    sa.Column('cells', sa.JSON(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['registry_import.id'], name=op.f('fk_registry_import_row_import_id_registry_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_import_row'))
    )
    with op.batch_alter_table('registry_import_row', schema=None) as batch_op:
        batch_op.create_index('ix_registry_import_row_import_line', ['import_id', 'line'], unique=False)
        batch_op.create_index('ix_registry_import_row_import_outcome', ['import_id', 'outcome'], unique=False)
        batch_op.create_index('ix_registry_import_row_import_kk', ['import_id', 'kk_number'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('registry_import_row', schema=None) as batch_op:
        batch_op.drop_index('ix_registry_import_row_import_kk')
        batch_op.drop_index('ix_registry_import_row_import_outcome')
        batch_op.drop_index('ix_registry_import_row_import_line')

    op.drop_table('registry_import_row')
    op.drop_table('registry_import')
