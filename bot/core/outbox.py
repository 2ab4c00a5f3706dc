"""The one way anything reaches a chat: a row in the outbox, in the caller's transaction.

Handlers, services and jobs all post through here; the sender (`bot.core.sender`) delivers
the rows after the transaction commits, so a rolled-back change never speaks.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.events import Outgoing
from storage.directory.models import Chat
from storage.uow import UnitOfWork


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
) -> bool:
    """Queue `message` for `chat`; False if `dedupe_key` was already queued."""
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
    )
    return row is not None
