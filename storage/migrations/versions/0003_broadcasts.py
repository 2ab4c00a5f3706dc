"""broadcasts: notices, schedules, templates, outages and the tip history

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-22 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcast_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_broadcast_templates_name")),
    )
    op.create_table(
        "broadcast_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cron", sa.String(length=64), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("buildings", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_broadcast_schedules_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcast_schedules")),
    )
    with op.batch_alter_table("broadcast_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcast_schedules_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "outages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("utility", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("buildings", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_outages_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outages")),
    )
    with op.batch_alter_table("outages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outages_community_id"), ["community_id"], unique=False)

    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("buildings", sa.JSON(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("target_count", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("outage_id", sa.Integer(), nullable=True),
        sa.Column("run_key", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_broadcasts_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["outage_id"], ["outages.id"], name=op.f("fk_broadcasts_outage_id_outages")),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["broadcast_schedules.id"],
            name=op.f("fk_broadcasts_schedule_id_broadcast_schedules"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        sa.UniqueConstraint("run_key", name=op.f("uq_broadcasts_run_key")),
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_broadcasts_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcasts_outage_id"), ["outage_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_broadcasts_schedule_id"), ["schedule_id"], unique=False)
        batch_op.create_index("ix_broadcasts_status_send_at", ["status", "send_at"], unique=False)

    op.create_table(
        "tip_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.String(length=32), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["broadcast_id"], ["broadcasts.id"], name=op.f("fk_tip_deliveries_broadcast_id_broadcasts")
        ),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_tip_deliveries_chat_id_chats")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tip_deliveries")),
        sa.UniqueConstraint("chat_id", "broadcast_id", name=op.f("uq_tip_deliveries_chat_id")),
    )
    with op.batch_alter_table("tip_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tip_deliveries_chat_id"), ["chat_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tip_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tip_deliveries_chat_id"))

    op.drop_table("tip_deliveries")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index("ix_broadcasts_status_send_at")
        batch_op.drop_index(batch_op.f("ix_broadcasts_schedule_id"))
        batch_op.drop_index(batch_op.f("ix_broadcasts_outage_id"))
        batch_op.drop_index(batch_op.f("ix_broadcasts_community_id"))

    op.drop_table("broadcasts")
    with op.batch_alter_table("outages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outages_community_id"))

    op.drop_table("outages")
    with op.batch_alter_table("broadcast_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcast_schedules_community_id"))

    op.drop_table("broadcast_schedules")
    op.drop_table("broadcast_templates")
