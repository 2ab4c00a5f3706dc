"""outbox: priority, fair turns, leases held by instances; the instances table; the health probe

Outbox rows get a priority (urgent acknowledgements ahead of bulk notices), a turn (one
member's flood of commands queues behind other members' replies), a lane (whom a reply
answers), the instance holding the lease of a row being sent, and the time a row first
became due (what /healthz measures the oldest waiting message by). The chat-queue index
covers the new queue order. `instances` lists the processes delivering the outbox with
their heartbeats; `health_probe` is the row /healthz writes to prove the database takes
writes.

Revision ID: 0008
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instances")),
    )
    op.create_table(
        "health_probe",
        sa.Column("instance_id", sa.String(length=32), nullable=False),
        sa.Column("probed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instance_id", name=op.f("pk_health_probe")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.SmallInteger(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("turn", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("lane", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index("ix_outbox_chat_queue")
        batch_op.create_index(
            "ix_outbox_chat_queue",
            ["status", "platform", "platform_chat_id", "priority", "turn", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_chat_queue")
        batch_op.create_index(
            "ix_outbox_chat_queue", ["status", "platform", "platform_chat_id", "id"], unique=False
        )
        batch_op.drop_column("due_at")
        batch_op.drop_column("claimed_by")
        batch_op.drop_column("lane")
        batch_op.drop_column("turn")
        batch_op.drop_column("priority")
    op.drop_table("health_probe")
    op.drop_table("instances")
