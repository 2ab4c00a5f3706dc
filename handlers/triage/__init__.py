"""Triage: owners' messages the classifier could act on but was not sure of open no ticket and
get no answer; they are kept (`TriageService.keep`, called by intake) and listed for the
stewards in one short digest at the policy's times, each line with 开单 / 忽略. Stewards thereby
label real traffic: every decision is a labelled example (source "digest").

Triage uses tickets through its face (`TicketService`: a line taken as a ticket joins or opens
one as intake would have); intake uses this feature's face to keep a message.
"""

from __future__ import annotations

from bot.core.feature import Feature
from handlers.triage.chat import TriageChat
from handlers.triage.jobs import installer
from handlers.triage.policy import TriagePolicy
from handlers.triage.service import TriageService, keeps
from handlers.triage.texts import TEXTS_HANS, TEXTS_HANT

__all__ = ["TriagePolicy", "TriageService", "feature", "keeps"]


def feature(service: TriageService) -> Feature:
    return Feature("triage", TriageChat(service).router(), TEXTS_HANS, TEXTS_HANT, installer(service))
