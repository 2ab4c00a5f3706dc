"""The port every platform adapter implements (a connector, in opsdroid's terms).

Inbound: the adapter calls `deliver(incoming)` for each update it receives. `deliver` stores
the update in the inbox (durably) and then handles it; it returns once the update is stored
and handled, or stored and left for the inbox to retry, and raises only when the update was
NOT stored: the adapter must then not acknowledge it, so the platform keeps or redelivers it
(`IntakeClosed`: Steward is stopping; answer so the platform retries later, e.g. 503).
An adapter that must acknowledge before the handling ends (WeCom's callbacks) uses the two
phases of `Accept`: the store, then the returned `Handle`.
Outbound: the outbox sender calls `send(chat_id, outgoing)`; the adapter renders the message
for its platform, rate-limits it and raises `SendError` when the platform refuses it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.core.events import Incoming, Outgoing, SendResult

Deliver = Callable[[Incoming], Awaitable[None]]
Handle = Callable[[], Awaitable[None]]
Accept = Callable[[Incoming], Awaitable[Handle]]


class IntakeClosed(Exception):
    """Steward is stopping and stores no new update: the platform should deliver it again
    later (a webhook or callback answers 503; polling stops fetching)."""


@dataclass(frozen=True)
class Capabilities:
    """What an adapter's platform can do. Handlers ask for a capability, never a platform:
        `edit_in_place` (replace a sent message: `Outgoing.edit_of`), `buttons` (inline buttons;
        without them a button is shown as a command to type back), `threads` (forum topics),
        `answers` (a press answered to the presser alone: `Outgoing.answer`), `direct` (a person
        can be written to privately by their user id, e.g. to tell an admin), `replies` (a
        message shows the one it answers: `Outgoing.reply_to`; without it a group answer
        @-mentions the person it answers), `delete_messages` (a message of a chat can be removed:
        `Outgoing.delete`; the platform may still refuse one, e.g. a group where the bot is no
        admin), `addressed_as` (where the bot hears only what is addressed to it, the name people
        @-mention first, "物业管家": features tell people to write "@物业管家 接单 …"; empty where it
        reads every message of a group), `photo_ids` (a photo the platform keeps is re-sent by its
    file id: `Outgoing.photo`; elsewhere a feature writes where the photo can be found)."""

    edit_in_place: bool = False
    buttons: bool = False
    threads: bool = False
    answers: bool = False
    direct: bool = False
    replies: bool = False
    delete_messages: bool = False
    addressed_as: str = ""
    photo_ids: bool = False


NO_CAPABILITIES = Capabilities()


class Channel(Protocol):
    platform: str
    capabilities: Capabilities

    async def start(self, deliver: Deliver) -> None:
        """Begin receiving updates; each one is handed to `deliver`."""

    async def stop(self) -> None:
        """Stop receiving and release connections."""

    async def send(self, chat_id: str, message: Outgoing) -> SendResult:
        """Send one message to one chat; raise `bot.events.SendError` on failure."""
