"""Staff verdicts as CSV (`steward opinion feedback`): every 「已跟进」 and 「误报」 with the rules
that fired and the message masked, so the rules can be tuned from real cases."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from handlers.opinion.words import excerpt
from storage.uow import UnitOfWork

FEEDBACK_COLUMNS = (
    "at",
    "alert_id",
    "community_id",
    "kind",
    "tier",
    "verdict",
    "actor",
    "message_log_id",
    "rules",
    "reasons",
    "text_masked",
)


async def export_feedback(uow: UnitOfWork, since: datetime | None = None) -> str:
    """Every staff verdict (after `since`, if given) as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FEEDBACK_COLUMNS)
    for feedback, alert, message in await uow.opinion.feedback(since):
        writer.writerow(
            [
                feedback.at.isoformat(),
                feedback.alert_id,
                alert.community_id,
                feedback.kind,
                feedback.tier,
                feedback.verdict,
                feedback.actor,
                feedback.message_log_id or "",
                " ".join(feedback.rules),
                " ".join(feedback.reasons),
                excerpt(message.text, 500) if message is not None else "",
            ]
        )
    return out.getvalue()
