"""programs and distribution rounds as records: a ``program`` row per program (kind, scheme,
funding, pagu, target KPM, benefit, decree), a ``distribution_round`` row per tahap, each line
in its round with the entitled amount, proxy and source; enrolments name their recipient;
imports carry their kind (village list, payout file, national list) and retention.

Existing programs are backfilled from their plan step's history: one round per planned tahap,
the completed ones closed with what their step recorded, the open one opened (its families due
fixed from the list as it stands), each line moved into its round.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08 00:22:23
"""
import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

import webapp.db


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _data(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


def _completed_steps(bind: Any) -> dict[int, dict[str, list[tuple[dict[str, Any], Any, Any]]]]:
    """Per instance, the plan and round steps completed: (data, when, the task's opening)."""
    found: dict[int, dict[str, list[tuple[dict[str, Any], Any, Any]]]] = {}
    rows = bind.execute(sa.text(
        "SELECT e.instance_id, e.data, e.at, t.created_at FROM event e "
        "LEFT JOIN human_task t ON t.id = e.human_task_id "
        "WHERE e.action = 'task.completed' AND e.instance_id IS NOT NULL ORDER BY e.id"))
    for instance_id, raw, at, opened in rows:
        event = _data(raw)
        form = event.get("form")
        if form in ("program_plan", "distribution_record"):
            found.setdefault(instance_id, {}).setdefault(form, []).append(
                (_data(event.get("data")), at, opened))
    return found


def _program(bind: Any, instance_id: int, plan: dict[str, Any], at: Any) -> int:
    start = _date(plan.get("start_date"))
    kind = plan.get("assistance_type") if isinstance(plan.get("assistance_type"), str) else ""
    return bind.execute(sa.text(
        "INSERT INTO program (instance_id, kind, scheme, funding, fiscal_year, budget, "
        "target_kpm, benefit_kind, benefit_goods, assistance_type, rounds_planned, start_date, "
        "end_date, decree_number, partners, notes, updated_at) VALUES (:i, 'local', '', '', "
        ":year, :budget, :target, :benefit, '', :type, :rounds, :start, :end, '', :partners, "
        ":notes, :at) RETURNING id"), {
        "i": instance_id, "year": start.year if start else None,
        "budget": _whole(plan.get("budget_rupiah")),
        "target": _whole(plan.get("target_households")),
        "benefit": "goods" if kind == "sembako" else "money", "type": kind[:12],
        "rounds": max(1, _whole(plan.get("rounds")) or 1), "start": start,
        "end": _date(plan.get("end_date")), "partners": str(plan.get("partners") or "")[:1000],
        "notes": str(plan.get("plan_notes") or "")[:2000], "at": at}).scalar_one()


def _round(bind: Any, program_id: int, number: int, **values: Any) -> int:
    columns = {"program_id": program_id, "number": number, "label": "", "channel": "",
               "sp2d_number": "", "notes": "", **values}
    names = ", ".join(columns)
    marks = ", ".join(f":{name}" for name in columns)
    return bind.execute(sa.text(f"INSERT INTO distribution_round ({names}, six_t) VALUES "
                                f"({marks}, '{{}}') RETURNING id"), columns).scalar_one()


def _now(bind: Any) -> Any:
    now = dt.datetime.now(dt.timezone.utc)
    if bind.dialect.name == "sqlite":  # as SQLAlchemy stores it there (naive UTC)
        return now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return now


def _families_due(bind: Any, instance_id: int, number: int, round_id: int, at: Any) -> None:
    """The families a round had due: every family enrolled when it closed (or now, for the open
    round: ``at`` None) gets its line, unticked where nobody ticked it."""
    status = ("e.status = 'enrolled'" if at is None else
              "(SELECT c.to_status FROM enrolment_change c WHERE c.enrolment_id = e.id AND "
              "c.at <= :at ORDER BY c.at DESC, c.id DESC LIMIT 1) = 'enrolled'")
    bind.execute(sa.text(
        "INSERT INTO distribution_line (enrolment_id, round, round_id, received, received_by, "
        "proxy_name, proxy_relation, goods, reason, note, source) "
        "SELECT e.id, :n, :r, NULL, '', '', '', '', '', '', '' FROM enrolment e "
        "WHERE e.instance_id = :i AND NOT EXISTS (SELECT 1 FROM distribution_line l "
        "WHERE l.enrolment_id = e.id AND l.round = :n) AND " + status),
        {"n": number, "r": round_id, "i": instance_id, **({} if at is None else {"at": at})})


def backfill(bind: Any) -> None:
    """Programs and rounds from the plan and round steps' history; lines into their rounds."""
    steps = _completed_steps(bind)
    open_rounds = dict(bind.execute(sa.text(
        "SELECT instance_id, MIN(created_at) FROM human_task WHERE status = 'open' AND "
        "form_key = 'distribution_record' GROUP BY instance_id")).all())
    line_rounds = bind.execute(sa.text(
        "SELECT DISTINCT e.instance_id, l.round FROM distribution_line l "
        "JOIN enrolment e ON e.id = l.enrolment_id")).all()
    wanted: dict[int, set[int]] = {}
    for instance_id, number in line_rounds:
        wanted.setdefault(instance_id, set()).add(number)
    for instance_id in sorted(set(steps) | set(wanted)):
        plans = steps.get(instance_id, {}).get("program_plan", [])
        if not plans and instance_id not in wanted:
            continue
        plan, at, _ = plans[-1] if plans else ({}, _now(bind), None)
        program_id = _program(bind, instance_id, plan, at)
        done = steps.get(instance_id, {}).get("distribution_record", [])
        numbers: dict[int, int] = {}
        for number, (data, closed, opened) in enumerate(done, start=1):
            numbers[number] = _round(
                bind, program_id, number, opened_at=opened or closed, closed_at=closed,
                distributed_on=_date(data.get("distribution_date")),
                typed_served=_whole(data.get("households_served")),
                typed_amount=_whole(data.get("amount_disbursed_rupiah")),
                typed_on_time=data.get("on_time") if isinstance(data.get("on_time"), bool)
                else None)
        planned = max(1, _whole(plan.get("rounds")) or 1)
        last = max([planned, len(done), *wanted.get(instance_id, ())])
        next_round = len(done) + 1
        for number in range(next_round, last + 1):
            opened = open_rounds.get(instance_id) if number == next_round else None
            numbers[number] = _round(bind, program_id, number, opened_at=opened)
            if opened is not None:
                done.append(({}, None, opened))
        for number, (_, closed, _) in enumerate(done, start=1):
            _families_due(bind, instance_id, number, numbers[number], closed)
        for number, round_id in numbers.items():
            bind.execute(sa.text(
                "UPDATE distribution_line SET round_id = :r, "
                "received_by = CASE WHEN received THEN 'recipient' ELSE '' END, "
                "source = CASE WHEN ticked_at IS NULL THEN '' ELSE 'tick' END "
                "WHERE round = :n AND round_id IS NULL AND enrolment_id IN ("
                "SELECT id FROM enrolment WHERE instance_id = :i)"),
                {"r": round_id, "n": number, "i": instance_id})


def upgrade() -> None:
    op.create_table('program',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('scheme', sa.String(length=12), nullable=False),
    sa.Column('funding', sa.String(length=14), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=True),
    sa.Column('budget', sa.BigInteger(), nullable=True),
    sa.Column('target_kpm', sa.Integer(), nullable=True),
    sa.Column('benefit_kind', sa.String(length=6), nullable=False),
    sa.Column('benefit_amount', sa.BigInteger(), nullable=True),
    sa.Column('benefit_goods', sa.String(length=120), nullable=False),
    sa.Column('assistance_type', sa.String(length=12), nullable=False),
    sa.Column('rounds_planned', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('decree_number', sa.String(length=80), nullable=False),
    sa.Column('decree_date', sa.Date(), nullable=True),
    sa.Column('decree_attachment_id', sa.Integer(), nullable=True),
    sa.Column('partners', sa.String(length=1000), nullable=False),
    sa.Column('notes', sa.String(length=2000), nullable=False),
    sa.Column('updated_at', webapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decree_attachment_id'], ['attachment.id'], name=op.f('fk_program_decree_attachment_id_attachment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instance_id'], ['instance.id'], name=op.f('fk_program_instance_id_instance'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_program_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_program_instance_id'))
    )
    op.create_table('distribution_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('planned_date', sa.Date(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('opened_at', webapp.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('distributed_on', sa.Date(), nullable=True),
    sa.Column('closed_at', webapp.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sp2d_number', sa.String(length=80), nullable=False),
    sa.Column('sp2d_date', sa.Date(), nullable=True),
    sa.Column('sp2d_amount', sa.BigInteger(), nullable=True),
    sa.Column('six_t', sa.JSON(), nullable=False),
    sa.Column('typed_served', sa.Integer(), nullable=True),
    sa.Column('typed_amount', sa.BigInteger(), nullable=True),
    sa.Column('typed_on_time', sa.Boolean(), nullable=True),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_distribution_round_opened_by_id_user_account')),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_distribution_round_program_id_program'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_distribution_round')),
    sa.UniqueConstraint('program_id', 'number', name='uq_distribution_round_program_number')
    )
    op.create_table('round_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=13), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', webapp.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_round_document_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_round_document_attachment_id_attachment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['distribution_round.id'], name=op.f('fk_round_document_round_id_distribution_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_document'))
    )
    with op.batch_alter_table('round_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_document_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('distribution_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entitled_amount', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('received_by', sa.String(length=9), server_default='', nullable=False))
        batch_op.add_column(sa.Column('proxy_name', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('proxy_relation', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('source', sa.String(length=6), server_default='', nullable=False))
        batch_op.add_column(sa.Column('import_id', sa.Integer(), nullable=True))
        batch_op.alter_column('amount',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=True)
        batch_op.alter_column('reason',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=14),
               existing_nullable=False)

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('entitled_amount', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_enrolment_recipient_id_person'), 'person', ['recipient_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('registry_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=10), server_default='village', nullable=False))
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('instance_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('purged_at', webapp.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_registry_import_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_import_round_id'), ['round_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registry_import_round_id_distribution_round'), 'distribution_round', ['round_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_registry_import_instance_id_instance'), 'instance', ['instance_id'], ['id'], ondelete='CASCADE')

    backfill(op.get_bind())

    with op.batch_alter_table('distribution_line', schema=None) as batch_op:
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_distribution_line_enrolment_round'), type_='unique')
        batch_op.create_index('ix_distribution_line_enrolment', ['enrolment_id'], unique=False)
        batch_op.create_unique_constraint('uq_distribution_line_round_enrolment', ['round_id', 'enrolment_id'])
        batch_op.create_foreign_key(batch_op.f('fk_distribution_line_round_id_distribution_round'), 'distribution_round', ['round_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_distribution_line_import_id_registry_import'), 'registry_import', ['import_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_column('round')


def downgrade() -> None:
    with op.batch_alter_table('registry_import', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registry_import_instance_id_instance'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_registry_import_round_id_distribution_round'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registry_import_round_id'))
        batch_op.drop_index(batch_op.f('ix_registry_import_instance_id'))
        batch_op.drop_column('purged_at')
        batch_op.drop_column('instance_id')
        batch_op.drop_column('round_id')
        batch_op.drop_column('kind')

    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enrolment_recipient_id_person'), type_='foreignkey')
        batch_op.drop_column('entitled_amount')
        batch_op.drop_column('recipient_id')

    with op.batch_alter_table('distribution_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round', sa.INTEGER(), nullable=True))
    op.execute("UPDATE distribution_line SET round = (SELECT number FROM distribution_round "
               "WHERE distribution_round.id = distribution_line.round_id)")
    op.execute("DELETE FROM distribution_line WHERE received IS NULL")  # unticked: not kept before
    with op.batch_alter_table('distribution_line', schema=None) as batch_op:
        batch_op.alter_column('round', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_constraint(batch_op.f('fk_distribution_line_import_id_registry_import'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_distribution_line_round_id_distribution_round'), type_='foreignkey')
        batch_op.drop_constraint('uq_distribution_line_round_enrolment', type_='unique')
        batch_op.drop_index('ix_distribution_line_enrolment')
        batch_op.create_unique_constraint(batch_op.f('uq_distribution_line_enrolment_round'), ['enrolment_id', 'round'])
        batch_op.alter_column('reason',
               existing_type=sa.String(length=14),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
        batch_op.alter_column('amount',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=True)
        batch_op.drop_column('import_id')
        batch_op.drop_column('source')
        batch_op.drop_column('proxy_relation')
        batch_op.drop_column('proxy_name')
        batch_op.drop_column('received_by')
        batch_op.drop_column('entitled_amount')
        batch_op.drop_column('round_id')

    with op.batch_alter_table('round_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_document_round_id'))

    op.drop_table('round_document')
    op.drop_table('distribution_round')
    op.drop_table('program')
