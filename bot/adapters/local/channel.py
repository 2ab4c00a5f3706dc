"""The local channel: a simulated community in-process (the demo, `steward chat`, tests).

It is a real adapter: updates go through the same router, replies come back through the
same outbox and sender. Like errbot's test backend: push a message, pop the replies.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.channel import Capabilities, Deliver
from bot.core.clock import Clock, SystemClock
from bot.core.events import ChatType, Incoming, MessageKind, Outgoing, Photo, SendError, SendResult


@dataclass(frozen=True)
class LocalMessage:
    """One line of the transcript: a user's message or one the bot sent."""

    chat_id: str
    message_id: str
    sender: str  # a user id, or "bot"
    sender_name: str
    text: str
    at: datetime
    outgoing: Outgoing | None = None
    toast: bool = False  # a button's answer, seen only by the person who pressed it
    kind: str = "text"

    @property
    def out(self) -> Outgoing:
        """The bot's message as sent (for a user's message there is none)."""
        if self.outgoing is None:
            raise ValueError("a user's message has no Outgoing")
        return self.outgoing

    @property
    def from_bot(self) -> bool:
        return self.outgoing is not None


Listener = Callable[[LocalMessage], None]


class LocalChannel:
    platform = "local"
    # Like a chat app with buttons, toasts, deletions and photos re-sent by id; edits arrive as
    # new messages in the transcript.
    capabilities = Capabilities(
        buttons=True, answers=True, direct=True, replies=True, delete_messages=True, photo_ids=True
    )

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.transcript: list[LocalMessage] = []
        self.listeners: list[Listener] = []
        self.gone: set[str] = set()  # chats that refuse messages (simulates a kicked bot)
        self.cannot_delete: set[str] = set()  # chats where a deletion is refused (no admin right)
        self.deleted: set[tuple[str, str]] = set()  # (chat id, message id) removed from the chat
        self._ids = itertools.count(1)
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def stop(self) -> None:
        self._deliver = None

    def _record(self, message: LocalMessage) -> None:
        self.transcript.append(message)
        for listener in self.listeners:
            listener(message)

    async def send(self, chat_id: str, message: Outgoing) -> SendResult:
        if chat_id in self.gone:
            raise SendError("bot was removed from the chat", permanent=True, chat_gone=True)
        if message.delete is not None:
            return self._delete(chat_id, message)
        answer = message.answer
        if answer is not None and not message.text:
            # A button's answer: a toast for the person who pressed it, not a chat message.
            toast = LocalMessage(
                chat_id, "", "bot", "Steward", f"（提示）{answer.text}", self.clock.now(), message, True
            )
            self._record(toast)
            return SendResult(None)
        message_id = f"b{next(self._ids)}"
        self._record(
            LocalMessage(chat_id, message_id, "bot", "Steward", message.text, self.clock.now(), message)
        )
        return SendResult(message_id)

    def _delete(self, chat_id: str, message: Outgoing) -> SendResult:
        """Remove a message from the chat; where that is refused, say the message's text."""
        assert message.delete is not None
        if chat_id not in self.cannot_delete:
            self.deleted.add((chat_id, message.delete))
            return SendResult(None)
        if not message.text.strip():
            raise SendError("message can't be deleted", permanent=True)
        message_id = f"b{next(self._ids)}"
        self._record(
            LocalMessage(chat_id, message_id, "bot", "Steward", message.text, self.clock.now(), message)
        )
        return SendResult(message_id)

    async def post(
        self,
        chat_id: str,
        sender_id: str,
        text: str,
        *,
        sender_name: str = "",
        kind: MessageKind | None = None,
        reply_to: str | None = None,
        private: bool = False,
        message_id: str | None = None,
        photos: tuple[Photo, ...] = (),
    ) -> Incoming:
        """A user writes in a chat (`photos`: a photo sent, `text` its caption); the update
        goes through the router."""
        if kind is None:
            if not text.strip() and photos:
                kind = MessageKind.PHOTO
            else:
                kind = MessageKind.COMMAND if text.startswith("/") else MessageKind.TEXT
        incoming = Incoming(
            platform=self.platform,
            chat_id=chat_id,
            sender_id=sender_id,
            sender_name=sender_name or sender_id,
            text=text,
            message_id=message_id or f"u{next(self._ids)}",
            sent_at=self.clock.now(),
            chat_type=ChatType.PRIVATE if private else ChatType.GROUP,
            kind=kind,
            reply_to=reply_to,
            photos=photos,
        )
        self._record(
            LocalMessage(
                chat_id,
                incoming.message_id,
                sender_id,
                incoming.sender_name,
                text,
                incoming.sent_at,
                kind=kind.value,
            )
        )
        await self._dispatch(incoming)
        return incoming

    async def press(
        self, chat_id: str, on_message: str, data: str, sender_id: str, sender_name: str = ""
    ) -> Incoming:
        """A user presses a button on a message the bot sent."""
        incoming = Incoming(
            platform=self.platform,
            chat_id=chat_id,
            sender_id=sender_id,
            sender_name=sender_name or sender_id,
            text="",
            message_id=f"cb{next(self._ids)}",
            sent_at=self.clock.now(),
            kind=MessageKind.CALLBACK,
            callback_data=data,
            reply_to=on_message,
        )
        await self._dispatch(incoming)
        return incoming

    async def deliver(self, incoming: Incoming) -> None:
        """Hand over a ready-made update (duplicates, odd kinds, bad input in tests)."""
        await self._dispatch(incoming)

    async def _dispatch(self, incoming: Incoming) -> None:
        if self._deliver is None:
            raise RuntimeError("local channel not started")
        await self._deliver(incoming)

    # -- reading the transcript -----------------------------------------------------------
    def sent_to(self, chat_id: str) -> list[LocalMessage]:
        return [m for m in self.transcript if m.chat_id == chat_id and m.from_bot and not m.toast]

    def is_deleted(self, chat_id: str, message_id: str) -> bool:
        return (chat_id, message_id) in self.deleted

    def toasts(self, chat_id: str) -> list[LocalMessage]:
        return [m for m in self.transcript if m.chat_id == chat_id and m.toast]

    def last_to(self, chat_id: str) -> LocalMessage:
        sent = self.sent_to(chat_id)
        if not sent:
            raise AssertionError(f"nothing was sent to {chat_id}")
        return sent[-1]
