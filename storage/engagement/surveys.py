"""Satisfaction surveys and their answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.directory.models import Member
from storage.engagement.models import FeeAccount, Survey, SurveyAnswer
from storage.rows import insert_new, table_of

_ANSWERS = table_of(SurveyAnswer)


class SurveyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, survey: Survey) -> Survey:
        self.session.add(survey)
        await self.session.flush()
        return survey

    async def survey(self, survey_id: int) -> Survey | None:
        return await self.session.get(Survey, survey_id)

    async def latest(self, community_id: int, before_id: int | None = None) -> Survey | None:
        query = select(Survey).where(Survey.community_id == community_id)
        if before_id is not None:
            query = query.where(Survey.id < before_id)
        return await self.session.scalar(query.order_by(Survey.id.desc()).limit(1))

    async def due(self, now: datetime) -> Sequence[int]:
        query = select(Survey.id).where(Survey.closed_at.is_(None), Survey.closes_at <= now)
        return list(await self.session.scalars(query.order_by(Survey.id)))

    async def close(self, survey: Survey, now: datetime) -> bool:
        result = await self.session.execute(
            update(Survey)
            .where(Survey.id == survey.id, Survey.closed_at.is_(None))
            .values(closed_at=now)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(survey)
        return bool(getattr(result, "rowcount", 0))

    async def answer(
        self,
        survey_id: int,
        member_id: int,
        indicator: int,
        score: int,
        unit: str | None,
        building: str | None,
        now: datetime,
    ) -> bool:
        """Record or change one answer; True if it was the owner's first for that indicator."""
        values = {
            "survey_id": survey_id,
            "member_id": member_id,
            "indicator": indicator,
            "score": score,
            "unit": unit,
            "building": building,
            "answered_at": now,
        }
        if await insert_new(self.session, _ANSWERS, values):
            return True
        await self.session.execute(
            update(SurveyAnswer)
            .where(
                SurveyAnswer.survey_id == survey_id,
                SurveyAnswer.member_id == member_id,
                SurveyAnswer.indicator == indicator,
            )
            .values(score=score, answered_at=now)
            .execution_options(synchronize_session=False)
        )
        return False

    async def answers(self, survey_id: int) -> Sequence[SurveyAnswer]:
        query = select(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id).order_by(SurveyAnswer.id)
        return list(await self.session.scalars(query))

    async def households(self, community_id: int) -> tuple[int, str]:
        """How many households the community has as far as Steward knows: the units billed
        (`steward fees import`), else the units owners registered; and which it is."""
        billed = await self.session.scalar(
            select(func.count()).select_from(FeeAccount).where(FeeAccount.community_id == community_id)
        )
        if billed:
            return int(billed), "billed"
        registered = await self.session.scalar(
            select(func.count(func.distinct(Member.unit))).where(
                Member.community_id == community_id, Member.unit.is_not(None), Member.steward_id.is_(None)
            )
        )
        return int(registered or 0), "registered"
