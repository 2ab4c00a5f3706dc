"""owners' voice and community life (issue 23): polls and their votes, activities

`polls` holds a supervisor's question to a community's owner groups, open until `closes_at`
(`closed_at` set once, when the result is posted); `poll_votes` one row per owner and poll,
changed in place until the close, with the owner's building for staff's counts.
`activities` holds an announced activity (capacity, the reminder and rating steps done once);
`activity_signups` one row per owner and activity (joined, waiting or cancelled; the rating);
`activity_boards` the sign-up summary's message in each owner group and whether it is behind.
`fee_accounts` holds each unit's fees as the billing system last reported them (`steward fees
import`); `fee_reminders` every reminder, once per unit, kind, period and person, with the
owner's answer. `care_entries` is a community's private care list; `care_checks` and
`care_check_lines` a safety check-in of it before a warning (each household confirmed or not
reached, escalated once). `surveys` and `survey_answers` the quarterly satisfaction survey:
one score per owner and indicator.

Revision ID: 0020
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=200), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_polls_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.create_index("ix_polls_open", ["closed_at", "closes_at"], unique=False)
    op.create_table(
        "poll_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_poll_votes_poll_id_polls")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_poll_votes_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_votes")),
        sa.UniqueConstraint("poll_id", "member_id", name=op.f("uq_poll_votes_poll_id")),
    )

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timed", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_activities_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_community", ["community_id", "starts_at"], unique=False)
    op.create_table(
        "activity_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_activity_signups_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_activity_signups_member_id_members")
        ),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_activity_signups_chat_id_chats")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_signups")),
        sa.UniqueConstraint("activity_id", "member_id", name=op.f("uq_activity_signups_activity_id")),
    )
    op.create_table(
        "activity_boards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_activity_boards_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], name=op.f("fk_activity_boards_chat_id_chats")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_boards")),
        sa.UniqueConstraint("activity_id", "chat_id", name=op.f("uq_activity_boards_activity_id")),
    )
    with op.batch_alter_table("activity_boards", schema=None) as batch_op:
        batch_op.create_index("ix_activity_boards_dirty", ["dirty"], unique=False)

    op.create_table(
        "fee_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=False),
        sa.Column("account", sa.String(length=160), nullable=True),
        sa.Column("amount_due", sa.Integer(), nullable=False),
        sa.Column("months_overdue", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_fee_accounts_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_accounts")),
        sa.UniqueConstraint("community_id", "unit", name=op.f("uq_fee_accounts_community_id")),
    )
    op.create_table(
        "fee_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("via", sa.String(length=12), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("amount_due", sa.Integer(), nullable=False),
        sa.Column("months_overdue", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=12), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fee_accounts.id"], name=op.f("fk_fee_reminders_account_id_fee_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_reminders")),
        sa.UniqueConstraint(
            "account_id", "kind", "period", "user_id", name=op.f("uq_fee_reminders_account_id")
        ),
    )
    with op.batch_alter_table("fee_reminders", schema=None) as batch_op:
        batch_op.create_index("ix_fee_reminders_user", ["platform", "user_id"], unique=False)

    op.create_table(
        "care_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=False),
        sa.Column("building", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_care_entries_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_entries")),
    )
    with op.batch_alter_table("care_entries", schema=None) as batch_op:
        batch_op.create_index("ix_care_entries_community", ["community_id", "removed_at"], unique=False)
    op.create_table(
        "care_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_care_checks_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_checks")),
    )
    with op.batch_alter_table("care_checks", schema=None) as batch_op:
        batch_op.create_index("ix_care_checks_due", ["escalated_at", "escalate_at"], unique=False)
    op.create_table(
        "care_check_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("marked_by", sa.String(length=64), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_id"], ["care_checks.id"], name=op.f("fk_care_check_lines_check_id_care_checks")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["care_entries.id"], name=op.f("fk_care_check_lines_entry_id_care_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_check_lines")),
        sa.UniqueConstraint("check_id", "entry_id", name=op.f("uq_care_check_lines_check_id")),
    )

    op.create_table(
        "surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_surveys_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index("ix_surveys_open", ["closed_at", "closes_at"], unique=False)
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=64), nullable=True),
        sa.Column("building", sa.String(length=16), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["survey_id"], ["surveys.id"], name=op.f("fk_survey_answers_survey_id_surveys")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_survey_answers_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answers")),
        sa.UniqueConstraint("survey_id", "member_id", "indicator", name=op.f("uq_survey_answers_survey_id")),
    )


def downgrade() -> None:
    op.drop_table("survey_answers")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index("ix_surveys_open")
    op.drop_table("surveys")
    op.drop_table("care_check_lines")
    with op.batch_alter_table("care_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_care_checks_due")
    op.drop_table("care_checks")
    with op.batch_alter_table("care_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_care_entries_community")
    op.drop_table("care_entries")
    with op.batch_alter_table("fee_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_fee_reminders_user")
    op.drop_table("fee_reminders")
    op.drop_table("fee_accounts")
    with op.batch_alter_table("activity_boards", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_boards_dirty")
    op.drop_table("activity_boards")
    op.drop_table("activity_signups")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_community")
    op.drop_table("activities")
    op.drop_table("poll_votes")
    with op.batch_alter_table("polls", schema=None) as batch_op:
        batch_op.drop_index("ix_polls_open")
    op.drop_table("polls")
