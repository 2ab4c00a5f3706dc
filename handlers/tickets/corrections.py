"""Stewards correct the classifier from a ticket's card: 改为报修 / 改为投诉 / 改为咨询 change the
ticket's kind, 不是工单 cancels it; each correction is kept as a labelled example, and
`steward nlp feedback --export FILE` writes them in the corpus's format.

- **Another kind keeps the number** (BX-… stays BX-… as a complaint): the owner was given it,
  it may be quoted back, and a number that changed would break /ticket and every reply to the
  card. The change is an audit event ("reclassified", `repair→complaint`), and the SLA moves
  to the new kind's policy from when the ticket's SLA clock started (not from the correction).
  The category stays when it belongs to the new kind (装修 is both a complaint and an
  inquiry), else it becomes the kind's catch-all (other_complaint …).
- **不是工单** cancels the ticket with reason `not_a_ticket`, quietly: the stewards' group is
  told, the owner (and anyone following) is not.
- **The labelled example** (the digest's decisions are labelled examples too, source
  "digest": `handlers/triage/`) is the owner's message as logged, with the classifier's labels as
  logged then (intent, category, urgent, negative, risk) and the corrected ones: the new kind
  and category, or intent `other` with no category and not urgent for 不是工单; negative and
  risk are the classifier's (a correction of the kind says nothing about them).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bot.core.errors import DomainError
from handlers.shared.privacy import mask_text
from handlers.tickets import lifecycle, tell
from handlers.tickets.cards import Wording
from handlers.tickets.sla import SlaBook
from nlp.classifier import Classifier
from nlp.normalize import Normalizer
from storage.directory.models import Community, Steward
from storage.feedback.models import LabelledExample
from storage.tickets.models import Ticket
from storage.tickets.status import ACTIVE, TicketStatus
from storage.uow import UnitOfWork

NOT_A_TICKET = "not_a_ticket"
SOURCE = "correction"
LABELS = ("intent", "category", "urgent", "negative", "risk")
# The corpus's record: these keys, in this order (docs/LABELLING.md, "Record format").
CORPUS_KEYS = ("text", "intent", "category", "urgent", "negative", "risk", "script")


async def correct(
    uow: UnitOfWork,
    sla: SlaBook,
    w: Wording,
    classifier: Classifier,
    community: Community,
    steward: Steward,
    actor: str,
    ticket: Ticket,
    kind: str,
    now: datetime,
) -> str:
    """Apply a correction (`kind`: repair, complaint, inquiry, or "none" for 不是工单); returns
    the text key to answer the steward with (rendered with `kind=`)."""
    if ticket.status == TicketStatus.CANCELLED:
        raise DomainError("t.err.cancelled", number=ticket.number)
    if kind == ticket.kind:
        return "t.answer.same_kind"
    text, predicted = await labels_of(uow, classifier, ticket)
    if kind == "none":
        if ticket.status not in ACTIVE:
            raise lifecycle.refusal(ticket, TicketStatus.CANCELLED)
        await lifecycle.transition(
            uow.tickets,
            ticket,
            TicketStatus.CANCELLED,
            actor=actor,
            at=now,
            action="cancelled",
            note=NOT_A_TICKET,
        )
        await tell.staff(
            uow, community.id, w.t("t.staff.not_a_ticket", number=ticket.number, name=steward.name), now
        )
        corrected = {**predicted, "intent": "other", "category": None, "urgent": False}
        key = "t.answer.not_a_ticket"
    else:
        category = category_for(classifier, ticket.category, kind)
        previous = ticket.kind
        ticket.kind, ticket.category = kind, category
        ticket.updated_at = now
        start = ticket.sla_started_at or ticket.created_at
        deadlines = sla.deadlines(kind, category, ticket.priority, start, ZoneInfo(community.timezone))
        if ticket.status in ACTIVE:
            ticket.respond_due_at, ticket.resolve_due_at = deadlines.respond_due, deadlines.resolve_due
            if ticket.arrived_at is None:
                ticket.onsite_due_at = deadlines.onsite_due
        await uow.tickets.record(
            ticket,
            at=now,
            actor=actor,
            action="reclassified",
            note=f"{previous}→{kind} sla={deadlines.policy}",
        )
        label = w.t(f"t.kind.{kind}")
        told = w.t(
            "t.staff.reclassified",
            number=ticket.number,
            name=steward.name,
            kind=label,
            category=w.category(category, kind),
            respond_due=_local(community, ticket.respond_due_at),
            resolve_due=_local(community, ticket.resolve_due_at),
        )
        await tell.staff(uow, community.id, told, now)
        corrected = {**predicted, "intent": kind, "category": category}
        key = "t.answer.reclassified"
    await uow.feedback.add(
        LabelledExample(
            community_id=community.id,
            ticket_id=ticket.id,
            text=text,
            predicted=predicted,
            corrected=corrected,
            actor=actor,
            source=SOURCE,
            created_at=now,
        )
    )
    return key


def _local(community: Community, when: datetime | None) -> str:
    return "-" if when is None else when.astimezone(ZoneInfo(community.timezone)).strftime("%m-%d %H:%M")


def category_for(classifier: Classifier, category: str | None, kind: str) -> str | None:
    """The ticket's category if it belongs to `kind` too, else the kind's catch-all."""
    codes = classifier.categories()
    if category is not None and any(intent.value == kind for intent in codes.get(category, ())):
        return category
    fallback = f"other_{kind}"
    return fallback if fallback in codes else None


async def labels_of(uow: UnitOfWork, classifier: Classifier, ticket: Ticket) -> tuple[str, dict[str, Any]]:
    """The message that opened the ticket and what the classifier said of it, as logged; a
    ticket whose message is not in the log (opened before logging, or by a service) has its
    summary classified now."""
    entry = None
    if ticket.source_chat_id is not None and ticket.source_message_id is not None:
        entry = await uow.messages.find(
            ticket.community_id, ticket.source_chat_id, ticket.source_message_id, ticket.created_at
        )
    if entry is not None and entry.intent is not None:
        return entry.text, {
            "intent": entry.intent,
            "category": entry.category,
            "urgent": bool(entry.urgent),
            "negative": bool(entry.negative),
            "risk": int(entry.risk),
        }
    found = classifier.classify(ticket.summary)
    return ticket.summary, {
        "intent": found.intent.value,
        "category": found.category,
        "urgent": found.urgent,
        "negative": found.negative,
        "risk": found.risk,
    }


# -- the export ----------------------------------------------------------------------------------
class CorpusLine(NamedTuple):
    """One labelled example as a corpus line, and where its label came from ("correction": a
    card's 改为… / 不是工单; "digest": 开单 / 忽略 on the stewards' digest)."""

    line: str
    source: str


def corpus_lines(
    examples: Sequence[LabelledExample], normalizer: Normalizer | None = None
) -> list[CorpusLine]:
    """Each example as a corpus line (docs/LABELLING.md): the corrected labels, the text with
    phone numbers and units masked (`mask_text`: the corpus is training text, not a register
    of households), the script as written. A ticket labelled twice (taken from the digest,
    then corrected on its card; or corrected twice) counts once, as last labelled; a text seen
    twice is written once."""
    normalizer = normalizer or Normalizer()
    latest: dict[object, LabelledExample] = {}
    for example in examples:
        latest[example.ticket_id if example.ticket_id is not None else ("id", example.id)] = example
    lines: list[CorpusLine] = []
    seen: set[str] = set()
    for example in sorted(latest.values(), key=lambda e: e.id):
        text = mask_text(example.text.strip())
        if not text or text in seen:
            continue
        seen.add(text)
        labels = {key: example.corrected.get(key) for key in LABELS}
        record = {
            "text": text,
            **labels,
            "urgent": bool(labels["urgent"]),
            "negative": bool(labels["negative"]),
            "risk": int(labels["risk"] or 0),
            "script": "hant" if normalizer(text).traditional else "hans",
        }
        line = json.dumps({key: record[key] for key in CORPUS_KEYS}, ensure_ascii=False)
        lines.append(CorpusLine(line, example.source))
    return lines


def corpus_records(examples: Sequence[LabelledExample], normalizer: Normalizer | None = None) -> list[str]:
    """`corpus_lines`, the lines alone."""
    return [line for line, _ in corpus_lines(examples, normalizer)]


async def export(uow: UnitOfWork, since: datetime | None = None) -> list[CorpusLine]:
    """The labelled examples (since `since`): the stewards' corrections and their digest
    decisions, as corpus lines."""
    return corpus_lines(await uow.feedback.examples(since))
