"""The one way anything reaches a chat: a row in the outbox, in the caller's transaction.

Handlers, services and jobs all post through here; the sender (`bot.core.sender`) delivers
the rows after the transaction commits, so a rolled-back change never speaks.

Who goes first (docs/RELIABILITY.md, "Priority and fairness"): the caller decides a
message's `priority` (`Priority.URGENT` for urgent owner acknowledgements, urgent ticket
cards and SLA escalations; `Priority.BULK` for broadcasts, tips, digests and reports;
`Priority.NORMAL` otherwise). A reply to one person names them as its `lane`: within a chat,
a lane's rows beyond `MEMBER_SHARE` unsent ones queue behind everyone else's, so sixty
commands from one owner do not delay another owner's acknowledgement.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.events import Outgoing
from storage.directory.models import Chat
from storage.outbox.models import Priority
from storage.uow import UnitOfWork

__all__ = ["MEMBER_SHARE", "Priority", "priority_for", "send_to_chat"]

# How many unsent replies to one person a chat's queue holds in plain arrival order; the
# rest of that person's replies wait for everyone else's turn. Three covers a command and a
# follow-up or two, while a flood (a script, a stuck client) goes to the back.
MEMBER_SHARE = 3


def priority_for(urgent: bool) -> Priority:
    return Priority.URGENT if urgent else Priority.NORMAL


async def send_to_chat(
    uow: UnitOfWork,
    chat: Chat,
    message: Outgoing,
    now: datetime,
    *,
    ref_type: str | None = None,
    ref_id: int | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    priority: Priority = Priority.NORMAL,
    lane: str | None = None,
) -> bool:
    """Queue `message` for `chat`; False if `dedupe_key` was already queued. `lane`: whom
    the message answers (an `Actor` label such as "member:12"), for fairness."""
    row = await uow.outbox.enqueue(
        platform=chat.platform,
        platform_chat_id=chat.platform_chat_id,
        chat_id=chat.id,
        payload=message.to_json(),
        now=now,
        not_before=not_before,
        ref_type=ref_type,
        ref_id=ref_id,
        dedupe_key=dedupe_key,
        priority=priority,
        lane=lane,
        share=MEMBER_SHARE,
    )
    return row is not None
