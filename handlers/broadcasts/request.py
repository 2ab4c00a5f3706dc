"""What a supervisor typed after /notice or /outage, parsed into a request (pure).

    /notice [目标] [时间 | 每周一 09:00 | --every "0 9 * * 1" [--often]] [--urgent] [--template 名称] 正文
    /outage water 3-5栋 2026-11-25 09:00-17:00 [--urgent] 管道维修

Options come first, in any order; the first word that is not an option starts the text, which
is kept exactly as typed (line breaks included). `--` ends the options explicitly.
Targets: 全体 / all (every owner group of the community, the default), 3栋 · 3-5栋 · 3,5栋 ·
A座 (the groups of those buildings), 所有小区 / --all-communities (every community).
Times are local to each target community: `2026-11-25 09:00`, `11-25 09:00`, `明天 09:00`,
`09:00` (today, or tomorrow once it has passed).

About 400 lines, kept whole: one grammar (tokens, options, targets, times) shared by /notice,
/outage and the command line's options; its pieces are only meaningful together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.core.bounds import check_day
from bot.core.errors import DomainError
from handlers.broadcasts.timing import Cron, check_cron, cron_from_words, parse_hhmm

T = TypeVar("T")

_TOKEN = re.compile(r"\s*(\"([^\"]*)\"|“([^”]*)”|'([^']*)'|(\S+))")
_DATE = re.compile(r"^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})$")
_CN_DATE = re.compile(r"^(?:(\d{4})年)?(\d{1,2})月(\d{1,2})(?:日|号|號)$")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")
_SPAN = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)[-–~至到]([01]?\d|2[0-4])[:：]([0-5]\d)$")
_BUILDINGS = re.compile(r"^([0-9A-Za-z]+(?:[-~至,，、/][0-9A-Za-z]+)*)(栋|棟|座|幢|号楼|號樓|期)$")
_KEYED = re.compile(r"^(?:--)?(template|模板|community|小区|小區)[:：=](.+)$", re.IGNORECASE)

URGENT_WORDS = {"--urgent", "-u", "urgent", "紧急", "緊急", "【紧急】", "【緊急】"}
COMMUNITY_WORDS = {"全体", "全體", "全部", "all", "--all", "所有业主群", "所有業主群"}
EVERY_WORDS = {"所有小区", "所有小區", "全部小区", "全部小區", "--all-communities", "everywhere"}
DAY_WORDS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "聽日": 1, "听日": 1, "后天": 2, "後天": 2}
UTILITIES = {
    "water": "water",
    "水": "water",
    "停水": "water",
    "power": "power",
    "electricity": "power",
    "电": "power",
    "電": "power",
    "停电": "power",
    "停電": "power",
    "gas": "gas",
    "气": "gas",
    "氣": "gas",
    "燃气": "gas",
    "燃氣": "gas",
    "煤气": "gas",
    "煤氣": "gas",
    "停气": "gas",
    "停氣": "gas",
}


@dataclass(frozen=True)
class WallTime:
    """A local wall-clock time, resolved per community: a date, or "today + n days"."""

    at: time
    day: date | None = None
    days_ahead: int | None = None  # set by 今天/明天; None with no date: today or tomorrow

    def resolve(self, tz: ZoneInfo, now: datetime) -> datetime:
        local_now = now.astimezone(tz)
        if self.day is not None:
            return datetime.combine(self.day, self.at, tz).astimezone(UTC)
        when = datetime.combine(local_now.date() + timedelta(days=self.days_ahead or 0), self.at, tz)
        if self.days_ahead is None and when <= local_now:
            when += timedelta(days=1)
        return when.astimezone(UTC)


@dataclass(frozen=True)
class Target:
    scope: str = "community"  # community | buildings | every
    buildings: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoticeRequest:
    target: Target = Target()
    at: WallTime | None = None
    cron: str | None = None
    urgent: bool = False
    template: str | None = None
    community: str | None = None
    text: str = ""
    often: bool = False  # a schedule that runs more than once a day, asked for as such


# A repeating notice that runs more than once a day floods the owner groups: it needs
# `--often` (one confirmation away from a broadcast every minute is too easy).
OFTEN_WORDS = {"--often", "高频", "高頻"}


def runs_a_day(cron: str) -> int:
    """How many times a day a cron runs at most (its minutes times its hours)."""
    parsed = Cron.parse(cron)
    return len(parsed.minutes) * len(parsed.hours)


@dataclass(frozen=True)
class OutageRequest:
    utility: str
    target: Target
    day: date | None
    days_ahead: int | None
    start: time
    end: time
    urgent: bool = False
    community: str | None = None
    reason: str = ""

    def window(self, tz: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
        """Start and end (UTC). An end at or before the start is on the next day; with no date,
        today's window, or tomorrow's once today's is over."""
        local_now = now.astimezone(tz)
        day = self.day if self.day is not None else local_now.date() + timedelta(days=self.days_ahead or 0)
        starts = datetime.combine(day, self.start, tz)
        end_day = day + timedelta(days=1) if self.end <= self.start else day
        ends = datetime.combine(end_day, self.end, tz)
        if self.day is None and self.days_ahead is None and ends <= local_now:
            starts, ends = starts + timedelta(days=1), ends + timedelta(days=1)
        return starts.astimezone(UTC), ends.astimezone(UTC)


