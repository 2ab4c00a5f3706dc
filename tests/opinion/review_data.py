"""A fixed data set for the management review: tickets of 绿溪园 with known times, assignees,
reopenings and ratings, written straight to the tables (as the ticket feature would leave
them), so every figure of November 2026 can be computed by hand (tests/opinion/test_review.py).

November 2026 (8 counted tickets; R-4 is cancelled):

| ticket | kind      | steward | status      | response       | resolution     | rating / events            |
|--------|-----------|---------|-------------|----------------|----------------|----------------------------|
| C-1    | complaint | 王管家  | closed      | 60 min (24 h)  | 20 h (48 h)    | 非常满意                    |
| C-2    | complaint | 王管家  | closed      | 20 min (24 h)  | 30 h (48 h)    | 满意                        |
| C-3    | complaint | 刘管家  | in_progress | 30 h: missed   | none: overdue  |                            |
| C-4    | complaint | 刘管家  | resolved    | 30 min (24 h)  | 40 h (48 h)    | 不满意 → reopened, a reason |
| R-1    | repair    | 王管家  | closed      | 10 min (30 m)  | 3 h (48 h)     | 满意                        |
| R-2    | repair    | 王管家  | closed      | 20 min (30 m)  | 5 h (48 h)     | 一般, no reason             |
| R-3    | repair    | 赵师傅  | closed      | 40 min: missed | 50 h: missed   |                            |
| R-4    | repair    | 赵师傅  | cancelled   |                |                |                            |
| R-5    | repair    | 王管家  | resolved    | 5 min (30 m)   | 2 h (48 h)     |                            |

On site (「已到场」) after: R-1 20 min, R-2 45 min, R-5 10 min; R-3 never said so. The simple
repairs (plumbing) visited within 30 minutes: R-1 and R-5 of R-1, R-2, R-3, R-5 (R-4 cancelled).
回访 owed (closed, with an owner): C-1, C-2, R-1, R-2 rated, R-3 neither rated nor called: 4/5.

Praise in November: two thanks credited to 王管家, one to a name on no roster (「陈师傅」, not
counted for anyone). 回访 calls settled in November: R-0's (a year old, already rated) reached by
赵师傅; one not reached by 刘管家 (not settled, not counted).

October 2026: one complaint C-0 (王管家), closed, 60 min, 10 h, 满意.
November 2025: one repair R-0 (赵师傅), closed, 15 min, 2 h, 不满意.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from storage.directory.models import Chat, Community, Member, Steward
from storage.tickets.models import Ticket, TicketCallback, TicketEvent
from storage.voices.models import Praise
from tests.opinion.conftest import OWNERS, OpinionHarness

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"
REASON = f"师傅态度不好，电话{PHONE}"


def local(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


async def seed_review(oh: OpinionHarness) -> None:
    async with oh.app.sessions() as session:
        community = await session.scalar(select(Community).where(Community.code == "lxy"))
        owners = await session.scalar(select(Chat).where(Chat.platform_chat_id == OWNERS))
        assert community is not None
        assert owners is not None
        staff = {s.name: s.id for s in (await session.scalars(select(Steward))).all()}
        owner = Member(
            platform="local", platform_user_id="u-review", display_name="业主", first_seen_at=oh.clock.now()
        )
        session.add(owner)
        await session.flush()
        tickets: dict[str, Ticket] = {}
        events: list[tuple[str, float, str, str | None]] = []  # (number, hours after, action, note)

        def ticket(
            number: str,
            created: datetime,
            steward: str,
            status: str,
            respond: float | None,
            resolve: float | None,
            *,
            kind: str = "repair",
            rating: str | None = None,
            arrived: float | None = None,
        ) -> None:
            respond_due, resolve_due = (24.0, 48.0) if kind == "complaint" else (0.5, 48.0)

            def after(hours: float | None) -> datetime | None:
                return None if hours is None else created + timedelta(hours=hours)

            tickets[number] = Ticket(
                number=number,
                community_id=community.id,
                kind=kind,
                category="noise" if kind == "complaint" else "plumbing",
                priority="normal",
                status=status,
                building="3",
                summary="问题",
                owner_member_id=owner.id,
                source_chat_id=owners.id,
                assignee_id=staff[steward],
                created_at=created,
                updated_at=created,
                respond_due_at=after(respond_due),
                resolve_due_at=after(resolve_due),
                first_response_at=after(respond),
                resolved_at=after(resolve),
                closed_at=after(resolve + 1) if resolve is not None and status == "closed" else None,
                rating=rating,
                arrived_at=after(arrived),
            )
            if rating is not None and resolve is not None:
                events.append((number, resolve + 0.5, "rated", rating))

        nov = 2026, 11
        ticket("C-1", local(*nov, 2), "王管家", "closed", 1, 20, kind="complaint", rating="非常满意")
        ticket("C-2", local(*nov, 3), "王管家", "closed", 1 / 3, 30, kind="complaint", rating="满意")
        ticket("C-3", local(*nov, 4), "刘管家", "in_progress", 30, None, kind="complaint")
        ticket("C-4", local(*nov, 5), "刘管家", "resolved", 0.5, 40, kind="complaint", rating="不满意")
        ticket("R-1", local(*nov, 6), "王管家", "closed", 1 / 6, 3, rating="满意", arrived=1 / 3)
        ticket("R-2", local(*nov, 7), "王管家", "closed", 1 / 3, 5, rating="一般", arrived=0.75)
        ticket("R-3", local(*nov, 8), "赵师傅", "closed", 2 / 3, 50)
        ticket("R-4", local(*nov, 9), "赵师傅", "cancelled", None, None)
        ticket("R-5", local(*nov, 10), "王管家", "resolved", 1 / 12, 2, arrived=1 / 6)
        ticket("C-0", local(2026, 10, 15), "王管家", "closed", 1, 10, kind="complaint", rating="满意")
        ticket("R-0", local(2025, 11, 15), "赵师傅", "closed", 0.25, 2, rating="不满意")
        # C-4: a note before its rating (not a reason), the unhappy rating, the reopening, the
        # owner's reason; resolved again since (its events moved off the table's rating event).
        events = [e for e in events if e[0] != "C-4"]
        events += [
            ("C-4", 1, "owner_note", "什么时候来修"),
            ("C-4", 10, "rated", "不满意"),
            ("C-4", 10, "reopened", "不满意"),
            ("C-4", 11, "owner_note", REASON),
        ]
        session.add_all(tickets.values())
        await session.flush()
        for number, hours, action, note in events:
            t = tickets[number]
            session.add(
                TicketEvent(
                    ticket_id=t.id,
                    at=t.created_at + timedelta(hours=hours),
                    actor=f"member:{owner.id}",
                    action=action,
                    note=note,
                )
            )
        credit = {"王管家": staff["王管家"], "陈师傅": None}
        for n, (named, day) in enumerate((("王管家", 12), ("王管家", 13), ("陈师傅", 14))):
            session.add(
                Praise(
                    community_id=community.id,
                    steward_id=credit[named],
                    named=named,
                    chat_id=owners.id,
                    member_id=owner.id,
                    text=f"多谢{named}",
                    created_at=local(*nov, day) + timedelta(minutes=n),
                )
            )
        for ticket_number, who, outcome, done in (
            ("R-0", "赵师傅", "reached", True),
            ("R-3", "刘管家", "not_reached", False),
        ):
            t = tickets[ticket_number]
            session.add(
                TicketCallback(
                    ticket_id=t.id,
                    community_id=community.id,
                    due_at=local(*nov, 20),
                    attempts=1,
                    outcome=outcome,
                    rating=None,
                    called_by=f"steward:{staff[who]}",
                    called_at=local(*nov, 21),
                    done_at=local(*nov, 21) if done else None,
                )
            )
        await session.commit()
