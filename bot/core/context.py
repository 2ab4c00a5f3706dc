"""What a chat handler receives: the update, who and where it came from, and the ports it
may use. Only chat entry points see a `Context`; services get plain arguments, an `Actor`
and a unit of work, so the command line, jobs and the console call the same use cases.

Handlers never import a platform library; they answer through `Context.reply` / `send`,
which write `Outgoing` messages to the outbox inside the update's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.actor import Actor
from bot.core.channel import Capabilities
from bot.core.errors import DomainError
from bot.core.events import Button, CallbackAnswer, ChatType, Incoming, Mention, MessageKind, Outgoing
from bot.core.outbox import MEMBER_SHARE, Priority, send_to_chat
from bot.core.roles import Role
from bot.core.services import Services
from storage.directory.models import Chat, Community, Member, Steward
from storage.uow import UnitOfWork

DEFAULT_LANGUAGE = {"telegram": "zh-Hant", "wecom": "zh-Hans", "local": "zh-Hans"}


class Outcome(StrEnum):
    """What became of an update the middlewares ran (`Context.outcome`)."""

    UNFINISHED = "unfinished"  # nothing committed (the handling raised, or has not run)
    HANDLED = "handled"  # the handlers' work (or a refusal's answer) committed, the inbox row done
    DUPLICATE = "duplicate"  # handled before (`processed_deliveries`): nothing done again
    NOT_TAKEN = "not_taken"  # the inbox row was not this handling's: done elsewhere, or not yet
    # its chat's turn (an older update of the chat is still pending)


@dataclass
class Context:
    incoming: Incoming
    services: Services
    uow_: UnitOfWork | None = None
    chat: Chat | None = None
    community: Community | None = None
    member: Member | None = None
    steward: Steward | None = None
    role: Role = Role.OWNER
    stop: bool = False
    # The inbox row this update is handled from: marked done in the update's own transaction.
    inbox_id: int | None = None
    outcome: Outcome = Outcome.UNFINISHED
    # The language the update is answered in, as resolved (`resolve` middleware): a plain
    # string, so a refusal written after the handling's rollback still speaks it (the
    # community object is gone by then). Used when there is no community.
    language: str | None = None

    @property
    def uow(self) -> UnitOfWork:
        if self.uow_ is None:
            raise RuntimeError("no unit of work: the session middleware did not run")
        return self.uow_

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    @property
    def lang(self) -> str:
        if self.community is not None:
            return self.community.language
        if self.language is not None:
            return self.language
        return DEFAULT_LANGUAGE.get(self.incoming.platform, "zh-Hans")

    @property
    def is_private(self) -> bool:
        return self.incoming.chat_type is ChatType.PRIVATE

    @property
    def chat_role(self) -> str:
        if self.chat is None:
            return "unbound"
        return self.chat.role

    @property
    def capabilities(self) -> Capabilities:
        """What the platform this update came from can do."""
        return self.services.capabilities(self.incoming.platform)

    @property
    def address(self) -> str:
        """What to write before words meant for the bot in this chat: "@物业管家 " in a group
        where it hears only what @-mentions it (`Capabilities.addressed_as`), else ""."""
        name = self.capabilities.addressed_as
        return f"@{name} " if name and not self.is_private else ""

    @property
    def actor(self) -> Actor:
        """The person behind this update, as services see them."""
        incoming = self.incoming
        if self.steward is not None and self.role is not Role.ADMIN:
            label = f"steward:{self.steward.id}"
            name = self.steward.name
        elif self.member is not None and self.role is Role.OWNER:
            label = f"member:{self.member.id}"
            name = self.member.display_name or ""
        else:
            label = f"{incoming.platform}:{incoming.sender_id}"[:64]
            name = incoming.sender_name
        return Actor(self.role, label, name, self.steward, self.member)

    def t(self, key: str, **values: Any) -> str:
        return self.services.texts.render(key, self.lang, **values)

    def require(self, minimum: Role) -> None:
        if not self.role.at_least(minimum):
            raise DomainError("err.forbidden", role=minimum.value)

    async def reply(
        self,
        text: str,
        *,
        buttons: tuple[tuple[Button, ...], ...] = (),
        mentions: tuple[Mention, ...] = (),
        quote: bool = True,
        ref_type: str | None = None,
        ref_id: int | None = None,
        answer: str | None = None,
        alert: bool = False,
        edit_of: str | None = None,
    ) -> None:
        """Answer in the chat the update came from (replying to it, in the same thread).

        For a button press, `answer` is shown to the presser alone (a toast; a box they
        dismiss with `alert`); `edit_of` replaces that earlier message where the platform can
        edit in place. The reply is in the sender's lane (`bot.core.outbox`): one person's
        flood of commands waits behind other people's replies."""
        reply_to = None
        if quote and self.incoming.kind is not MessageKind.CALLBACK:
            reply_to = self.incoming.message_id
        press = None
        if answer is not None and self.incoming.kind is MessageKind.CALLBACK:
            press = CallbackAnswer(self.incoming.message_id, answer, alert)
        message = Outgoing(
            text=text,
            buttons=buttons,
            mentions=mentions,
            reply_to=reply_to,
            thread_id=self.incoming.thread_id,
            reply_hint=self.incoming.reply_hint,
            edit_of=edit_of,
            answer=press,
        )
        await self.uow.outbox.enqueue(
            platform=self.incoming.platform,
            platform_chat_id=self.incoming.chat_id,
            chat_id=self.chat.id if self.chat else None,
            payload=message.to_json(),
            now=self.now,
            ref_type=ref_type,
            ref_id=ref_id,
            priority=Priority.NORMAL,
            lane=self.actor.label,
            share=MEMBER_SHARE,
        )

    async def answer(self, text: str, *, alert: bool = False) -> None:
        """Answer a button press to the presser alone (nothing for other updates); `alert`:
        in a box they dismiss, for what they must not miss (a refusal)."""
        if self.incoming.kind is MessageKind.CALLBACK:
            await self.reply("", quote=False, answer=text, alert=alert)

    async def remove_incoming(self, *, unless: str = "") -> bool:
        """Ask the platform to delete the update's own message (e.g. an owner's unit typed in
        a group), where the platform deletes messages (`Capabilities.delete_messages`): False
        if it cannot. `unless`: what to say in the chat if the platform refuses this one (the
        bot may lack the right there)."""
        if not self.capabilities.delete_messages or self.incoming.kind is MessageKind.CALLBACK:
            return False
        message = Outgoing(text=unless, thread_id=self.incoming.thread_id, delete=self.incoming.message_id)
        await self.uow.outbox.enqueue(
            platform=self.incoming.platform,
            platform_chat_id=self.incoming.chat_id,
            chat_id=self.chat.id if self.chat else None,
            payload=message.to_json(),
            now=self.now,
            ref_type="delete",
            priority=Priority.NORMAL,
            lane=self.actor.label,
            share=MEMBER_SHARE,
        )
        return True

    async def tell_sender(self, text: str) -> bool:
        """Write to the sender privately, where the platform writes to a person by their user
        id (`Capabilities.direct`); False if it cannot (nothing is queued)."""
        if not self.capabilities.direct:
            return False
        await self.uow.outbox.enqueue(
            platform=self.incoming.platform,
            platform_chat_id=self.incoming.sender_id,
            chat_id=None,
            payload=Outgoing(text=text).to_json(),
            now=self.now,
            priority=Priority.NORMAL,
            lane=self.actor.label,
            share=MEMBER_SHARE,
        )
        return True

    async def send(
        self,
        chat: Chat,
        message: Outgoing,
        *,
        ref_type: str | None = None,
        ref_id: int | None = None,
        dedupe_key: str | None = None,
        not_before: datetime | None = None,
        priority: Priority = Priority.NORMAL,
    ) -> bool:
        """Queue a message to another chat; False if `dedupe_key` was already queued."""
        return await send_to_chat(
            self.uow,
            chat,
            message,
            self.now,
            ref_type=ref_type,
            ref_id=ref_id,
            dedupe_key=dedupe_key,
            not_before=not_before,
            priority=priority,
        )
