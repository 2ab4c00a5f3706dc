"""How tickets read, in one community's language: the card in the stewards' group, the
owner's acknowledgement, /my lines and the /ticket timeline. Pure: no I/O, no clock.

Owners' personal data is masked here, where text is made for a group (the unit keeps its
building only; phone numbers and units inside free text are masked).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.events import Button, Mention
from bot.core.texts import Texts
from handlers.shared import privacy
from handlers.shared.privacy import mask_unit
from handlers.tickets import lifecycle
from handlers.tickets.buttons import CardAction, CorrectedKind, Correction, RatingPress
from handlers.tickets.sla import Deadlines
from handlers.tickets.texts import ACTION_LABELS
from nlp.classifier import Classifier
from storage.directory.models import Community, Steward
from storage.directory.repository import account_of
from storage.hazards.models import Hazard
from storage.tickets.models import Ticket, TicketEvent
from storage.tickets.repository import Reporter
from storage.tickets.status import ACTIVE, TicketStatus

ICON = {"repair": "🔧", "complaint": "📣", "inquiry": "❓"}
KINDS: tuple[CorrectedKind, ...] = ("repair", "complaint", "inquiry")
# Events whose note the owner may read on the timeline (masked).
NOTED = ("note", "resolved", "cancelled", "rated")
# Reasons recorded as a code, shown in words.
REASONS = {"not_a_ticket": "t.reason.not_a_ticket"}
# Merged reporters listed on a card, and in one line to the stewards' group, at most.
CARD_REPORTERS = 20
TOLD_REPORTERS = 10

Rows = tuple[tuple[Button, ...], ...]
# A ticket's photos by when they were taken: the owner's report, before and after the work.
STAGES = ("report", "before", "after")


@dataclass(frozen=True)
class Wording:
    """The bot's texts in one language, with the classifier's category labels."""

    texts: Texts
    classifier: Classifier
    lang: str

    def t(self, key: str, **values: Any) -> str:
        return self.texts.render(key, self.lang, **values)

    def convert(self, text: str) -> str:
        """Free text written in Simplified (a label, a rating) in this language."""
        return self.texts.convert(text, self.lang)

    def category(self, code: str | None, kind: str) -> str:
        """The category's label, or the kind's when the classifier found no category."""
        return self.classifier.category_label(kind if code is None else code, self.lang.startswith("zh-Hant"))

    def status(self, status: str) -> str:
        return self.convert(lifecycle.label(status))

    def rating(self, rating: str) -> str:
        """A rating as stored (Simplified, `lifecycle.RATINGS`) in this language."""
        return self.convert(rating)

    def place(self, building: str | None) -> str:
        return mask_unit(building, self.lang) if building else self.t("place.unknown")

    def duration(self, minutes: int, working_day: int | None = None) -> str:
        """A window in words; `working_day`: the window counts working time, a day of that
        many minutes (「1个工作日」, 「4个工作小时」)."""
        if working_day:
            if minutes % working_day == 0:
                return self.t("t.dur.work_days", n=minutes // working_day)
            return self.t("t.dur.work_hours", n=f"{minutes / 60:g}")
        if minutes < 120:
            return self.t("dur.minutes", n=minutes)
        if minutes < 48 * 60 or minutes % (24 * 60):
            return self.t("dur.hours", n=round(minutes / 60))
        return self.t("dur.days", n=minutes // (24 * 60))


def local_time(community: Community, when: datetime | None) -> str:
    if when is None:
        return "-"
    return when.astimezone(ZoneInfo(community.timezone)).strftime("%m-%d %H:%M")


def mention_of(steward: Steward, platform: str) -> Mention | None:
    account = account_of(steward, platform)
    return Mention(account, steward.name) if account else None


def mentions_of(stewards: Iterable[Steward], platform: str) -> tuple[Mention, ...]:
    return tuple(m for m in (mention_of(s, platform) for s in stewards) if m)


# -- the card in the stewards' group ---------------------------------------------------------
def card_text(
    w: Wording,
    ticket: Ticket,
    community: Community,
    assignee: Steward | None,
    owner_name: str,
    *,
    escalated: Reporter | None = None,
    reporters: Sequence[Reporter] = (),
    state: str = "",
    photos: str = "",
    found_by: Steward | None = None,
    hazard: Hazard | None = None,
) -> str:
    """The card: the ticket, its SLA, who has it; `escalated`: the urgent report that made it
    urgent (the card is sent again, titled so); `reporters`: the owners merged into it, each
    with their building (masked) and what they wrote (masked); `state`: what became of it
    (`card_state`), on a card rewritten after a step; `photos`: that the ticket has photos
    (`photo_summary`); `found_by`: the steward whose work order it is (巡查开单), `hazard`:
    its line in the rectification ledger. 位置 only when a building was given."""
    if escalated is not None:
        title = w.t("t.card.escalated", number=ticket.number)
    else:
        title = w.t(
            "card.title",
            icon=ICON.get(ticket.kind, "📌"),
            number=ticket.number,
            urgent=w.t("card.urgent") if ticket.priority == "urgent" else "",
        )
    lines = [title, w.t("t.card.category", category=w.category(ticket.category, ticket.kind))]
    if ticket.building:
        lines.append(w.t("t.card.place", place=w.place(ticket.building)))
    body = w.t(
        "card.body",
        owner=privacy.owner_name(owner_name) if owner_name else "-",
        text=privacy.owner_text(ticket.summary),
        respond_due=local_time(community, ticket.respond_due_at),
        resolve_due=local_time(community, ticket.resolve_due_at),
    )
    lines.append(body)
    if found_by is not None:  # a steward's work order: no owner
        lines.append(w.t("t.card.patrol", name=found_by.name))
    if hazard is not None:
        lines.append(w.t("t.card.hazard", due=local_time(community, hazard.due_at)))
    if escalated is not None:
        lines.append(said(w, escalated, "t.card.said"))
    if reporters:
        lines.append(w.t("t.card.reporters", n=len(reporters) + 1))
        lines.extend(reporter_lines(w, reporters, CARD_REPORTERS))
    lines.append(w.t("card.assignee", name=assignee.name) if assignee else w.t("card.unassigned"))
    if photos:
        lines.append(photos)
    if state:
        lines.append(state)
    return "\n".join(lines)


def card_state(w: Wording, ticket: Ticket, assignee: Steward | None) -> str:
    """What became of the ticket, as its rewritten card says (「✅ 已由王管家接单」): nothing
    while it waits for someone to take it."""
    name = assignee.name if assignee is not None else "-"
    if ticket.status in (TicketStatus.OPEN, TicketStatus.ASSIGNED):
        return ""
    state = w.t(f"t.card.state.{ticket.status}", name=name)
    if ticket.arrived_at is not None and ticket.status == TicketStatus.IN_PROGRESS:
        state += w.t("t.card.arrived", name=name)
    return state


def said(w: Wording, reporter: Reporter, key: str = "t.staff.reporter") -> str:
    """One owner's report as staff read it: their name, building (masked) and text (masked)."""
    return w.t(
        key,
        name=privacy.owner_name(reporter.name) if reporter.name else "-",
        place=w.place(reporter.building),
        text=privacy.owner_text(reporter.text),
    )


