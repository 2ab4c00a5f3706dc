"""the stewards' triage: uncertain owner messages kept for a digest, and the digests

`triage_items` holds an owner's message the classifier was not sure of (it opened no ticket and
got no answer) until a steward presses 开单 or 忽略 on the digest that listed it;
`triage_digests` holds one row per community and scheduled slot (claimed once, whether or not
anything was posted) with the outbox rows of the digest, so a decision can rewrite it in place.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("more", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_triage_digests_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_digests")),
        sa.UniqueConstraint("community_id", "slot", name=op.f("uq_triage_digests_community_id")),
    )
    op.create_table(
        "triage_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("thread_id", sa.String(length=128), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_triage_items_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_triage_items_chat_id_chats")),
        sa.ForeignKeyConstraint(
            ["message_id"], ["message_log.id"], name=op.f("fk_triage_items_message_id_message_log")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_triage_items_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["triage_digests.id"], name=op.f("fk_triage_items_digest_id_triage_digests")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_triage_items_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_items")),
    )
    with op.batch_alter_table("triage_items", schema=None) as batch_op:
        batch_op.create_index("ix_triage_items_digest", ["digest_id", "community_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("triage_items", schema=None) as batch_op:
        batch_op.drop_index("ix_triage_items_digest")
    op.drop_table("triage_items")
    op.drop_table("triage_digests")
