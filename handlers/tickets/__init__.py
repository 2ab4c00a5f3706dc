"""Tickets: opened from owners' reports, worked by stewards from chat under SLA timers, closed
after the owner's rating (回访).

Other features use tickets through `TicketService` (intake asks it whether an owner's message
is quiet, a follow-up on their open ticket, another report of an incident, or a new ticket)
and the names re-exported here; never through the chat module. The command line exports the
stewards' labelled examples (their corrections of the classifier, and their 开单 / 忽略 on
the digest of uncertain messages, `handlers/triage/`) with `export_labels`.
"""

from __future__ import annotations

from bot.core.feature import Feature, Scheduler, every
from bot.core.runtime import Runtime
from handlers.tickets import jobs
from handlers.tickets.chat import TicketChat
from handlers.tickets.conversation import ConversationRules
from handlers.tickets.corrections import CorpusLine
from handlers.tickets.corrections import export as export_labels
from handlers.tickets.hazards import check_hazards
from handlers.tickets.opening import Opened
from handlers.tickets.patrol_texts import PATROL_HANS, PATROL_HANT
from handlers.tickets.report import Report, building_of
from handlers.tickets.service import TicketService
from handlers.tickets.sla import LEVELS, SlaBook, elapsed_share, phase_of
from handlers.tickets.texts import TEXTS_HANS, TEXTS_HANT

__all__ = [
    "LEVELS",
    "ConversationRules",
    "CorpusLine",
    "Opened",
    "Report",
    "SlaBook",
    "TicketService",
    "building_of",
    "elapsed_share",
    "export_labels",
    "feature",
    "phase_of",
]


def feature(service: TicketService, *, check_interval: float) -> Feature:
    def install(scheduler: Scheduler, runtime: Runtime) -> None:
        jobs.install(scheduler, runtime, service.sla, check_interval)
        every(scheduler, "hazard-watch", check_interval, check_hazards, runtime)

    return Feature(
        "tickets",
        TicketChat(service).router(),
        {**TEXTS_HANS, **PATROL_HANS},
        {**TEXTS_HANT, **PATROL_HANT},
        install,
    )
