"""registry facts for eligibility: a person's school level, disability severity, chronic
illness, presence (verval) and the day a pregnancy was recorded (replacing the pregnant flag:
a pregnancy counts ten months from that day); a household's DTSEN id and desil period; the
national schemes a household receives (household_benefit, filled by imports)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-10 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def _day_of(column: str) -> str:
    """The calendar day of a stored UTC timestamp, in the database's own SQL."""
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST({column} AS DATE)"
    return f"date({column})"


def upgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("desil_period", sa.String(length=10), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("dtsen_id", sa.String(length=20), server_default="",
                                   nullable=False))
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("disability_severity", sa.String(length=10),
                                   server_default="", nullable=False))
        batch.add_column(sa.Column("chronic_illness", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column("pregnancy_recorded_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("school_level", sa.String(length=12), server_default="",
                                   nullable=False))
        batch.add_column(sa.Column("presence", sa.String(length=10), server_default="found",
                                   nullable=False))
    # a pregnancy recorded before: from the day the person's record last changed
    op.execute(f"UPDATE person SET pregnancy_recorded_on = {_day_of('updated_at')} "
               "WHERE pregnant = true")
    op.execute("UPDATE person SET presence = 'died' WHERE died_on IS NOT NULL")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("pregnant")
    op.create_table(
        "household_benefit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"],
                                name=op.f("fk_household_benefit_household_id_household")),
        sa.ForeignKeyConstraint(["import_id"], ["registry_import.id"],
                                name=op.f("fk_household_benefit_import_id_registry_import"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_benefit")))
    with op.batch_alter_table("household_benefit") as batch:
        batch.create_index(batch.f("ix_household_benefit_household_id"), ["household_id"],
                           unique=False)


def downgrade() -> None:
    with op.batch_alter_table("household_benefit") as batch:
        batch.drop_index(batch.f("ix_household_benefit_household_id"))
    op.drop_table("household_benefit")
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("pregnant", sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    op.execute("UPDATE person SET pregnant = true WHERE pregnancy_recorded_on IS NOT NULL")
    with op.batch_alter_table("person") as batch:
        for column in ("presence", "school_level", "pregnancy_recorded_on", "chronic_illness",
                       "disability_severity"):
            batch.drop_column(column)
    with op.batch_alter_table("household") as batch:
        batch.drop_column("dtsen_id")
        batch.drop_column("desil_period")
