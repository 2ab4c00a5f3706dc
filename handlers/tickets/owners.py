"""Tickets' use cases for an owner's message, as intake calls them (through `TicketService`,
which extends this class with the staff's use cases): is it quiet, does it follow up on the
owner's open ticket, does it join an incident, or does it open a ticket.

The conversation's rules are data (`data/conversation.toml`, `ConversationRules`); what a
platform can do (edit a card in place) is asked of `capabilities`, never of a platform name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.channel import Capabilities
from bot.core.texts import Texts
from handlers.tickets import followups, opening
from handlers.tickets.cards import Wording
from handlers.tickets.conversation import ConversationRules
from handlers.tickets.hazards import HazardBook
from handlers.tickets.opening import Opened
from handlers.tickets.report import Report
from handlers.tickets.sla import SlaBook
from nlp.classification import Classification
from nlp.classifier import Classifier
from storage.tickets.models import Ticket
from storage.uow import UnitOfWork


class OwnerReports:
    def __init__(
        self,
        texts: Texts,
        classifier: Classifier,
        sla: SlaBook,
        *,
        rules: ConversationRules | None = None,
        capabilities: Callable[[str], Capabilities] | None = None,
        hazards: HazardBook | None = None,
    ) -> None:
        self.texts = texts
        self.classifier = classifier
        self.sla = sla
        self.rules = rules or ConversationRules.load()
        # The rectification ledger's hazard classes (`[[hazard]]` in the SLA file).
        self.hazard_book = hazards or HazardBook.load()
        self.capabilities = capabilities

    def wording(self, lang: str) -> Wording:
        return Wording(self.texts, self.classifier, lang)

    def edits_in_place(self, platform: str) -> bool:
        return self.capabilities is not None and self.capabilities(platform).edit_in_place

    def quiet(self, text: str) -> bool:
        """Emoji alone, or only acknowledgement words (收到, 明白, 谢谢, 👍, 好的, OK): nothing
        to answer and nothing to open. Pure and cheap: asked of every owner message."""
        return self.rules.quiet(text)

    async def follow_up(
        self, uow: UnitOfWork, report: Report, classification: Classification, now: datetime
    ) -> Ticket | None:
        """The owner's open ticket `report` adds to (a reply to the bot's line about it, a
        「补充」 within the window, a chase), recorded on it; None: not a follow-up."""
        return await followups.follow_up(
            uow,
            self.sla,
            self.wording(report.community.language),
            self.rules,
            report,
            classification,
            self.rules.plain(report.text),
            now,
        )

    async def open(
        self,
        uow: UnitOfWork,
        report: Report,
        classification: Classification,
        now: datetime,
        *,
        kind: str | None = None,
        sla_from: datetime | None = None,
    ) -> Opened:
        """Open, assign and announce a ticket for `report` (its kind is the report's intent
        unless given): the card in the stewards' group, then the owner's acknowledgement under
        the report. `sla_from`: the SLA clock's start if not now; by default the report's own
        time when it reached us late (`Report.clock_from`: an imported message)."""
        w = self.wording(report.community.language)
        if sla_from is None:
            sla_from = report.clock_from(now)
        shared = self.rules.shared(classification.category, self.rules.plain(report.text))
        return await opening.open_ticket(
            uow,
            self.sla,
            w,
            report,
            classification,
            now,
            kind or classification.intent.value,
            shared=shared,
            sla_from=sla_from,
        )

    async def join(
        self, uow: UnitOfWork, report: Report, classification: Classification, now: datetime
    ) -> Ticket | None:
        """The ticket a report is another report of (the same problem, recently, in the same
        building: shared by nature, or the same flat's), joined and answered under the report.
        None: open a new one."""
        if classification.category is None:
            return None
        shared = self.rules.shared(classification.category, self.rules.plain(report.text))
        return await opening.join_incident(
            uow,
            self.sla,
            self.wording(report.community.language),
            report,
            classification,
            now,
            shared=shared,
            edits_in_place=self.edits_in_place,
        )
