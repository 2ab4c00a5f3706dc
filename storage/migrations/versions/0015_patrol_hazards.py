"""stewards open work orders (tickets.source, tickets.opened_by_id) and the rectification
ledger (hazards), issue 21

Expand only: two nullable columns on `tickets` (NULL: an owner's report, as every ticket
before) and a new table.

Revision ID: 0015
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("source", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("opened_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_tickets_opened_by_id_stewards"), "stewards", ["opened_by_id"], ["id"]
        )
    op.create_table(
        "hazards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("found_by_id", sa.Integer(), nullable=True),
        sa.Column("photo_before", sa.String(length=512), nullable=True),
        sa.Column("photo_after", sa.String(length=512), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_hazards_community_id_communities")
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_hazards_ticket_id_tickets")),
        sa.ForeignKeyConstraint(
            ["responsible_id"], ["stewards.id"], name=op.f("fk_hazards_responsible_id_stewards")
        ),
        sa.ForeignKeyConstraint(
            ["found_by_id"], ["stewards.id"], name=op.f("fk_hazards_found_by_id_stewards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazards")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_hazards_ticket_id")),
    )
    op.create_index("ix_hazards_status_due", "hazards", ["status", "due_at"], unique=False)
    op.create_index("ix_hazards_community_status", "hazards", ["community_id", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hazards_community_status", table_name="hazards")
    op.drop_index("ix_hazards_status_due", table_name="hazards")
    op.drop_table("hazards")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint(op.f("fk_tickets_opened_by_id_stewards"), type_="foreignkey")
        batch.drop_column("opened_by_id")
        batch.drop_column("source")
