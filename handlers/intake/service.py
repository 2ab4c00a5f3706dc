"""Acting on an owner's message, whoever delivers it (the chat, an archive import, a console),
as part of a conversation rather than on its own:

- a quiet message (emoji alone, 收到 / 明白 / 谢谢 / 👍 / 好的 / OK) gets no answer and opens
  nothing, whatever the classifier makes of it;
- a follow-up on the owner's open ticket (a reply to the bot's line about it, 「补充」 within a
  window, a chase) is a note or a 催办 on that ticket, never a new ticket;
- an actionable message the classifier is not sure of (`Classification.uncertain`) opens no
  ticket and gets no answer: it is kept for the stewards' digest (`handlers/triage/`), where a
  steward takes it as a ticket or ignores it. What the community already knows vouches for it
  where the classifier could not: another report of an open incident joins it (every reporter
  of an urgent incident reaches the stewards at once, as before), and a question an announced
  outage answers is answered. An urgent message is acted on all the same
  (`handlers.triage.keeps` says why);
- a repair or complaint joins the incident it is another report of (the same problem) or opens
  a ticket;
- an inquiry is answered from an announced outage or the community's knowledge base, or becomes
  a light ticket (咨询) with a 24-hour reply target;
- anything else is left alone, except a suggestion (a 建议 record, for the monthly meeting) or
  praise of a named steward (thanked and credited): `handlers/voices/`.

A photo the owner sends with a report (its caption), right after it in the same chat or in
reply to Steward's line about it belongs to that ticket (`keep_photos`); one with no caption
and no such ticket is only logged, never a ticket.

The owner is answered under their message through the outbox, in the caller's transaction.
Once logged, the message is watched for public-opinion risk.

Every message is logged with what the classifier made of it; the log row is built first and
written last, once the ticket it led to is known (one INSERT, not an INSERT and an UPDATE).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.events import Incoming, Photo
from bot.core.outbox import send_to_chat
from bot.core.texts import Texts
from handlers.broadcasts import BroadcastService
from handlers.knowledge import KnowledgeService
from handlers.opinion import OpinionService
from handlers.tickets import Report, TicketService
from handlers.triage import TriageService, keeps
from handlers.voices import VoiceService
from nlp.classification import Classification, Intent
from nlp.classifier import Classifier
from storage.directory.models import Chat, Community, Member
from storage.messages.models import MessageLog
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

TEXTS_HANS = {
    "kb.answer": "{answer}\n（来源：{source}）",
    # an owner writing to Steward directly before Steward knows their community
    "intake.private.unknown": "您好，我还不知道您是哪个小区的业主。请先在小区业主群里发言或报修一次（或请物业为您登记房号），之后就可以在这里直接报修、查询工单了。",
}


class IntakeService:
    def __init__(
        self,
        classifier: Classifier,
        texts: Texts,
        tickets: TicketService,
        knowledge: KnowledgeService,
        *,
        outages: BroadcastService,
        opinion: OpinionService,
        triage: TriageService,
        voices: VoiceService | None = None,
    ) -> None:
        self.classifier = classifier
        self.texts = texts
        self.tickets = tickets
        self.knowledge = knowledge
        self.outages = outages
        self.opinion = opinion
        self.triage = triage
        self.voices = voices

    def classify(self, message: Incoming) -> Classification:
        classification = self.classifier.classify(message.text)
        log.debug(
            "message %s: intent=%s category=%s urgent=%s risk=%s",
            message.message_id,
            classification.intent,
            classification.category,
            classification.urgent,
            classification.risk,
        )
        return classification

    def entry(
        self,
        message: Incoming,
        chat: Chat,
        community: Community | None,
        member: Member | None,
        classification: Classification | None,
    ) -> MessageLog:
        """The message's log row, not yet written (`UnitOfWork.messages.log`)."""
        entry = MessageLog(
            platform=message.platform,
            chat_id=chat.id,
            community_id=community.id if community else None,
            member_id=member.id if member else None,
            platform_message_id=message.message_id,
            kind=message.kind.value,
            text=message.text,
            sent_at=message.sent_at,
        )
        if classification is not None:
            entry.intent = classification.intent.value
            entry.category = classification.category
            entry.urgent = classification.urgent
            entry.sentiment = classification.sentiment
            entry.negative = classification.negative
            entry.risk = classification.risk
            entry.rules = list(classification.rules)
        return entry

    async def act_on(
        self,
        uow: UnitOfWork,
        report: Report,
        classification: Classification,
        entry: MessageLog,
        now: datetime,
    ) -> bool:
        """An owner's message in their group: nothing (quiet), a follow-up, a ticket, a merge or
        an answer; `entry` is linked to the ticket it led to. True: nothing was done because
        the classifier was not sure, and the message is to be kept for the stewards' digest
        (`keep`, once it is logged)."""
        if self.tickets.quiet(report.text):
            return False
        followed = await self.tickets.follow_up(uow, report, classification, now)
        if followed is not None:
            entry.ticket_id = followed.id
            return False
        unsure = keeps(classification)
        if self.voices is not None and (classification.intent is Intent.OTHER or unsure):
            # Not surely a repair, a complaint or a question: a suggestion, or praise of a named
            # steward, is recorded and answered (`handlers/voices/`).
            heard = await self.voices.hear(
                uow,
                community=report.community,
                chat=report.chat,
                member=report.member,
                text=report.text,
                message_id=report.message_id,
                classification=classification,
                answer=report.answer,
                lane=report.lane,
                now=now,
            )
            if heard is not None:
                return False
        if classification.intent in (Intent.REPAIR, Intent.COMPLAINT):
            joined = await self.tickets.join(uow, report, classification, now)
            if joined is None:
                if unsure:
                    return True
                joined = (await self.tickets.open(uow, report, classification, now)).ticket
            entry.ticket_id = joined.id
        elif classification.intent is Intent.INQUIRY:
            return await self.answer_inquiry(uow, report, classification, entry, now, unsure=unsure)
        return False

    async def keep_photos(
        self,
        uow: UnitOfWork,
        message: Incoming,
        photos: tuple[Photo, ...],
        *,
        community: Community,
        chat: Chat,
        member: Member,
        entry: MessageLog,
        now: datetime,
    ) -> bool:
        """An owner's photos: kept as the ticket's that the message led to (`entry.ticket_id`,
        a caption that was a report), else as the ticket the photo replies to or follows within
        the window; False: nobody's ticket, left alone (logged only)."""
        tickets = self.tickets
        ticket = await tickets.get(uow, entry.ticket_id) if entry.ticket_id is not None else None
        if ticket is None:
            ticket = await tickets.photo_target(
                uow,
                community_id=community.id,
                member_id=member.id,
                chat=chat,
                reply_to=message.reply_to,
                now=now,
            )
        if ticket is None:
            return False
        entry.ticket_id = ticket.id
        await tickets.owner_photos(
            uow,
            ticket,
            photos,
            member_id=member.id,
            chat=chat,
            message_id=message.message_id,
            caption=message.text,
            now=now,
        )
        return True

    async def keep(
        self, uow: UnitOfWork, report: Report, classification: Classification, entry: MessageLog
    ) -> None:
        """Keep a logged message `act_on` left alone for the stewards' digest (one INSERT)."""
        await self.triage.keep(uow, report, classification, entry)

    async def answer_inquiry(
        self,
        uow: UnitOfWork,
        report: Report,
        classification: Classification,
        entry: MessageLog,
        now: datetime,
        *,
        unsure: bool = False,
    ) -> bool:
        """An announced outage answers 「几点来水」 from its announcement; else the community's
        knowledge base answers at once, citing the entry; anything it cannot answer goes to the
        steward on duty as a light ticket. `unsure`: the classifier was not sure it is a
        question for the property: only an announced outage answers it (the announcement says
        what the classifier could not know); else True, keep it for the stewards' digest."""
        lang = report.community.language
        outage = await self.outages.answer_outage_question(
            uow, report.text, classification, community=report.community, chat=report.chat, lang=lang, now=now
        )
        if outage is not None:
            await send_to_chat(
                uow,
                report.chat,
                report.answer(outage.text),
                now,
                ref_type="outage_answer",
                ref_id=outage.outage_id,
                lane=report.lane,
            )
            return False
        if unsure:
            return True
        found = self.knowledge.answer(report.community.code, report.text, classification.category, lang)
        if found is not None:
            text = self.texts.render("kb.answer", lang, answer=found.text, source=found.source)
            await send_to_chat(uow, report.chat, report.answer(text), now, lane=report.lane)
            return False
        opened = await self.tickets.open(uow, report, classification, now, kind="inquiry")
        entry.ticket_id = opened.ticket.id
        return False

    async def observe(
        self,
        uow: UnitOfWork,
        report: Report,
        classification: Classification,
        entry: MessageLog,
        now: datetime,
    ) -> None:
        """Watch a logged owner's message for public-opinion risk (never raises). A risky
        message's alert of tier 2 or 3 (a threat to go outside, to the media or the courts;
        collective action) raises the ticket the message led to: urgent, on the urgent SLA.
        A group complaint is the incident itself growing (its merges already reach the
        stewards at milestones): it does not make a lift outage a safety emergency."""
        raised = await self.opinion.observe(
            uow, entry, classification, community=report.community, member=report.member
        )
        if raised is not None and raised.kind == "message" and entry.ticket_id is not None:
            await self.tickets.raise_for_alert(uow, entry.ticket_id, raised.alert_id, raised.tier, now)
