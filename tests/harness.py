"""The real application on a local channel, a frozen clock and a real database."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.local.channel import LocalChannel, LocalMessage
from bot.app.root import App, build_app
from bot.app.settings import EXAMPLE_COMMUNITY_FILE, Settings
from bot.core.clock import FrozenClock
from bot.core.events import Incoming, MessageKind
from nlp.classifier import Classifier
from storage.base import Base
from storage.inbox.models import InboxUpdate
from storage.outbox.models import OutboxMessage
from storage.tickets.models import Ticket, TicketEvent

# Monday 2026-11-23 10:00 in Shanghai: every steward in the example roster is on duty.
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
EXAMPLE = EXAMPLE_COMMUNITY_FILE


class Harness:
    def __init__(self, engine: AsyncEngine, db_url: str, classifier: Classifier, **settings: Any) -> None:
        """`settings`: more `Settings` fields (the console's secret, say)."""
        self.clock = FrozenClock(MONDAY_MORNING)
        self.channel = LocalChannel(self.clock)
        self.app: App = build_app(
            Settings(database_url=db_url, community_file=EXAMPLE, **settings),
            channels={"local": self.channel},
            clock=self.clock,
            classifier=classifier,
            engine=engine,
        )

    async def start(self) -> None:
        # The tests drive the sender and the inbox's worker by hand (`drain`).
        await self.app.start(sender=False, inbox=False)

    async def stop(self) -> None:
        await self.app.stop()  # the inbox's worker too (the fixture disposes of the engine again)

    async def say(self, chat: str, user: str, text: str, **kwargs: object) -> Incoming:
        """An owner (or steward) writes; the outbox is then delivered."""
        incoming = await self.channel.post(chat, user, text, **kwargs)  # type: ignore[arg-type]
        await self.app.sender.drain()
        return incoming

    async def deliver(self, incoming: Incoming) -> None:
        await self.channel.deliver(incoming)
        await self.app.sender.drain()

    async def press(self, chat: str, message: LocalMessage, data: str, user: str) -> None:
        await self.channel.press(chat, message.message_id, data, user)
        await self.app.sender.drain()

    def sent(self, chat: str) -> list[LocalMessage]:
        return self.channel.sent_to(chat)

    async def tickets(self) -> list[Ticket]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(Ticket).order_by(Ticket.id))).all())

    async def events(self, ticket_id: int) -> list[TicketEvent]:
        async with self.app.sessions() as session:
            return list(
                (
                    await session.scalars(
                        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
                    )
                ).all()
            )

    async def count(self, model: type[Base]) -> int:
        async with self.app.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    async def outbox(self) -> list[OutboxMessage]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())

    async def inbox(self) -> list[InboxUpdate]:
        async with self.app.sessions() as session:
            return list((await session.scalars(select(InboxUpdate).order_by(InboxUpdate.id))).all())


def alert_to_presser(channel: LocalChannel, chat: str) -> str:
    """The newest answer to a button press in `chat`, which must be an alert (a box only the
    presser sees and dismisses); its text."""
    toasts = channel.toasts(chat)
    assert toasts, f"no press was answered in {chat}"
    answer = toasts[-1].out.answer
    assert answer is not None, toasts[-1]
    assert answer.alert, f"answered as a passing toast, not an alert: {answer.text}"
    return answer.text


def text_message(
    chat: str, user: str, text: str, message_id: str, kind: MessageKind = MessageKind.TEXT
) -> Incoming:
    return Incoming(
        platform="local",
        chat_id=chat,
        sender_id=user,
        sender_name=user,
        text=text,
        message_id=message_id,
        sent_at=MONDAY_MORNING,
        kind=kind,
    )
