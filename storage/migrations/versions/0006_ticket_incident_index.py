"""index tickets for the incident lookup every owner report makes

Intake asks, for each repair or complaint, whether an active ticket about the same category
(and building) was opened in the last two hours; without an index that read every ticket of
the community, so each report cost more the longer the community had used Steward.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index("ix_tickets_incident", ["community_id", "category", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_tickets_incident")
