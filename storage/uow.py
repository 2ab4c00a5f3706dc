"""The unit of work: one session, every repository over it, one transaction per use.

Features never build a repository from a session: they get this object (from the update's
middleware, a job's `Runtime.transaction()`, or the command line) and use its repositories.
Only `storage/` writes SQL.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.broadcasts.repository import BroadcastRepository
from storage.console.repository import ConsoleRepository
from storage.directory.repository import Directory
from storage.engagement.care import CareRepository
from storage.engagement.fees import FeeRepository
from storage.engagement.repository import EngagementRepository
from storage.engagement.surveys import SurveyRepository
from storage.feedback.repository import FeedbackRepository
from storage.hazards.repository import HazardRepository
from storage.inbox.repository import InboxRepository
from storage.instances.repository import FigureRepository, InstanceRepository
from storage.locks import hold
from storage.messages.repository import MessageRepository
from storage.opinion.repository import CrisisRepository, OpinionRepository
from storage.outbox.repository import OutboxRepository
from storage.reports.repository import ReportRepository
from storage.tickets.repository import TicketRepository
from storage.triage.repository import TriageRepository
from storage.voices.repository import VoiceRepository


class UnitOfWork:
    """Repositories over one `AsyncSession`. Handlers get one per update."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.directory = Directory(session)
        self.tickets = TicketRepository(session)
        self.messages = MessageRepository(session)
        self.outbox = OutboxRepository(session)
        self.broadcasts = BroadcastRepository(session)
        self.opinion = OpinionRepository(session)
        self.crises = CrisisRepository(session)
        self.reports = ReportRepository(session)
        self.feedback = FeedbackRepository(session)
        self.instances = InstanceRepository(session)
        self.figures = FigureRepository(session)
        self.inbox = InboxRepository(session)
        self.triage = TriageRepository(session)
        self.hazards = HazardRepository(session)
        self.console = ConsoleRepository(session)
        self.engagement = EngagementRepository(session)
        self.fees = FeeRepository(session)
        self.care = CareRepository(session)
        self.surveys = SurveyRepository(session)
        self.voices = VoiceRepository(session)

    async def lock(self, *keys: str) -> None:
        """Serialize on `keys` until this transaction ends (see `storage.locks`)."""
        await hold(self.session, *keys)

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
