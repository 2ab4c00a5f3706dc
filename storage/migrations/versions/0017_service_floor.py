"""the service floor (issue 21, items 4-6): 回访 calls, suggestions and praise, crisis records

`ticket_callbacks`: a ticket its owner did not rate, on the stewards' call list until the
call is recorded; `tickets.rating_reminded_at`: the one reminder a day before the close.
`suggestions` and `praises`: owners' suggestions (answered when decided) and thanks to a
named steward. `opinion_alerts.reminded_at` / `escalated_at`: the follow-up timer of a
tier-2/3 alert; `opinion_crises` and `opinion_crisis_events`: a tier-3 alert's crisis record
and its timeline. Expand only: new tables and nullable columns.

Revision ID: 0017
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("rating", sa.String(length=16), nullable=True),
        sa.Column("called_by", sa.String(length=64), nullable=True),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_ticket_callbacks_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_callbacks_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_callbacks")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ticket_callbacks_ticket_id")),
    )
    with op.batch_alter_table("ticket_callbacks", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_callbacks_due", ["community_id", "done_at"], unique=False)

    op.create_table(
        "praises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("steward_id", sa.Integer(), nullable=True),
        sa.Column("named", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("message_log_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_praises_chat_id_chats")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_praises_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_praises_member_id_members")),
        sa.ForeignKeyConstraint(
            ["message_log_id"], ["message_log.id"], name=op.f("fk_praises_message_log_id_message_log")
        ),
        sa.ForeignKeyConstraint(["steward_id"], ["stewards.id"], name=op.f("fk_praises_steward_id_stewards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_praises")),
    )
    with op.batch_alter_table("praises", schema=None) as batch_op:
        batch_op.create_index("ix_praises_community_created", ["community_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_praises_steward_id"), ["steward_id"], unique=False)

    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("message_log_id", sa.Integer(), nullable=True),
        sa.Column("source_message_id", sa.String(length=128), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=64), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_suggestions_chat_id_chats")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_suggestions_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_suggestions_member_id_members")),
        sa.ForeignKeyConstraint(
            ["message_log_id"], ["message_log.id"], name=op.f("fk_suggestions_message_log_id_message_log")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestions")),
    )
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_suggestions_community_created", ["community_id", "created_at"], unique=False
        )

    op.create_table(
        "opinion_crises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("spokesperson", sa.String(length=64), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("reply_state", sa.String(length=16), nullable=False),
        sa.Column("confirmed_by", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["opinion_alerts.id"], name=op.f("fk_opinion_crises_alert_id_opinion_alerts")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_opinion_crises_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_crises")),
        sa.UniqueConstraint("alert_id", name=op.f("uq_opinion_crises_alert_id")),
    )
    with op.batch_alter_table("opinion_crises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opinion_crises_community_id"), ["community_id"], unique=False)

    op.create_table(
        "opinion_crisis_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crisis_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["crisis_id"],
            ["opinion_crises.id"],
            name=op.f("fk_opinion_crisis_events_crisis_id_opinion_crises"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opinion_crisis_events")),
    )
    with op.batch_alter_table("opinion_crisis_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opinion_crisis_events_crisis_id"), ["crisis_id"], unique=False)

    with op.batch_alter_table("opinion_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rating_reminded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("rating_reminded_at")

    with op.batch_alter_table("opinion_alerts", schema=None) as batch_op:
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("reminded_at")

    with op.batch_alter_table("opinion_crisis_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opinion_crisis_events_crisis_id"))

    op.drop_table("opinion_crisis_events")
    with op.batch_alter_table("opinion_crises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opinion_crises_community_id"))

    op.drop_table("opinion_crises")
    with op.batch_alter_table("suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_suggestions_community_created")

    op.drop_table("suggestions")
    with op.batch_alter_table("praises", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_praises_steward_id"))
        batch_op.drop_index("ix_praises_community_created")

    op.drop_table("praises")
    with op.batch_alter_table("ticket_callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_callbacks_due")

    op.drop_table("ticket_callbacks")
