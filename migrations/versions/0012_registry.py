"""the registry: households, people, enrolments in programs, distribution lines and the
registry's own history

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 07:39:06
"""
import sqlalchemy as sa
from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kk_number', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('kk_reversed', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('region_code', sa.String(length=13).with_variant(sa.String(length=13, collation='C'), 'postgresql'), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('rt', sa.String(length=3), nullable=False),
    sa.Column('rw', sa.String(length=3), nullable=False),
    sa.Column('desil', sa.Integer(), nullable=True),
    sa.Column('desil_source', sa.String(length=40), nullable=False),
    sa.Column('desil_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_household_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_household_region_code_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household')),
    sa.UniqueConstraint('kk_number', name=op.f('uq_household_kk_number'))
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_kk_reversed'), ['kk_reversed'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_region_code'), ['region_code'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('nik', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=True),
    sa.Column('nik_reversed', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=True),
    sa.Column('full_name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120).with_variant(sa.String(length=120, collation='C'), 'postgresql'), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_place', sa.String(length=80), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('relation', sa.String(length=14), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('disability', sa.String(length=100), nullable=False),
    sa.Column('pregnant', sa.Boolean(), nullable=False),
    sa.Column('school', sa.String(length=16), nullable=False),
    sa.Column('occupation', sa.String(length=80), nullable=False),
    sa.Column('died_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_person_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('nik', name=op.f('uq_person_nik'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_person_name_birth', ['name_key', 'birth_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_nik_reversed'), ['nik_reversed'], unique=False)

    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_enrolment_household_id_household')),
    sa.ForeignKeyConstraint(['instance_id'], ['instance.id'], name=op.f('fk_enrolment_instance_id_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('instance_id', 'household_id', name='uq_enrolment_instance_household')
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_household_id'), ['household_id'], unique=False)

    op.create_table('registry_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_registry_event_by_id_user_account')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_registry_event_household_id_household')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_registry_event_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registry_event'))
    )
    with op.batch_alter_table('registry_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_event_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_event_person_id'), ['person_id'], unique=False)

    op.create_table('distribution_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('received', sa.Boolean(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('amount', sa.Integer(), nullable=True),
    sa.Column('goods', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('ticked_by_id', sa.Integer(), nullable=True),
    sa.Column('ticked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_distribution_line_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticked_by_id'], ['user_account.id'], name=op.f('fk_distribution_line_ticked_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distribution_line')),
    sa.UniqueConstraint('enrolment_id', 'round', name='uq_distribution_line_enrolment_round')
    )
    op.create_table('enrolment_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=14), nullable=False),
    sa.Column('to_status', sa.String(length=14), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_enrolment_change_by_id_user_account')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolment.id'], name=op.f('fk_enrolment_change_enrolment_id_enrolment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment_change'))
    )
    with op.batch_alter_table('enrolment_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrolment_change_enrolment_id'), ['enrolment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('enrolment_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_change_enrolment_id'))

    op.drop_table('enrolment_change')
    op.drop_table('distribution_line')
    with op.batch_alter_table('registry_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_event_person_id'))
        batch_op.drop_index(batch_op.f('ix_registry_event_household_id'))

    op.drop_table('registry_event')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_household_id'))

    op.drop_table('enrolment')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_nik_reversed'))
        batch_op.drop_index('ix_person_name_birth')
        batch_op.drop_index(batch_op.f('ix_person_household_id'))

    op.drop_table('person')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_region_code'))
        batch_op.drop_index(batch_op.f('ix_household_kk_reversed'))

    op.drop_table('household')