def reporter_lines(w: Wording, reporters: Sequence[Reporter], limit: int) -> list[str]:
    """A line per reporter, at most `limit` (the earliest), then how many more."""
    lines = [said(w, r) for r in reporters[:limit]]
    if len(reporters) > limit:
        lines.append(w.t("t.staff.more", n=len(reporters) - limit))
    return lines


def card_buttons(w: Wording, ticket: Ticket) -> Rows:
    """Unassigned: anyone may claim it. Assigned: the assignee accepts, then resolves; in
    progress: resolves. A repair or an urgent ticket nobody arrived at yet also has 「已到场」
    (last, so the buttons people know keep their places). Below, the corrections of the
    classifier: another kind, or not a ticket at all. Resolved, closed or cancelled: no button
    is left to press."""
    if ticket.status not in ACTIVE:
        return ()
    if ticket.assignee_id is None:
        work: tuple[Button, ...] = (worded(w.t("btn.claim"), CardAction("claim", ticket.id).pack(), ticket),)
    elif ticket.status == TicketStatus.IN_PROGRESS:
        work = (worded(w.t("btn.resolve"), CardAction("resolve", ticket.id).pack(), ticket),)
    else:
        work = (
            worded(w.t("btn.accept"), CardAction("accept", ticket.id).pack(), ticket),
            worded(w.t("btn.resolve"), CardAction("resolve", ticket.id).pack(), ticket),
        )
    if ticket.assignee_id is not None and ticket.arrived_at is None and on_site(ticket):
        work = (*work, worded(w.t("t.btn.arrive"), CardAction("arrive", ticket.id).pack(), ticket))
    kinds: tuple[CorrectedKind, ...] = (*(k for k in KINDS if k != ticket.kind), "none")
    corrections = tuple(
        worded(
            w.t("t.btn.not_a_ticket" if k == "none" else f"t.btn.to_{k}"),
            Correction(k, ticket.id).pack(),
            ticket,
        )
        for k in kinds
    )
    return (work, corrections)


