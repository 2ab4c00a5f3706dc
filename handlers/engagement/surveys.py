"""The quarterly satisfaction survey, as use cases: a supervisor starts it (`start`: one
message per owner group, a row of buttons per indicator, 1-5); each owner has one answer per
indicator, changed in place until the close (`answer`); staff read the response rate against
the households and the results per indicator (with the change since the previous survey) and
per building (`results`), sent to the stewards and supervisors once at the close (`close`).
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.events import Button, Outgoing
from bot.core.outbox import Priority, send_to_chat
from bot.core.roles import Role
from bot.core.services import Services
from handlers.engagement.buttons import SurveyPress
from handlers.engagement.polls import T, wording
from handlers.engagement.service import building_of, may_act_on
from storage.directory.models import Chat, Community, Member
from storage.engagement.models import Survey
from storage.uow import UnitOfWork

DATA = Path(__file__).parent / "data" / "survey.toml"


@dataclass(frozen=True)
class SurveyPolicy:
    indicators: tuple[str, ...]
    open_for: timedelta

    @classmethod
    def load(cls, path: Path = DATA) -> SurveyPolicy:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        indicators = tuple(str(i) for i in raw.get("indicators", ()))
        if not 1 <= len(indicators) <= 15 or len(set(indicators)) != len(indicators):
            raise ValueError(f"{path}: 1-15 distinct indicators")
        return cls(indicators, timedelta(days=int(raw.get("open_days", 14))))


def quarter_of(when: datetime) -> str:
    return f"{when.year}-Q{(when.month - 1) // 3 + 1}"


def average(scores: list[int]) -> float | None:
    return sum(scores) / len(scores) if scores else None


class SurveyService:
    def __init__(self, services: Services, policy: SurveyPolicy) -> None:
        self.services = services
        self.policy = policy

    def t(self, lang: str) -> T:
        return wording(self.services.texts, lang)

    @staticmethod
    def until(survey: Survey, community: Community) -> str:
        return survey.closes_at.astimezone(ZoneInfo(community.timezone)).strftime("%m-%d %H:%M")

    async def start(
        self, uow: UnitOfWork, actor: Actor, community: Community | None, now: datetime
    ) -> tuple[Survey, int]:
        if community is None or not may_act_on(actor, community.id):
            raise DomainError("eg.poll.err.community")
        running = await uow.surveys.latest(community.id)
        if running is not None and running.closed_at is None and running.closes_at > now:
            raise DomainError(
                "eg.sv.err.open",
                community=community.name,
                id=running.id,
                until=self.until(running, community),
            )
        groups = list(await uow.directory.chats_with_role(community.id, "owners"))
        if not groups:
            raise DomainError("eg.poll.err.no_groups", community=community.name)
        local = now.astimezone(ZoneInfo(community.timezone))
        survey = await uow.surveys.add(
            Survey(
                community_id=community.id,
                quarter=quarter_of(local),
                indicators=list(self.policy.indicators),
                created_by=actor.label,
                created_at=now,
                closes_at=now + self.policy.open_for,
            )
        )
        t = self.t(community.language)
        text = t(
            "eg.sv.post",
            community=community.name,
            quarter=survey.quarter,
            n=len(survey.indicators),
            until=self.until(survey, community),
        )
        buttons = tuple(
            (
                Button(
                    self.services.texts.convert(name, community.language), SurveyPress(survey.id, i, 0).pack()
                ),
                *(Button(str(score), SurveyPress(survey.id, i, score).pack()) for score in range(1, 6)),
            )
            for i, name in enumerate(survey.indicators)
        )
        for chat in groups:
            await send_to_chat(
                uow,
                chat,
                Outgoing(text=text, buttons=buttons),
                now,
                ref_type="survey",
                ref_id=survey.id,
                dedupe_key=f"survey:{survey.id}:{chat.id}",
                priority=Priority.BULK,
            )
        return survey, len(groups)

    async def answer(
        self,
        uow: UnitOfWork,
        press: SurveyPress,
        member: Member | None,
        chat: Chat | None,
        community: Community | None,
        role: Role,
        now: datetime,
    ) -> tuple[str, int]:
        """An owner's score for one indicator (score 0: the indicator's name was pressed)."""
        survey = await uow.surveys.survey(press.survey_id)
        if survey is None or not 0 <= press.indicator < len(survey.indicators) or not 0 <= press.score <= 5:
            raise DomainError("eg.sv.err.stale")
        if role is not Role.OWNER or member is None or chat is None:
            raise DomainError("eg.sv.err.owner_only")
        if community is None or community.id != survey.community_id:
            raise DomainError("eg.poll.err.elsewhere")
        name = self.services.texts.convert(survey.indicators[press.indicator], community.language)
        if press.score == 0:
            return name, 0
        if survey.closed_at is not None or survey.closes_at <= now:
            raise DomainError("eg.sv.err.closed")
        await uow.surveys.answer(
            survey.id,
            member.id,
            press.indicator,
            press.score,
            member.unit,
            building_of(member, chat, community),
            now,
        )
        return name, press.score

    async def find(self, uow: UnitOfWork, actor: Actor, community: Community | None) -> Survey:
        if community is None or not may_act_on(actor, community.id):
            raise DomainError("eg.poll.err.community")
        survey = await uow.surveys.latest(community.id)
        if survey is None:
            raise DomainError("eg.sv.err.none", community=community.name)
        return survey

    async def results(self, uow: UnitOfWork, survey: Survey) -> str:
        """The response rate against the households, each indicator's average (and its change
        since the previous survey), and each building's average over every indicator."""
        community = await uow.directory.community(survey.community_id)
        assert community is not None
        t = self.t(community.language)
        answers = await uow.surveys.answers(survey.id)
        households, source = await uow.surveys.households(community.id)
        respondents = len({a.unit or f"member:{a.member_id}" for a in answers})
        previous = await uow.surveys.latest(community.id, before_id=survey.id)
        before: dict[str, float | None] = {}
        if previous is not None:
            earlier = await uow.surveys.answers(previous.id)
            for i, name in enumerate(previous.indicators):
                before[name] = average([a.score for a in earlier if a.indicator == i])
        lines = []
        for i, name in enumerate(survey.indicators):
            scores = [a.score for a in answers if a.indicator == i]
            mean = average(scores)
            change = ""
            if mean is not None and before.get(name) is not None:
                change = t("eg.sv.result.change", delta=f"{mean - before[name]:+.2f}")  # type: ignore[operator]
            lines.append(
                t(
                    "eg.sv.result.line",
                    indicator=self.services.texts.convert(name, community.language),
                    average=f"{mean:.2f}" if mean is not None else t("eg.sv.result.none"),
                    n=len(scores),
                    change=change,
                )
            )
        by_building: dict[str | None, list[int]] = defaultdict(list)
        for a in answers:
            by_building[a.building].append(a.score)
        order = [b for b in community.buildings if b in by_building]
        buildings = t("eg.sep").join(
            t(
                "eg.sv.result.building",
                building=t("eg.building", building=b),
                average=f"{average(by_building[b]):.2f}",
            )
            for b in order
        )
        state = (
            t("eg.sv.state.open", until=self.until(survey, community))
            if survey.closed_at is None
            else t("eg.sv.state.closed")
        )
        return t(
            "eg.sv.result",
            community=community.name,
            quarter=survey.quarter,
            id=survey.id,
            state=state,
            respondents=respondents,
            households=households,
            source=t(f"eg.sv.source.{source}"),
            rate=f"{respondents / households:.1%}" if households else "—",
            lines="\n".join(lines),
            buildings=buildings or t("eg.sv.result.none"),
        )

    async def close(self, uow: UnitOfWork, survey_id: int, now: datetime) -> bool:
        survey = await uow.surveys.survey(survey_id)
        if survey is None or not await uow.surveys.close(survey, now):
            return False
        text = await self.results(uow, survey)
        for role in ("stewards", "supervisors"):
            for chat in await uow.directory.chats_with_role(survey.community_id, role):
                await send_to_chat(
                    uow,
                    chat,
                    Outgoing(text=text),
                    now,
                    ref_type="survey_result",
                    ref_id=survey.id,
                    dedupe_key=f"survey-result:{survey.id}:{chat.id}",
                )
        return True

    async def due(self, uow: UnitOfWork, now: datetime) -> list[int]:
        return list(await uow.surveys.due(now))