@dataclass
class _Tokens:
    raw: str
    pos: int = 0
    items: list[tuple[str, int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        pos = 0
        while True:
            match = _TOKEN.match(self.raw, pos)
            if match is None:
                break
            value = next(g for g in match.groups()[1:] if g is not None)
            self.items.append((value, match.start(1), match.end(1)))
            pos = match.end()
        self.index = 0

    def peek(self, ahead: int = 0) -> str | None:
        i = self.index + ahead
        return self.items[i][0] if i < len(self.items) else None

    def take(self) -> str:
        value = self.items[self.index][0]
        self.index += 1
        return value

    def rest(self) -> str:
        if self.index >= len(self.items):
            return ""
        return self.raw[self.items[self.index][1] :].strip()


def parse_target(word: str) -> Target | None:
    low = word.lower()
    if low in COMMUNITY_WORDS:
        return Target("community")
    if low in EVERY_WORDS:
        return Target("every")
    if low.startswith(("b:", "buildings:")):
        return Target("buildings", expand_buildings(word.split(":", 1)[1]))
    match = _BUILDINGS.match(word)
    if match:
        return Target("buildings", expand_buildings(match.group(1)))
    return None


def expand_buildings(text: str) -> tuple[str, ...]:
    """「3-5」→ 3,4,5; 「3,5」「3、5」→ 3,5; 「A-C」→ A,B,C (ranges of numbers or single letters)."""
    out: list[str] = []
    for part in re.split(r"[,，、/]", text):
        part = part.strip()
        if not part:
            continue
        ends = re.split(r"[-~至]", part)
        if len(ends) == 2 and ends[0].isdigit() and ends[1].isdigit() and int(ends[0]) <= int(ends[1]):
            if int(ends[1]) - int(ends[0]) > 200:
                raise DomainError("bc.err.buildings", value=text)
            out.extend(str(n) for n in range(int(ends[0]), int(ends[1]) + 1))
        elif (
            len(ends) == 2
            and len(ends[0]) == 1
            and len(ends[1]) == 1
            and ends[0].isalpha()
            and ends[1].isalpha()
        ):
            a, b = ends[0].upper(), ends[1].upper()
            if a > b:
                raise DomainError("bc.err.buildings", value=text)
            out.extend(chr(c) for c in range(ord(a), ord(b) + 1))
        elif len(ends) == 1:
            out.append(part.upper() if part.isalpha() else part)
        else:
            raise DomainError("bc.err.buildings", value=text)
    return tuple(dict.fromkeys(out))


def parse_date(word: str, today: date) -> date | None:
    match = _DATE.match(word) or _CN_DATE.match(word)
    if match is None:
        return None
    year = int(match.group(1)) if match.group(1) else today.year
    try:
        day = date(year, int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise DomainError("bc.err.date", value=word) from exc
    if match.group(1) is None and day < today:
        try:
            day = date(year + 1, day.month, day.day)  # "01-05" typed in December means next year
        except ValueError as exc:  # 02-29 typed after it, with no leap day next year
            raise DomainError("bc.err.date", value=word) from exc
    return check_day(day, word)


def parse_notice(raw: str, today: date) -> NoticeRequest:
    """Parse the arguments of /notice; `today` is the sender's local date (for 11-25)."""
    tokens = _Tokens(raw)
    target: Target | None = None
    at: WallTime | None = None
    cron: str | None = None
    urgent = False
    template: str | None = None
    community: str | None = None
    often = False
    while (word := tokens.peek()) is not None:
        low = word.lower()
        if low == "--":
            tokens.take()
            break
        if low in URGENT_WORDS:
            tokens.take()
            urgent = True
        elif low in OFTEN_WORDS:
            tokens.take()
            often = True
        elif low in ("--to", "--target", "--buildings") and tokens.peek(1):
            tokens.take()
            value = tokens.take()
            found = parse_target(value) or (
                Target("buildings", expand_buildings(value)) if low == "--buildings" else None
            )
            if found is None:
                raise DomainError("bc.err.target", value=value)
            target = _once(target, found, word)
        elif (found := parse_target(word)) is not None:
            tokens.take()
            target = _once(target, found, word)
        elif low in ("--at", "at") and tokens.peek(1):
            tokens.take()
            at = _once(at, _wall_time(tokens, today), word)
        elif _DATE.match(word) or _CN_DATE.match(word) or word in DAY_WORDS or _TIME.match(word):
            at = _once(at, _wall_time(tokens, today), word)
        elif low in ("--every", "--cron", "every") and tokens.peek(1):
            tokens.take()
            cron = _once(cron, check_cron(tokens.take()).expr, word)
        elif (words_cron := _words_cron(word, tokens.peek(1))) is not None:
            tokens.take()
            tokens.take()
            cron = _once(cron, words_cron, word)
        elif low in ("--template", "-t") and tokens.peek(1):
            tokens.take()
            template = _once(template, tokens.take(), word)
        elif low in ("--community", "-c") and tokens.peek(1):
            tokens.take()
            community = _once(community, tokens.take(), word)
        elif (keyed := _KEYED.match(word)) is not None:
            tokens.take()
            if keyed.group(1).lower() in ("template", "模板"):
                template = _once(template, keyed.group(2), word)
            else:
                community = _once(community, keyed.group(2), word)
        elif low.startswith("--"):
            raise DomainError("bc.err.option", option=word)
        else:
            break
    return checked(
        NoticeRequest(target or Target(), at, cron, urgent, template, community, tokens.rest(), often)
    )


def checked(request: NoticeRequest) -> NoticeRequest:
    """What every notice request must be, however it was built (chat, command line)."""
    if request.at is not None and request.cron is not None:
        raise DomainError("bc.err.at_and_every")
    if not request.text and request.template is None:
        raise DomainError("bc.err.no_text")
    if request.cron is not None and not request.often and (runs := runs_a_day(request.cron)) > 1:
        raise DomainError("bc.err.too_often", expr=request.cron, runs=runs)
    return request


def parse_outage(raw: str, today: date) -> OutageRequest:
    """/outage water 3-5栋 2026-11-25 09:00-17:00 管道维修 (options in any order before the reason)."""
    tokens = _Tokens(raw)
    utility: str | None = None
    target: Target | None = None
    day: date | None = None
    days_ahead: int | None = None
    span: tuple[time, time] | None = None
    urgent = False
    community: str | None = None
    while (word := tokens.peek()) is not None:
        low = word.lower()
        if low == "--":
            tokens.take()
            break
        if low in URGENT_WORDS:
            tokens.take()
            urgent = True
        elif low in UTILITIES and utility is None:
            tokens.take()
            utility = UTILITIES[low]
        elif (found := parse_target(word)) is not None and found.scope != "every":
            tokens.take()
            target = _once(target, found, word)
        elif (parsed := parse_date(word, today)) is not None:
            tokens.take()
            day = _once(day, parsed, word)
        elif word in DAY_WORDS:
            tokens.take()
            days_ahead = _once(days_ahead, DAY_WORDS[word], word)
        elif (found_span := time_span(word)) is not None:
            tokens.take()
            span = _once(span, found_span, word)
        elif low in ("--community", "-c") and tokens.peek(1):
            tokens.take()
            community = _once(community, tokens.take(), word)
        elif (keyed := _KEYED.match(word)) is not None and keyed.group(1).lower() not in ("template", "模板"):
            tokens.take()
            community = _once(community, keyed.group(2), word)
        elif low.startswith("--"):
            raise DomainError("bc.err.option", option=word)
        else:
            break
    if utility is None:
        raise DomainError("bc.err.outage_utility")
    if span is None:
        raise DomainError("bc.err.outage_span")
    if day is not None and days_ahead is not None:
        raise DomainError("bc.err.twice", option=str(days_ahead))
    return OutageRequest(
        utility=utility,
        target=target or Target(),
        day=day,
        days_ahead=days_ahead,
        start=span[0],
        end=span[1],
        urgent=urgent,
        community=community,
        reason=tokens.rest(),
    )


def time_span(word: str) -> tuple[time, time] | None:
    """「09:00-17:00」 → (09:00, 17:00); an end of 24:00 is midnight. None if it is not one."""
    match = _SPAN.match(word)
    if match is None:
        return None
    end_hour = int(match.group(3))
    end = time(0) if end_hour == 24 else time(end_hour, int(match.group(4)))
    return time(int(match.group(1)), int(match.group(2))), end


def outage_day(word: str, today: date) -> tuple[date | None, int | None]:
    """「2026-11-25」「11-25」 (a date) or 「明天」 (days ahead): the day an outage is on."""
    day = parse_date(word.strip(), today)
    if day is not None:
        return day, None
    if word.strip() in DAY_WORDS:
        return None, DAY_WORDS[word.strip()]
    raise DomainError("bc.err.date", value=word[:20])


def wall_time(text: str, today: date) -> WallTime:
    """「2026-11-25 09:00」「明天 09:00」「09:00」 standing alone, nothing before or after."""
    tokens = _Tokens(text)
    at = _wall_time(tokens, today) if tokens.peek() is not None else None
    if at is None or tokens.peek() is not None:
        raise DomainError("bc.err.time", value=text[:40])
    return at


def _wall_time(tokens: _Tokens, today: date) -> WallTime:
    """A date and/or a time at the head of `tokens`: 「2026-11-25 09:00」「明天 09:00」「09:00」."""
    word = tokens.take()
    if word in DAY_WORDS:
        nxt = tokens.peek()
        if nxt is None or not _TIME.match(nxt):
            raise DomainError("bc.err.time", value=word)
        return WallTime(_time(tokens.take()), days_ahead=DAY_WORDS[word])
    day = parse_date(word, today)
    if day is not None:
        nxt = tokens.peek()
        if nxt is None or not _TIME.match(nxt):
            raise DomainError("bc.err.time", value=word)
        return WallTime(_time(tokens.take()), day=day)
    if _TIME.match(word):
        return WallTime(_time(word))
    raise DomainError("bc.err.time", value=word)


def _time(word: str) -> time:
    return parse_hhmm(word.replace("：", ":"))


def _words_cron(word: str, nxt: str | None) -> str | None:
    if nxt is None or not _TIME.match(nxt):
        return None
    return cron_from_words(word, _time(nxt))


def _once(current: T | None, value: T, word: str) -> T:
    if current is not None:
        raise DomainError("bc.err.twice", option=word)
    return value