def photo_summary(w: Wording, counts: dict[str, int]) -> str:
    """「📷 照片 3 张（报修时 2、维修后 1）」, or "" when there are none."""
    total = sum(counts.values())
    if not total:
        return ""
    parts = "、".join(w.t(f"t.photo.stage.{s}", n=counts[s]) for s in STAGES if counts.get(s))
    return w.t("t.photo.summary", n=total, parts=parts)


def on_site(ticket: Ticket) -> bool:
    """Whether someone goes there: a repair, or anything urgent (arrival is recorded)."""
    return ticket.kind == "repair" or ticket.priority == "urgent"


def worded(label: str, data: str, ticket: Ticket) -> Button:
    """A button about a ticket; written out (a platform without buttons) it is its label and
    the ticket's number, the words `handlers/tickets/words.py` reads back: 「接单 BX-…」."""
    return Button(label, data, say=f"{label} {ticket.number}")


def rating_buttons(w: Wording, ticket: Ticket) -> Rows:
    """非常满意 / 满意 / 一般 / 不满意, in the community's script (the value kept stays the same)."""
    return (
        tuple(
            worded(w.rating(label), RatingPress(ticket.id, i).pack(), ticket)
            for i, label in enumerate(lifecycle.RATINGS)
        ),
    )


# -- what the owner reads ----------------------------------------------------------------------
@dataclass(frozen=True)
class OffDuty:
    """No steward on duty covers a new ticket: when one who does next comes on (None: none on
    the roster ever does; the supervisors dispatch it), and the local time now."""

    now: datetime
    back: datetime | None

    def when(self, w: Wording) -> str:
        """「今天 08:00」, 「明天 08:00」, or the date and time."""
        assert self.back is not None
        days = (self.back.date() - self.now.date()).days
        at = self.back.strftime("%H:%M")
        if days == 0:
            return w.t("t.when.today", time=at)
        if days == 1:
            return w.t("t.when.tomorrow", time=at)
        return w.t("t.when.date", date=self.back.strftime("%m-%d"), time=at)


