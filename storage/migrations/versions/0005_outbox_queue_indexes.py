"""merge the feature branches; index the outbox by chat queue and by platform message

The claim query groups unsent rows by chat and the card lookup (a reply to a ticket card)
finds a row by its platform message id; without these indexes both scanned the table.

Revision ID: 0005
Revises: 0002, 0003, 0004
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0002", "0003", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_chat_queue", ["status", "platform", "platform_chat_id", "id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_platform_message",
            ["platform", "platform_chat_id", "platform_message_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_platform_message")
        batch_op.drop_index("ix_outbox_chat_queue")
