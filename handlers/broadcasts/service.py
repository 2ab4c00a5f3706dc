"""The broadcasts service: every use case of the feature with plain arguments, a unit of work,
an `Actor` and the time — what chat (`chat.py`), the command line (`steward notice|outage`),
the jobs (`jobs.py`), intake (owners' outage questions) and later a web console call.

Results meant for the person who asked are texts in their language (`lang`); refusals and
mistakes are `DomainError`s. The work lives in `notices.py`, `outages.py`, `questions.py`,
`schedules.py` and `fanout.py`; this class builds them from the feature's collaborators and
sends each reference (`N12`, `S3`, `T4`) to the one that owns it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.core.actor import Actor
from bot.core.events import Outgoing
from bot.core.texts import Texts
from handlers.broadcasts.fanout import Batch, Fanout
from handlers.broadcasts.notices import Notices
from handlers.broadcasts.outages import Outages
from handlers.broadcasts.policy import BroadcastPolicy
from handlers.broadcasts.questions import OutageAnswer, OutageQuestions
from handlers.broadcasts.records import Preview, discard, parse_ref
from handlers.broadcasts.rendering import UTILITY_STOP, Speaker
from handlers.broadcasts.request import NoticeRequest, OutageRequest
from handlers.broadcasts.schedules import Due, Planned, Schedules
from handlers.broadcasts.targets import target_communities
from nlp.classification import Classification
from storage.directory.models import Chat, Community
from storage.uow import UnitOfWork

# What is told before a warning goes out (a notice, or an outage: the bool), for each community
# it goes to: the composition root hands in the care list's check-in (issue 23). Broadcasts
# imports no other feature for it.
BeforeWarning = Callable[[UnitOfWork, Community, str, bool, datetime], Awaitable[object]]


class BroadcastService:
    def __init__(
        self, texts: Texts, policy: BroadcastPolicy, before_warning: BeforeWarning | None = None
    ) -> None:
        self.texts = texts
        self.policy = policy
        self.before_warning = before_warning
        self.fanout = Fanout(texts, policy)
        self.notices = Notices(texts, policy, self.fanout)
        self.outages = Outages(texts, policy, self.fanout)
        self.questions = OutageQuestions(texts, policy)
        self.schedules = Schedules(policy)

    def speaker(self, lang: str) -> Speaker:
        return Speaker(self.texts, lang)

    def help(self, lang: str) -> str:
        return self.speaker(lang).t("bc.help", quiet=self.policy.quiet.describe())

    # -- drafts and their confirmation -----------------------------------------------------------
    async def draft_notice(
        self,
        uow: UnitOfWork,
        request: NoticeRequest,
        actor: Actor,
        home: Community | None,
        now: datetime,
        lang: str,
    ) -> Preview:
        """Check the request and write its draft(s) (`N12`, or `S3` for a schedule); nothing
        is sent before `confirm`. `home` is the sender's community (the target by default).
        `before_warning` hears of it, for each community it goes to."""
        preview = await self.notices.draft(uow, request, actor, home, now, self.speaker(lang))
        if self.before_warning is not None and request.text:
            for community in await target_communities(
                uow, request.target.scope, request.community, actor, home
            ):
                await self.before_warning(uow, community, request.text, False, now)
        return preview

    async def draft_outage(
        self,
        uow: UnitOfWork,
        request: OutageRequest,
        actor: Actor,
        home: Community | None,
        now: datetime,
        lang: str,
    ) -> Preview:
        """Write the outage `T4` and its announcement as drafts; nothing is sent before `confirm`.
        `before_warning` hears of it (an outage is always a warning)."""
        preview = await self.outages.draft(uow, request, actor, home, now, self.speaker(lang))
        if self.before_warning is not None:
            [community] = await target_communities(uow, "community", request.community, actor, home)
            what = self.speaker(community.language).convert(UTILITY_STOP.get(request.utility, "停水"))
            await self.before_warning(uow, community, f"{what} {request.reason}".strip(), True, now)
        return preview

    async def confirm(self, uow: UnitOfWork, ref: str, actor: Actor, now: datetime, lang: str) -> str:
        """「确认发送」: a notice goes now or at its time, a schedule starts, an outage is
        announced with its reminders. A second confirmation does nothing more."""
        kind, number = parse_ref(ref)
        if kind == "T":
            return await self.outages.confirm(uow, number, actor, now, self.speaker(lang))
        return await self.notices.confirm(uow, ref, actor, now, self.speaker(lang))

    async def discard(self, uow: UnitOfWork, ref: str, actor: Actor, now: datetime, lang: str) -> str:
        """「取消」 under a preview: the draft is cancelled, nothing is sent."""
        return await discard(uow, ref, actor, now, self.speaker(lang))

    async def preview_shown(
        self, uow: UnitOfWork, platform: str, platform_chat_id: str, message_id: str, data: str
    ) -> str | None:
        """The text of the preview that platform message is (`data`: the pressed button's), so
        the preview can be rewritten with the outcome instead of its buttons; None if that
        message is no preview of ours. A press may come before the sender has recorded the
        preview's message id: the preview is then the newest in the chat with that button."""
        kinds = ("broadcast_preview", "broadcast_preview_edit")
        row = await uow.outbox.find_ref(platform, platform_chat_id, message_id)
        if row is None:
            row = await uow.outbox.newest_with_data(platform, platform_chat_id, kinds, data)
        if row is None or row.ref_type not in kinds:
            return None
        return Outgoing.from_json(row.payload).text

    async def drafts(self, uow: UnitOfWork, actor: Actor) -> list[str]:
        """The references of `actor`'s previews still waiting for 「确认发送」 or 「取消」."""
        return await uow.broadcasts.drafts_by(actor.label)

    # -- managing what was confirmed ---------------------------------------------------------------
    async def cancel(self, uow: UnitOfWork, ref: str, actor: Actor, now: datetime, lang: str) -> str:
        """Call off `N12` (what the sender has not taken is withdrawn), delete `S3`, call off `T4`."""
        kind, number = parse_ref(ref)
        speaker = self.speaker(lang)
        if kind == "S":
            return await self.notices.delete_schedule(uow, number, actor, speaker)
        if kind == "T":
            return await self.outages.cancel(uow, number, actor, now, speaker)
        return await self.notices.cancel(uow, number, actor, now, speaker)

    async def delete(self, uow: UnitOfWork, ref: str, actor: Actor, now: datetime, lang: str) -> str:
        """`delete 3` is schedule S3; `delete N12` or `T4` cancels those."""
        kind, number = parse_ref(ref, default="S")
        return await self.cancel(uow, f"{kind}{number}", actor, now, lang)

    async def pause(self, uow: UnitOfWork, ref: str, actor: Actor, lang: str) -> str:
        return await self.notices.pause(uow, ref, actor, self.speaker(lang))

    async def resume(self, uow: UnitOfWork, ref: str, actor: Actor, now: datetime, lang: str) -> str:
        return await self.notices.resume(uow, ref, actor, now, self.speaker(lang))

    async def restore_outage(
        self, uow: UnitOfWork, number: int, actor: Actor, now: datetime, lang: str, *, urgent: bool = False
    ) -> str:
        """「已恢复」 for outage T{number}: its remaining reminders are withdrawn and the groups told."""
        return await self.outages.restore(uow, number, actor, now, self.speaker(lang), urgent)

    async def cancel_outage(
        self, uow: UnitOfWork, number: int, actor: Actor, now: datetime, lang: str
    ) -> str:
        return await self.outages.cancel(uow, number, actor, now, self.speaker(lang))

    # -- reading -----------------------------------------------------------------------------------
    async def status_report(self, uow: UnitOfWork, ref: str, actor: Actor, lang: str) -> str:
        """The delivery report of `N12`, of `S3`'s latest run, or of every message of `T4`."""
        kind, number = parse_ref(ref)
        if kind == "T":
            return await self.outages.report(uow, number, actor, self.speaker(lang))
        return await self.notices.status_report(uow, ref, actor, self.speaker(lang))

    async def list_notices(self, uow: UnitOfWork, actor: Actor, home: Community | None, lang: str) -> str:
        """Recent notices and live schedules of `home` (of every community for an admin without one)."""
        return await self.notices.list_recent(uow, actor, home, self.speaker(lang))

    async def list_outages(self, uow: UnitOfWork, community: Community, now: datetime, lang: str) -> str:
        """The community's outages of the last week and to come."""
        return await self.outages.list_recent(uow, community, now, self.speaker(lang))

    # -- templates -----------------------------------------------------------------------------------
    async def save_template(
        self, uow: UnitOfWork, name: str, body: str, actor: Actor, now: datetime, lang: str
    ) -> str:
        return await self.notices.save_template(uow, name, body, actor, now, self.speaker(lang))

    async def list_templates(self, uow: UnitOfWork, actor: Actor, lang: str) -> str:
        return await self.notices.list_templates(uow, actor, self.speaker(lang))

    # -- owners' questions ---------------------------------------------------------------------------
    async def answer_outage_question(
        self,
        uow: UnitOfWork,
        text: str,
        classification: Classification,
        *,
        community: Community | None,
        chat: Chat | None,
        lang: str,
        now: datetime,
    ) -> OutageAnswer | None:
        """The answer to an owner asking 「几点来水？」 in their group, from an announced outage of
        their group, building and utility; None when there is none (intake answers as usual)."""
        return await self.questions.answer(
            uow, text, classification, community=community, chat=chat, lang=lang, now=now
        )

    # -- what the jobs run ---------------------------------------------------------------------------
    @property
    def keeps_tips(self) -> bool:
        return self.schedules.keeps_tips

    async def sync_tip_schedules(self, uow: UnitOfWork, now: datetime) -> None:
        await self.schedules.sync_tip_schedules(uow, now)

    async def start_schedule_run(self, uow: UnitOfWork, schedule_id: int, now: datetime) -> int | None:
        return await self.schedules.start_run(uow, schedule_id, now)

    async def next_batch(self, uow: UnitOfWork, broadcast_id: int, now: datetime) -> Batch:
        return await self.fanout.next_batch(uow, broadcast_id, now)

    async def due(self, uow: UnitOfWork, now: datetime) -> Due:
        return await self.schedules.due(uow, now)

    async def planned(self, uow: UnitOfWork) -> list[Planned]:
        return await self.schedules.planned(uow)
