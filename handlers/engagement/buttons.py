"""The buttons of owners' voice: a poll's options, an activity's sign-up and rating."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from bot.core.callbacks import CallbackData


@dataclass(frozen=True)
class PollPress(CallbackData, prefix="pv"):
    """`pv:3:1`: a vote for option 1 (counted from 0) of poll 3."""

    invalid_key: ClassVar[str] = "eg.poll.err.stale"

    poll_id: int
    option: int


@dataclass(frozen=True)
class ActivityPress(CallbackData, prefix="ac"):
    """`ac:join:2` signs the presser up for activity 2 (one person); `ac:leave:2` cancels."""

    invalid_key: ClassVar[str] = "eg.act.err.stale"

    action: Literal["join", "leave"]
    activity_id: int


@dataclass(frozen=True)
class ActivityRate(CallbackData, prefix="ar"):
    """`ar:2:5`: a participant rates activity 2 with 5 (of 5)."""

    invalid_key: ClassVar[str] = "eg.act.err.stale"

    activity_id: int
    score: int


@dataclass(frozen=True)
class FeeAnswer(CallbackData, prefix="fee"):
    """`fee:paid:12` / `fee:dispute:12`: the owner's answer to fee reminder 12."""

    invalid_key: ClassVar[str] = "eg.fee.err.stale"

    answer: Literal["paid", "dispute"]
    reminder_id: int


@dataclass(frozen=True)
class CareMark(CallbackData, prefix="cm"):
    """`cm:ok:7` / `cm:no:7`: line 7 of a safety check-in confirmed safe / not reached."""

    invalid_key: ClassVar[str] = "eg.care.err.stale"

    state: Literal["ok", "no"]
    line_id: int


@dataclass(frozen=True)
class SurveyPress(CallbackData, prefix="sv"):
    """`sv:2:3:4`: on survey 2, indicator 3 (from 0) scored 4; score 0 is the indicator's
    name (a press only explains it)."""

    invalid_key: ClassVar[str] = "eg.sv.err.stale"

    survey_id: int
    indicator: int
    score: int
