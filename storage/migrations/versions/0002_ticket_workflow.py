"""ticket workflow: SLA clock and rating request on tickets, followers (incidents), bind codes

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sla_started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("rating_requested_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "ticket_followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("source_message_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_ticket_followers_chat_id_chats")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_ticket_followers_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_followers_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_followers")),
        sa.UniqueConstraint("ticket_id", "member_id", name=op.f("uq_ticket_followers_ticket_id")),
    )
    with op.batch_alter_table("ticket_followers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_followers_ticket_id"), ["ticket_id"], unique=False)

    op.create_table(
        "bind_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("buildings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_chat_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_bind_codes_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["used_by_chat_id"], ["chats.id"], name=op.f("fk_bind_codes_used_by_chat_id_chats")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bind_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_bind_codes_code")),
    )


def downgrade() -> None:
    op.drop_table("bind_codes")
    with op.batch_alter_table("ticket_followers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_followers_ticket_id"))
    op.drop_table("ticket_followers")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("rating_requested_at")
        batch_op.drop_column("sla_started_at")
