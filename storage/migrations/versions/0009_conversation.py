"""the conversation: shared or one flat's problem, what each merged reporter wrote, labelled examples

`tickets.shared` says whether reports from other flats may merge into a ticket (the lift, a
water main: yes; a flat's drain: only that flat's reports). Tickets opened before this
revision keep merging as they did (true). `tickets.card_rows` are the outbox rows of the
ticket's cards, so a line about the ticket is sent under its card without searching the
outbox. `ticket_followers.text` and `.building` are what
the stewards' card lists for each merged reporter. `labelled_examples` keeps the stewards'
corrections of the classifier (改为报修 / 改为投诉 / 改为咨询 / 不是工单) for the corpus.

Revision ID: 0009
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shared", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("card_rows", sa.JSON(), nullable=True))
    with op.batch_alter_table("ticket_followers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("building", sa.String(length=16), nullable=True))
    op.create_table(
        "labelled_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("predicted", sa.JSON(), nullable=False),
        sa.Column("corrected", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_labelled_examples_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_labelled_examples_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labelled_examples")),
    )
    with op.batch_alter_table("labelled_examples", schema=None) as batch_op:
        batch_op.create_index("ix_labelled_examples_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("labelled_examples", schema=None) as batch_op:
        batch_op.drop_index("ix_labelled_examples_created")
    op.drop_table("labelled_examples")
    with op.batch_alter_table("ticket_followers", schema=None) as batch_op:
        batch_op.drop_column("building")
        batch_op.drop_column("text")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("card_rows")
        batch_op.drop_column("shared")
