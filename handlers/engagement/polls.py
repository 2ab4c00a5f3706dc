"""Polls as written and as shown: reading 「/poll 问题 选项1|选项2 [截止 时间]」, and the
owners' result (anonymous: counts only) and staff's (counts per building)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.errors import DomainError
from bot.core.texts import Texts

MAX_OPTIONS = 10
OPTION_LENGTH = 20
QUESTION_LENGTH = 200
_CLOSE = re.compile(r"\s(?:截止|截至|截止时间|截止時間)[:：]?\s*(?P<when>\S.*)$")
_SEPARATOR = re.compile(r"[|｜]")

T = Callable[..., str]


def wording(texts: Texts, lang: str) -> T:
    """`texts.render` in one language: what each engagement service's `t(lang)` hands out."""

    def render(key: str, **values: object) -> str:
        return texts.render(key, lang, **values)

    return render


@dataclass(frozen=True)
class PollRequest:
    question: str
    options: tuple[str, ...]
    closes: str | None  # the close as written, read by `when.parse_when`


def parse_poll(args: str) -> PollRequest:
    """「中秋活动选哪天？ 周六|周日 截止 9月20日 20:00」: the question, then the options joined
    by |, then an optional close. Raises `DomainError` with what is wrong."""
    text = " " + " ".join(args.split())
    closes = None
    found = _CLOSE.search(text)
    if found:
        closes = found.group("when").strip()
        text = text[: found.start()]
    words = text.split()
    if not words:
        raise DomainError("eg.poll.usage")
    if not _SEPARATOR.search(words[-1]):
        raise DomainError("eg.poll.usage")
    options = tuple(o.strip() for o in _SEPARATOR.split(words[-1]))
    if (
        not 2 <= len(options) <= MAX_OPTIONS
        or any(not o or len(o) > OPTION_LENGTH for o in options)
        or len(set(options)) != len(options)
    ):
        raise DomainError("eg.poll.err.options", max=MAX_OPTIONS, length=OPTION_LENGTH)
    question = " ".join(words[:-1])
    if not question or len(question) > QUESTION_LENGTH:
        raise DomainError("eg.poll.err.question", length=QUESTION_LENGTH)
    return PollRequest(question, options, closes)


def share(votes: int, total: int) -> str:
    return f"{round(100 * votes / total)}%" if total else "0%"


def totals(options: list[str], counts: list[tuple[str | None, int, int]]) -> list[int]:
    """Votes per option (in the options' order)."""
    per = [0] * len(options)
    for _, option, n in counts:
        if 0 <= option < len(per):
            per[option] += n
    return per


def owners_result(
    t: T, poll_id: int, question: str, options: list[str], counts: list[tuple[str | None, int, int]]
) -> str:
    """What the owner groups read at the close: each option's votes and share, nobody named."""
    per = totals(options, counts)
    total = sum(per)
    lines = "\n".join(
        t("eg.poll.result.line", option=o, votes=n, share=share(n, total))
        for o, n in zip(options, per, strict=True)
    )
    return t("eg.poll.result", id=poll_id, question=question, lines=lines, total=total)


def staff_counts(
    t: T,
    poll_id: int,
    question: str,
    options: list[str],
    counts: list[tuple[str | None, int, int]],
    state: str,
    buildings: list[str],
) -> str:
    """What staff read: the totals and each building's counts (the community's buildings in
    their order, then owners whose building is not known)."""
    sep = t("eg.sep")

    def line(per: list[int]) -> str:
        return sep.join(
            t("eg.poll.staff.count", option=o, votes=n) for o, n in zip(options, per, strict=True)
        )

    by_building: dict[str | None, list[int]] = {}
    for building, option, n in counts:
        if 0 <= option < len(options):
            by_building.setdefault(building, [0] * len(options))[option] += n
    order = [b for b in buildings if b in by_building]
    order += sorted(b for b in by_building if b is not None and b not in buildings)
    rows = [
        t("eg.poll.staff.line", building=t("eg.building", building=b), counts=line(by_building[b]))
        for b in order
    ]
    if None in by_building:
        rows.append(
            t("eg.poll.staff.line", building=t("eg.poll.staff.unknown"), counts=line(by_building[None]))
        )
    per = totals(options, counts)
    return t(
        "eg.poll.staff",
        id=poll_id,
        state=state,
        question=question,
        total_line=line(per),
        total=sum(per),
        lines="\n".join(rows) or t("eg.poll.result.none"),
    )
