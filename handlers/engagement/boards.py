"""Activities as written and as shown: reading 「/activity 中秋游园 9月28日 14:00 限50人」 and an
owner's 「报名 2人」, and the sign-up summary (接龙) shown under the announcement. Names are
masked as Steward shows any owner's name."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.errors import DomainError
from handlers.engagement.polls import T
from handlers.shared.privacy import owner_name
from storage.directory.models import Member
from storage.engagement.models import ActivitySignup

TITLE_LENGTH = 50
MAX_CAPACITY = 5000
MAX_PEOPLE = 10  # people one owner signs up at once
BOARD_LINES = 30  # households listed on a summary; the rest counted
_CAPACITY = re.compile(r"(?:限|名额|名額)\s*(?P<n>\d+)\s*(?:人|位|名)?")
# 「报名」「报名 2人」「报名 #3 2人」「接龙 +2」; 「取消报名」.
_JOIN = re.compile(
    r"^\s*(?:@\S+\s+)?(?P<cancel>取消\s*)?(?:报名|報名|接龙|接龍)\s*(?:#(?P<ref>\d{1,9}))?\s*"
    r"(?:[+＋]?(?P<people>\d{1,3})\s*(?:人|位|个人|個人)?)?\s*[。.!！]?\s*$"
)


@dataclass(frozen=True)
class ActivityRequest:
    title: str
    when: str  # as written, read by `when.parse_when`
    capacity: int | None


@dataclass(frozen=True)
class SignupWords:
    cancel: bool
    ref: int | None  # the activity's number, when written
    people: int


def parse_activity(args: str) -> ActivityRequest:
    text = " ".join(args.split())
    capacity = None
    found = _CAPACITY.search(text)
    if found:
        capacity = int(found.group("n"))
        if not 1 <= capacity <= MAX_CAPACITY:
            raise DomainError("eg.act.err.capacity", max=MAX_CAPACITY)
        text = (text[: found.start()] + " " + text[found.end() :]).strip()
    words = text.split()
    if len(words) < 2:
        raise DomainError("eg.act.usage")
    title = words[0]
    if len(title) > TITLE_LENGTH:
        raise DomainError("eg.act.err.title", length=TITLE_LENGTH)
    return ActivityRequest(title, " ".join(words[1:]), capacity)


def read_signup(text: str) -> SignupWords | None:
    """An owner's 「报名 2人」 or 「取消报名」; None for anything else."""
    found = _JOIN.match(text)
    if not found:
        return None
    people = int(found.group("people") or 1)
    ref = found.group("ref")
    return SignupWords(bool(found.group("cancel")), int(ref) if ref else None, people)


def board_text(t: T, capacity: int | None, rows: Sequence[tuple[ActivitySignup, Member]]) -> str:
    """The 接龙: how many have signed up (of how many), the waiting list's size, and the
    households in order (masked names), the first `BOARD_LINES`."""
    joined = [(s, m) for s, m in rows if s.state == "joined"]
    waiting = [(s, m) for s, m in rows if s.state == "waiting"]
    taken = sum(s.people for s, _ in joined)
    head = t(
        "eg.act.board",
        taken=taken,
        of=t("eg.act.board.of", capacity=capacity) if capacity else "",
        households=len(joined),
        waiting=t("eg.act.board.waiting", n=len(waiting), people=sum(s.people for s, _ in waiting))
        if waiting
        else "",
    )
    lines = [
        t("eg.act.board.line", n=i, name=owner_name(m.display_name), people=s.people)
        for i, (s, m) in enumerate(joined[:BOARD_LINES], start=1)
    ]
    if len(joined) > BOARD_LINES:
        lines.append(t("eg.act.board.more", n=len(joined)))
    return "\n".join([head, *lines])
