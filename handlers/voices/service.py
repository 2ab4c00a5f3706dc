"""Suggestions and praise (issue 21, item 6): owners' messages that are not repairs.

Intake hands `hear` each owner message the classifier called `other` (nothing to fix or
answer). A suggestion becomes a 建议 record: the owner is thanked and told it goes to the
monthly meeting, the supervisors see it, `/suggestions` lists the open ones, and
`/suggestion N 采纳 …` answers it in the owner group it came from. Praise of a named member
of staff gets a short thanks and is credited to that person (a `praises` row, once per owner,
person and day; the stewards' group hears it). Both are in the opinion digest.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Outgoing
from bot.core.outbox import send_to_chat
from bot.core.roles import Role
from bot.core.texts import Texts
from handlers.shared.privacy import mask_name, owner_text
from handlers.voices.detection import Person, is_suggestion, praised
from nlp.classification import Classification
from nlp.normalize import Normalizer
from storage.directory.models import Chat, Community, Member
from storage.uow import UnitOfWork
from storage.voices.models import Praise, Suggestion

log = logging.getLogger(__name__)

TEXT_LIMIT = 300
PRAISE_ONCE = timedelta(days=1)  # one credit per owner, person and day
# /suggestion N <decision> …: the decision words (Simplified, as normalized) and the state.
DECISIONS = {
    "采纳": "adopted",
    "接纳": "adopted",
    "同意": "adopted",
    "不采纳": "declined",
    "不接纳": "declined",
    "否决": "declined",
    "暂缓": "noted",
    "考虑": "noted",
    "研究": "noted",
    "记录": "noted",
}


@dataclass(frozen=True)
class Heard:
    """What `hear` did with a message: nothing (None), a suggestion or a praise."""

    kind: str  # suggestion | praise
    record_id: int | None


@dataclass(frozen=True)
class Answered:
    suggestion: Suggestion
    changed: bool


class VoiceService:
    def __init__(self, texts: Texts) -> None:
        self.texts = texts
        self.normalizer = Normalizer()

    def plain(self, text: str) -> str:
        return self.normalizer.normalize_term(text)

    # -- hearing an owner ---------------------------------------------------------------------------
    async def hear(
        self,
        uow: UnitOfWork,
        *,
        community: Community,
        chat: Chat,
        member: Member,
        text: str,
        message_id: str,
        classification: Classification,
        answer: Callable[[str], Outgoing],
        lane: str,
        now: datetime,
    ) -> Heard | None:
        """A suggestion or a praise in `text`, recorded and answered; None for anything else
        (the caller goes on as before)."""
        plain = self.plain(text)
        lang = community.language
        if is_suggestion(plain, classification):
            suggestion = await uow.voices.add_suggestion(
                Suggestion(
                    community_id=community.id,
                    chat_id=chat.id,
                    member_id=member.id,
                    source_message_id=message_id,
                    text=text[:TEXT_LIMIT],
                    created_at=now,
                    state="open",
                )
            )
            ack = self.texts.render("voice.suggestion.ack", lang, id=suggestion.id)
            await send_to_chat(
                uow, chat, answer(ack), now, ref_type="suggestion", ref_id=suggestion.id, lane=lane
            )
            note = self.texts.render(
                "voice.suggestion.staff",
                lang,
                id=suggestion.id,
                owner=mask_name(member.display_name),
                text=owner_text(text, 120),
            )
            await self._to_supervisors(uow, community, note, now)
            log.info("voices: suggestion %d in community %d", suggestion.id, community.id)
            return Heard("suggestion", suggestion.id)
        roster = [Person(s.id, self.plain(s.name)) for s in await uow.directory.roster(community.id)]
        found = praised(plain, classification, roster)
        if found is None:
            return None
        if await uow.voices.praised_since(community.id, member.id, found.named, now - PRAISE_ONCE):
            return Heard("praise", None)  # thanked already today: counted once, answered once
        await uow.voices.add_praise(
            Praise(
                community_id=community.id,
                steward_id=found.person.id if found.person else None,
                named=found.named,
                chat_id=chat.id,
                member_id=member.id,
                text=text[:TEXT_LIMIT],
                created_at=now,
            )
        )
        name = self.texts.convert(found.named, lang)
        thanks = self.texts.render("voice.praise.thanks", lang, name=name)
        await send_to_chat(uow, chat, answer(thanks), now, ref_type="praise", lane=lane)
        note = self.texts.render("voice.praise.staff", lang, name=name, text=owner_text(text, 120))
        for staff_chat in await uow.directory.chats_with_role(community.id, "stewards"):
            await send_to_chat(uow, staff_chat, Outgoing(text=note), now, ref_type="praise")
        log.info("voices: praise in community %d", community.id)
        return Heard("praise", None)

    async def _to_supervisors(self, uow: UnitOfWork, community: Community, text: str, now: datetime) -> None:
        chats = list(await uow.directory.chats_with_role(community.id, "supervisors"))
        if not chats:
            chats = list(await uow.directory.chats_with_role(community.id, "stewards"))
        for chat in chats:
            await send_to_chat(uow, chat, Outgoing(text=text), now, ref_type="suggestion")

    # -- the staff's side ---------------------------------------------------------------------------
    def community_of(self, actor: Actor, community: Community | None) -> int:
        """The community a staff command acts on: the chat's, else the actor's own."""
        if community is not None:
            return community.id
        if actor.community_id is not None:
            return actor.community_id
        raise DomainError("voice.err.no_community")

    async def listing(
        self, uow: UnitOfWork, community_id: int, lang: str, *, all_states: bool = False
    ) -> str:
        """The suggestions for the monthly meeting: the open ones (every one with `all_states`)."""
        states = None if all_states else ("open",)
        suggestions = await uow.voices.suggestions(community_id, states=states)
        if not suggestions:
            return self.texts.render("voice.list.none", lang)
        community = await uow.directory.community(community_id)
        assert community is not None
        tz = ZoneInfo(community.timezone)
        lines = [self.texts.render("voice.list.title", lang, n=len(suggestions))]
        for s in suggestions:
            lines.append(
                self.texts.render(
                    "voice.list.line",
                    lang,
                    id=s.id,
                    date=s.created_at.astimezone(tz).strftime("%m-%d"),
                    state=self.texts.render(f"voice.state.{s.state}", lang),
                    text=owner_text(s.text, 80),
                )
            )
        lines.append(self.texts.render("voice.list.usage", lang))
        return "\n".join(lines)

    async def answer_suggestion(
        self,
        uow: UnitOfWork,
        actor: Actor,
        community_id: int,
        suggestion_id: int,
        decision: str,
        reply: str,
        now: datetime,
    ) -> Answered:
        """`/suggestion N 采纳 …`: the decision recorded and told in the owner group it came from."""
        suggestion = await uow.voices.suggestion(suggestion_id)
        if suggestion is None or (actor.role is not Role.ADMIN and suggestion.community_id != community_id):
            raise DomainError("voice.err.unknown", id=suggestion_id)
        state = DECISIONS.get(self.plain(decision))
        if state is None:
            raise DomainError("err.usage", usage=self.texts.render("voice.usage.answer", "zh-Hans"))
        reply = reply.strip()[:TEXT_LIMIT]
        if suggestion.state == state and (suggestion.answer or "") == reply:
            return Answered(suggestion, changed=False)
        suggestion.state = state
        suggestion.answer = reply or None
        suggestion.answered_by = actor.steward.name if actor.steward else actor.label
        suggestion.answered_at = now
        chat = await uow.directory.chat(suggestion.chat_id)
        community = await uow.directory.community(suggestion.community_id)
        if chat is not None and chat.active and community is not None:
            lang = community.language
            text = self.texts.render(
                "voice.answer.owner",
                lang,
                id=suggestion.id,
                decision=self.texts.render(f"voice.state.{state}", lang),
                text=owner_text(suggestion.text, 60),
                reply=self.texts.render("voice.answer.reply", lang, reply=reply) if reply else "",
            )
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, reply_to=suggestion.source_message_id),
                now,
                ref_type="suggestion_answer",
                ref_id=suggestion.id,
            )
        log.info("voices: suggestion %d answered %s", suggestion.id, state)
        return Answered(suggestion, changed=True)
