"""Demo scene: the monthly review. 绿溪园's history (October, the November before, and the
rest of this November) is imported as finished tickets; on the first morning of December the
monthly report reaches the supervisors with each figure beside its target, month on month and
year on year, the 「月度服务之星」 and the low-rated tickets with their reasons; each steward
gets their own month privately; 李主管 asks `/kpi`. Every line comes from the real handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.demo.kit import Demo, Line
from storage.directory.models import Community, Steward
from storage.tickets.models import Ticket, TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Past:
    """A finished ticket of the community's history (hours after it was opened)."""

    number: str
    day: datetime
    kind: str
    category: str
    steward: str
    respond: float
    resolve: float | None
    rating: str | None = None
    reason: str | None = None  # what the owner said after a low rating
    reopened: bool = False


def day(year: int, month: int, d: int, hour: int = 9) -> datetime:
    return datetime(year, month, d, hour, tzinfo=SHANGHAI)


HISTORY = (
    # November 2025: slow answers to complaints
    Past("TS-20251105-0001", day(2025, 11, 5), "complaint", "noise", "刘管家", 30, 70, "一般"),
    Past("TS-20251112-0001", day(2025, 11, 12), "complaint", "sanitation", "刘管家", 20, 60, "不满意"),
    Past("BX-20251120-0001", day(2025, 11, 20), "repair", "plumbing", "赵师傅", 0.8, 30, "满意"),
    # October 2026
    Past("TS-20261008-0001", day(2026, 10, 8), "complaint", "noise", "刘管家", 6, 30, "满意"),
    Past("BX-20261015-0001", day(2026, 10, 15), "repair", "plumbing", "王管家", 0.4, 5, "非常满意"),
    Past("BX-20261022-0001", day(2026, 10, 22), "repair", "electrical", "赵师傅", 0.7, 60, "不满意"),
    # November 2026, before the demo's morning
    Past("BX-20261102-0001", day(2026, 11, 2), "repair", "plumbing", "王管家", 0.2, 3, "非常满意"),
    Past("BX-20261104-0001", day(2026, 11, 4), "repair", "electrical", "王管家", 0.3, 6, "满意"),
    Past("TS-20261106-0001", day(2026, 11, 6), "complaint", "noise", "王管家", 2, 20, "满意"),
    Past("BX-20261110-0001", day(2026, 11, 10), "repair", "plumbing", "王管家", 0.25, 4, "满意"),
    Past(
        "BX-20261112-0001",
        day(2026, 11, 12),
        "repair",
        "elevator",
        "刘管家",
        0.4,
        30,
        "不满意",
        "修完第二天又坏了，师傅也没留电话13912345678",
        reopened=True,
    ),
    Past("TS-20261116-0001", day(2026, 11, 16), "complaint", "sanitation", "刘管家", 3, 26, "一般"),
    Past("BX-20261118-0001", day(2026, 11, 18), "repair", "plumbing", "赵师傅", 0.5, 8, "满意"),
)


async def import_history(demo: Demo) -> None:
    """The history, written as the ticket feature leaves finished tickets."""
    async with demo.app.sessions() as session:
        community = await session.scalar(select(Community).where(Community.code == "lxy"))
        assert community is not None
        staff = {
            s.name: s.id
            for s in (
                await session.scalars(select(Steward).where(Steward.community_id == community.id))
            ).all()
        }
        for past in HISTORY:
            created = past.day
            due = (24, 48) if past.kind == "complaint" else (0.5, 48)
            resolved = created + timedelta(hours=past.resolve) if past.resolve is not None else None
            ticket = Ticket(
                number=past.number,
                community_id=community.id,
                kind=past.kind,
                category=past.category,
                priority="normal",
                status="closed" if resolved else "in_progress",
                building="2",
                summary="（历史工单）",
                assignee_id=staff[past.steward],
                created_at=created,
                updated_at=resolved or created,
                respond_due_at=created + timedelta(hours=due[0]),
                resolve_due_at=created + timedelta(hours=due[1]),
                first_response_at=created + timedelta(hours=past.respond),
                resolved_at=resolved,
                closed_at=resolved + timedelta(hours=2) if resolved else None,
                rating=past.rating,
            )
            session.add(ticket)
            await session.flush()
            if past.rating is None or resolved is None:
                continue
            events = [(resolved + timedelta(hours=1), "rated", past.rating)]
            if past.reopened:
                events.append((resolved + timedelta(hours=1), "reopened", past.rating))
            if past.reason:
                events.append((resolved + timedelta(hours=1, minutes=5), "owner_note", past.reason))
            session.add_all(
                TicketEvent(ticket_id=ticket.id, at=at, actor="system", action=action, note=note)
                for at, action, note in events
            )
        await session.commit()


async def review_scene(demo: Demo) -> None:
    demo.console.rule("月度考核：导入绿溪园的历史工单（去年11月、今年10月和本月早些时候）")
    await import_history(demo)
    for user, name in (("wang", "王管家"), ("liu", "刘管家")):  # they have a private chat with Steward
        await demo.channel.post(user, user, "/help", sender_name=name, private=True)
    await demo.app.sender.drain()

    demo.console.rule("12月1日 09:00：上月服务报告（指标对照目标、环比同比、月度服务之星、低评工单）")
    demo.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI))
    await demo.run_jobs("reports:monthly")

    demo.console.rule("同一时间：每位管家私聊收到自己的上月数据")
    await demo.run_jobs("reports:kpi")

    demo.console.rule("主管查看管家绩效：/kpi 上月")
    await demo.say(Line("lxy-supervisors", "li", "李主管", "/kpi 上月"))