def acknowledgement(
    w: Wording,
    ticket: Ticket,
    deadlines: Deadlines,
    off_duty: OffDuty | None = None,
    now: datetime | None = None,
) -> str:
    """The one line under an owner's report that opened `ticket`. It says what really
    happens: with nobody on duty, that the stewards' group and the supervisors were told and
    when a steward comes on, never that an on-duty steward has it. The promise counts from
    the owner's message: one that reached us late (`now` past the SLA clock's start) is
    promised what is left of the window, or to be answered as soon as possible once it has
    run out."""
    if ticket.kind == "inquiry":
        if off_duty is None:
            return w.t("inquiry.received", number=ticket.number)
        if off_duty.back is None:
            return w.t("t.inquiry.supervisors", number=ticket.number)
        return w.t("t.inquiry.later", number=ticket.number, when=off_duty.when(w))
    if ticket.priority == "urgent":
        return w.t("ack.urgent" if off_duty is None else "t.ack.urgent.off_duty", number=ticket.number)
    if off_duty is None or deadlines.working_day:  # a working-time promise holds at night too
        said = promise(w, ticket, deadlines, now)
    elif off_duty.back is None:
        said = w.t("t.promise.supervisors")
    else:
        said = w.t("t.promise.later", when=off_duty.when(w))
    return w.t(
        f"ack.{ticket.kind}",
        number=ticket.number,
        category=w.category(ticket.category, ticket.kind),
        place=w.t("ack.place", place=mask_unit(ticket.building, w.lang)) if ticket.building else "",
        promise=said,
    )


def promise(w: Wording, ticket: Ticket, deadlines: Deadlines, now: datetime | None) -> str:
    """「…内回复」 counted from the owner's message. A working-time window is promised whole
    while it runs (what is left of it is counted in working time, which this does not
    redo), or as soon as possible once it has run out."""
    full = w.t("promise.respond", duration=w.duration(deadlines.respond_minutes, deadlines.working_day))
    if now is None or ticket.sla_started_at is None or ticket.sla_started_at >= now:
        return full
    left = (deadlines.respond_due - now).total_seconds()
    if left <= 0:
        return w.t("t.promise.late")
    if deadlines.working_day:
        return full
    return w.t("promise.respond", duration=w.duration(max(1, math.ceil(left / 60))))


def ticket_list(w: Wording, title: str, tickets: Sequence[Ticket]) -> str:
    """/my: a title and a line per ticket (at most ten), or that there are none."""
    if not tickets:
        return w.t("t.my.none")
    lines = [
        w.t(
            "t.my.line",
            number=t.number,
            category=w.category(t.category, t.kind),
            status=w.status(t.status),
        )
        for t in tickets[:10]
    ]
    return "\n".join([title, *lines])


def timeline(
    w: Wording,
    ticket: Ticket,
    community: Community,
    assignee: Steward | None,
    events: Iterable[TicketEvent],
    *,
    internal: bool,
    photos: str = "",
) -> str:
    """/ticket: the ticket's head, that it has photos (`photos`: `photo_summary`), and its
    audit trail; SLA escalations only when `internal` (staff of the ticket's community)."""
    lines = [
        w.t(
            "t.ticket.head",
            number=ticket.number,
            category=w.category(ticket.category, ticket.kind),
            place=w.t("ack.place", place=mask_unit(ticket.building, w.lang)) if ticket.building else "",
            status=w.status(ticket.status),
            assignee=assignee.name if assignee else "-",
        )
    ]
    if photos:
        lines.append(photos)
    for event in events:
        if event.action.startswith(("sla_", "progress_prompt", "hazard_")) and not internal:
            continue  # escalations, prompts and the rectification ledger are internal
        label = w.convert(ACTION_LABELS.get(event.action, event.action))
        note = ""
        if event.action == "rated" and event.note:
            note = "：" + w.rating(event.note)  # kept as stored (Simplified), shown in the language
        elif event.action in NOTED and event.note:
            reason = REASONS.get(event.note)
            note = "：" + (w.t(reason) if reason else privacy.owner_text(event.note))
        lines.append(w.t("t.ticket.event", at=local_time(community, event.at), action=label, note=note))
    return "\n".join(lines)
