"""a chat the bot can no longer post to: since when, why, and with which credential

`chats.push_failed_at` is set when a platform refuses the chat's push credential for good
(WeCom's errcode 93000: the group robot's webhook key is invalid, the robot was removed) and
cleared once the chat can be posted to again; `push_error` keeps the platform's answer and
`push_key` a fingerprint of the last credential refused (not the credential), so a different
one is known to be a repair and the refused one is not used again while another is known. The chat stays
active: what is sent to it fails visibly, the supervisors and admins are told once, and it is
sent again once the chat's robot works (docs/RELIABILITY.md, "A dead WeCom robot").

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("push_failed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("push_error", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("push_key", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chats", schema=None) as batch_op:
        batch_op.drop_column("push_key")
        batch_op.drop_column("push_error")
        batch_op.drop_column("push_failed_at")
