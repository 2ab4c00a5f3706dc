"""one SLA notice per ticket, level and cycle, settled by the database

The SLA watch now sends what falls due together as one message per chat (a line per ticket),
so the outbox's per-ticket `dedupe_key` no longer says whether a ticket's reminder or
escalation went out. The audit event does: a partial unique index on `ticket_events`
(ticket, action, note) for the three SLA actions lets a watch claim a notice with an
insert-or-ignore, and two processes watching at once notify once. Duplicate SLA events an
older watch could write (a chat added after the first notice) are removed first, the
earliest of each kept.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLA_WHERE = "action IN ('sla_reminder', 'sla_breach', 'sla_manager')"


def upgrade() -> None:
    op.execute(
        f"DELETE FROM ticket_events WHERE {SLA_WHERE} AND id NOT IN ("
        f"SELECT keep FROM (SELECT MIN(id) AS keep FROM ticket_events WHERE {SLA_WHERE} "
        "GROUP BY ticket_id, action, note) AS earliest)"
    )
    op.create_index(
        "uq_ticket_events_sla",
        "ticket_events",
        ["ticket_id", "action", "note"],
        unique=True,
        sqlite_where=sa.text(SLA_WHERE),
        postgresql_where=sa.text(SLA_WHERE),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_ticket_events_sla",
        table_name="ticket_events",
        sqlite_where=sa.text(SLA_WHERE),
        postgresql_where=sa.text(SLA_WHERE),
    )
