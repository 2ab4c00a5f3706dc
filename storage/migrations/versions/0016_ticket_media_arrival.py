"""photos of tickets, arrival on site, and the urgent progress prompts (issue 21, items 2 and 3)

`ticket_media`: a ticket's photos as the platform keeps them (file ids, never the pictures).
`tickets.onsite_due_at` / `tickets.arrived_at`: the on-site clock of an urgent ticket and when
the steward said 「已到场」. (The urgent progress prompts need no schema: the outbox's dedupe
key asks once per interval, and an audit event records it.)

Revision ID: 0016
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=False),
        sa.Column("unique_id", sa.String(length=128), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_ticket_media_chat_id_chats")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_media_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_media")),
    )
    op.create_index(op.f("ix_ticket_media_ticket_id"), "ticket_media", ["ticket_id"], unique=False)
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("onsite_due_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("arrived_at")
        batch.drop_column("onsite_due_at")
    op.drop_index(op.f("ix_ticket_media_ticket_id"), table_name="ticket_media")
    op.drop_table("ticket_media")
