"""opinion: alerts, the messages folded into them, staff feedback

Revision ID: 0004
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opinion_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=True),
        sa.Column("message_log_id", sa.Integer(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("folded", sa.Integer(), nullable=False),
        sa.Column("handled_by", sa.String(length=64), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_opinion_alerts_chat_id_chats")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_opinion_alerts_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["message_log_id"], ["message_log.id"], name=op.f("fk_opinion_alerts_message_log_id_message_log")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_alerts")),
    )
    with op.batch_alter_table("opinion_alerts", schema=None) as batch_op:
        batch_op.create_index("ix_opinion_alerts_community_first", ["community_id", "first_at"], unique=False)

    op.create_table(
        "opinion_alert_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("message_log_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["opinion_alerts.id"],
            name=op.f("fk_opinion_alert_messages_alert_id_opinion_alerts"),
        ),
        sa.ForeignKeyConstraint(
            ["message_log_id"],
            ["message_log.id"],
            name=op.f("fk_opinion_alert_messages_message_log_id_message_log"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_alert_messages")),
        sa.UniqueConstraint("alert_id", "message_log_id", name=op.f("uq_opinion_alert_messages_alert_id")),
    )
    with op.batch_alter_table("opinion_alert_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opinion_alert_messages_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_opinion_alert_messages_message_log_id"), ["message_log_id"], unique=False
        )

    op.create_table(
        "opinion_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("message_log_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["opinion_alerts.id"], name=op.f("fk_opinion_feedback_alert_id_opinion_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["message_log_id"],
            ["message_log.id"],
            name=op.f("fk_opinion_feedback_message_log_id_message_log"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_feedback")),
    )
    with op.batch_alter_table("opinion_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opinion_feedback_alert_id"), ["alert_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opinion_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opinion_feedback_alert_id"))
    op.drop_table("opinion_feedback")
    with op.batch_alter_table("opinion_alert_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opinion_alert_messages_message_log_id"))
        batch_op.drop_index(batch_op.f("ix_opinion_alert_messages_alert_id"))
    op.drop_table("opinion_alert_messages")
    with op.batch_alter_table("opinion_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_opinion_alerts_community_first")
    op.drop_table("opinion_alerts")
