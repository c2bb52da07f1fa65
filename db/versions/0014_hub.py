"""hub: each station's append-only log, the hub's merged log, and check-ins in merge order

A check-in now carries the station that made it and its clock stamps; one another station
made while the two were apart is kept as a duplicate (duplicate_of), never active, so the
"one active check-in per person and day" index leaves duplicates out.

Revision ID: 0014
Revises: 0013, 0015
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = ("0013", "0015")
branch_labels = None
depends_on = None

_ACTIVE_BEFORE = sa.text("undone_at IS NULL")
_ACTIVE = sa.text("undone_at IS NULL AND duplicate_of IS NULL")


def upgrade() -> None:
    op.create_table(
        "hub_log",
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("station", sa.String(length=32), nullable=False),
        sa.Column("station_name", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=19), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pushed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("applied", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("n", name=op.f("pk_hub_log")),
        sa.UniqueConstraint("id", name=op.f("uq_hub_log_id")),
        sa.UniqueConstraint("station", "seq", name="uq_hub_log_station_seq"),
    )
    op.create_index("ix_hub_log_unpushed", "hub_log", ["pushed", "seq"])
    op.create_index("ix_hub_log_unapplied", "hub_log", ["applied"])
    op.create_index(op.f("ix_hub_log_stamp"), "hub_log", ["stamp"])
    op.create_table(
        "hub_station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("hub_url", sa.Text(), nullable=True),
        sa.Column("pulled", sa.BigInteger(), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub_station")),
    )
    op.create_table(
        "hub_known",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("stamp", sa.String(length=19), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name=op.f("pk_hub_known")),
    )
    op.create_table(
        "hub_entry",
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True,
                  nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("station", sa.String(length=32), nullable=False),
        sa.Column("station_name", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=19), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("applied", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("error", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_hub_entry")),
        sa.UniqueConstraint("id", name=op.f("uq_hub_entry_id")),
        sa.UniqueConstraint("station", "seq", name="uq_hub_entry_station_seq"),
    )
    op.create_table(
        "hub_member",
        sa.Column("station", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("last_contact_at", sa.DateTime(), nullable=True),
        sa.Column("logged", sa.Integer(), nullable=False),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("pulled", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("station", name=op.f("pk_hub_member")),
    )
    # the partial index first: a table rebuilt by batch mode would not keep its WHERE
    op.drop_index("uq_checkin_active", table_name="checkin")
    with op.batch_alter_table("checkin") as batch:
        batch.add_column(sa.Column("station", sa.String(length=100), server_default="", nullable=False))
        batch.add_column(sa.Column("stamp", sa.String(length=19), server_default="", nullable=False))
        batch.add_column(sa.Column("undone_stamp", sa.String(length=19), nullable=True))
        batch.add_column(sa.Column("duplicate_of", sa.String(length=32), nullable=True))
    op.create_index("uq_checkin_active", "checkin", ["registration_id", "day"], unique=True,
                    sqlite_where=_ACTIVE, postgresql_where=_ACTIVE)


def downgrade() -> None:
    op.drop_index("uq_checkin_active", table_name="checkin")
    op.execute("DELETE FROM checkin WHERE duplicate_of IS NOT NULL")
    with op.batch_alter_table("checkin") as batch:
        batch.drop_column("duplicate_of")
        batch.drop_column("undone_stamp")
        batch.drop_column("stamp")
        batch.drop_column("station")
    op.create_index("uq_checkin_active", "checkin", ["registration_id", "day"], unique=True,
                    sqlite_where=_ACTIVE_BEFORE, postgresql_where=_ACTIVE_BEFORE)
    op.drop_table("hub_member")
    op.drop_table("hub_entry")
    op.drop_table("hub_known")
    op.drop_table("hub_station")
    op.drop_table("hub_log")
