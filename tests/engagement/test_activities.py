"""Activities through the local channel: announced by a supervisor, joined by button or
「报名 2人」 (never a ticket), the waiting list and its move up on a cancel, one summary per
group instead of one reply per owner (edited in place where the platform edits, else
throttled), the day-before reminder with the stewards' attendance list, and the rating after."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.adapters.local.channel import LocalMessage
from handlers.engagement.activities import BOARD_THROTTLE
from handlers.engagement.jobs import JOB_ID
from storage.directory.models import Member
from storage.engagement.models import ActivitySignup
from storage.messages.models import MessageLog
from storage.tickets.models import Ticket
from tests.harness import Harness

OWNERS_1, OWNERS_2, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-owners-2", "lxy-stewards", "lxy-supervisors"
SHANGHAI = ZoneInfo("Asia/Shanghai")
ANNOUNCE = "/activity 中秋游园 11月28日 14:00 限3人"


def boards(harness: Harness, chat: str) -> list[LocalMessage]:
    return [m for m in harness.sent(chat) if m.text.startswith("🎉 社区活动")]


def button(message: LocalMessage, label: str) -> str:
    for row in message.out.buttons:
        for b in row:
            if b.label == label:
                return b.data
    raise AssertionError(f"no button {label}: {message.out.buttons}")


async def press(harness: Harness, chat: str, label: str, user: str, name: str = "") -> str:
    message = [m for m in harness.sent(chat) if m.out.buttons][-1]
    before = len(harness.channel.toasts(chat))
    await harness.channel.press(chat, message.message_id, button(message, label), user, name)
    await harness.app.sender.drain()
    toasts = harness.channel.toasts(chat)[before:]
    assert len(toasts) == 1, toasts
    return toasts[0].text


async def tick(harness: Harness) -> int:
    job = harness.app.scheduler.get_job(JOB_ID)
    done = int(await job.func(*job.args))
    await harness.app.sender.drain()
    return done


async def signups(harness: Harness) -> dict[str, tuple[str, int]]:
    async with harness.app.sessions() as session:
        rows = await session.execute(
            select(Member.platform_user_id, ActivitySignup.state, ActivitySignup.people).join(
                Member, Member.id == ActivitySignup.member_id
            )
        )
        return {user: (state, people) for user, state, people in rows.all()}


async def test_sign_up_waiting_list_reminder_and_rating(harness: Harness) -> None:
    await harness.say("u-zhao", "u-zhao", "/start", private=True)  # 赵 can be told privately, 李 cannot
    await harness.say(SUPERVISORS, "li", ANNOUNCE)
    assert harness.sent(SUPERVISORS)[-1].text == (
        "✅ 活动 #1「中秋游园」已发到 2 个业主群（11-28 14:00，名额 3）。"
    )
    for chat in (OWNERS_1, OWNERS_2):
        [post] = boards(harness, chat)
        assert "时间：11-28 14:00" in post.text
        assert "📋 报名接龙：已报 0/3 人（0 户）" in post.text
        assert [b.label for b in post.out.buttons[0]] == ["报名", "取消报名"]

    assert await press(harness, OWNERS_1, "报名", "u-wang", "王小明") == "（提示）已报名「中秋游园」1 人。"
    # A typed sign-up for two: taken by the activity, not by intake (no ticket, no log line),
    # and not answered in the group.
    said = len(harness.sent(OWNERS_2))
    logged = await harness.count(MessageLog)
    await harness.say(OWNERS_2, "u-li", "报名 2人", sender_name="李大姐")
    assert await harness.count(Ticket) == 0
    assert await harness.count(MessageLog) == logged
    assert len(harness.sent(OWNERS_2)) == said
    # Full now: the next one waits.
    await harness.say(OWNERS_1, "u-zhao", "报名")
    assert await signups(harness) == {
        "u-wang": ("joined", 1),
        "u-li": ("joined", 2),
        "u-zhao": ("waiting", 1),
    }
    assert await press(harness, OWNERS_1, "报名", "u-zhao") == (
        "（提示）名额已满，已排入候补第 1 位（1 人），有人取消会通知您。"
    )

    # The summaries were not posted again within the throttle (this platform cannot edit);
    # the tick posts one per group once it has passed.
    assert [len(boards(harness, c)) for c in (OWNERS_1, OWNERS_2)] == [1, 1]
    harness.clock.advance(BOARD_THROTTLE)
    await tick(harness)
    for chat in (OWNERS_1, OWNERS_2):
        latest = boards(harness, chat)[-1].text
        assert "📋 报名接龙：已报 3/3 人（2 户），候补 1 户 1 人\n1. 王** 1人\n2. 李** 2人" in latest, latest
    assert await tick(harness) == 0  # nothing behind

    # 王 cancels: 赵 moves up from the waiting list and is told privately.
    assert await press(harness, OWNERS_1, "取消报名", "u-wang") == "（提示）已取消「中秋游园」的报名。"
    assert await signups(harness) == {
        "u-wang": ("cancelled", 1),
        "u-li": ("joined", 2),
        "u-zhao": ("joined", 1),
    }
    assert "有名额了，已为您报名 1 人" in harness.sent("u-zhao")[-1].text
    # More than there is room for: refused, the sign-up kept.
    await harness.say(OWNERS_2, "u-li", "报名 3人")
    assert "名额不足：您已报 2 人，最多还能改为 2 人" in harness.sent(OWNERS_2)[-1].text

    await harness.say(STEWARDS, "wang", "/activity list 1")
    sheet = harness.sent(STEWARDS)[-1].text
    assert "已报名 2 户 3 人，名额 3" in sheet
    assert "1. 李** 2人 □" in sheet  # 李 registered no unit, and group 2 spans 4-6: no building
    assert "2. u** 1人 □" in sheet  # 赵 wrote without a display name: his user id, masked

    # The evening before: each participant privately where a private chat is open, else
    # @-mentioned in their group; the stewards the attendance list; once.
    harness.clock.set(datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI))
    await tick(harness)
    assert harness.sent("u-zhao")[-1].text.startswith(
        "⏰ 提醒：您报名的「中秋游园」将于 11-28 14:00 举行（1 人）"
    )
    [in_group] = [m for m in harness.sent(OWNERS_2) if m.text.startswith("⏰")]
    assert in_group.text == "⏰ 提醒：「中秋游园」将于 11-28 14:00 举行，已报名的业主请准时参加："
    assert [m.user_id for m in in_group.out.mentions] == ["u-li"]
    assert "签到表" in harness.sent(STEWARDS)[-1].text
    before = len(harness.sent(STEWARDS))
    await tick(harness)
    assert len(harness.sent(STEWARDS)) == before

    # After it, the groups with participants are asked for a rating; only participants count.
    harness.clock.set(datetime(2026, 11, 28, 18, 0, tzinfo=SHANGHAI))
    await tick(harness)
    assert harness.sent(OWNERS_2)[-1].text.startswith("🙏「中秋游园」已结束")
    assert await press(harness, OWNERS_2, "⭐⭐⭐⭐⭐", "u-li") == "（提示）感谢您的评分：5 分！"
    assert "仅报名参加的业主" in await press(harness, OWNERS_2, "⭐", "u-stranger")
    await harness.say(STEWARDS, "wang", "/activity list 1")
    assert "评分：5.0 分（1 人评）" in harness.sent(STEWARDS)[-1].text
    # Too late to sign up.
    await harness.say(OWNERS_1, "u-new", "报名")
    assert await harness.count(ActivitySignup) == 3


async def test_a_flood_of_sign_ups_is_one_summary_edited_in_place(harness: Harness) -> None:
    platforms = dict(harness.app.services.platforms)  # like Telegram: messages are edited in place
    platforms["local"] = replace(platforms["local"], edit_in_place=True)
    harness.app.services.platforms = platforms
    await harness.say(SUPERVISORS, "li", "/activity 亲子手工 明天 15:00")
    [post] = boards(harness, OWNERS_1)
    for n in range(12):
        await harness.say(OWNERS_1, f"u-{n}", "接龙", sender_name=f"业主{n}")
    sent = harness.sent(OWNERS_1)
    # No reply per owner: one announcement, and each change an edit of it.
    assert all(m.out.edit_of == post.message_id for m in sent[sent.index(post) + 1 :])
    assert "📋 报名接龙：已报 12 人（12 户）" in sent[-1].text
    assert "12. 业**" in sent[-1].text
    assert "名额：不限" in sent[-1].text
    assert await harness.count(Ticket) == 0


async def test_staff_commands_and_refusals(harness: Harness) -> None:
    await harness.say(OWNERS_1, "u-a", ANNOUNCE)
    assert harness.sent(OWNERS_1)[-1].text == "抱歉，该操作仅限物业工作人员。"
    await harness.say(STEWARDS, "wang", ANNOUNCE)
    assert "主管" in harness.sent(STEWARDS)[-1].text
    await harness.say(SUPERVISORS, "li", "/activity 中秋游园")
    assert harness.sent(SUPERVISORS)[-1].text.startswith("用法：/activity")
    await harness.say(SUPERVISORS, "li", "/activity 中秋游园 某天")
    assert "看不懂活动时间「某天」" in harness.sent(SUPERVISORS)[-1].text
    await harness.say(SUPERVISORS, "li", "/activity 中秋游园 明天 限0人")
    assert "限N人" in harness.sent(SUPERVISORS)[-1].text
    # 「报名」 with nothing open is an owner's message like any other (intake logs it).
    logged = await harness.count(MessageLog)
    await harness.say(OWNERS_1, "u-a", "报名")
    assert await harness.count(MessageLog) == logged + 1
    # Two open: a typed sign-up must say which.
    await harness.say(SUPERVISORS, "li", "/activity 亲子手工 明天 15:00")
    await harness.say(SUPERVISORS, "li", "/activity 广场舞 后天 19:00 限20人")
    await harness.say(OWNERS_1, "u-a", "报名")
    assert "#1「亲子手工」、#2「广场舞」" in harness.sent(OWNERS_1)[-1].text
    await harness.say(OWNERS_1, "u-a", "报名 #2 2人")
    assert await signups(harness) == {"u-a": ("joined", 2)}
    # A steward's press is not a sign-up.
    assert "仅限业主" in await press(harness, OWNERS_1, "报名", "wang")
    # Cancelled: the groups are told, and sign-ups end.
    await harness.say(SUPERVISORS, "li", "/activity cancel 2")
    assert harness.sent(SUPERVISORS)[-1].text == "✅ 活动 #2 已取消，已通知业主群。"
    told = [m.text for m in harness.sent(OWNERS_2)]
    assert "📣 活动 #2「广场舞」（11-25 19:00）已取消，给大家带来不便，敬请谅解。" in told
    assert "已开始或已取消，不能再报名了" in await press(harness, OWNERS_2, "报名", "u-b")
    await harness.say(SUPERVISORS, "li", "/activity cancel 2")
    assert harness.sent(SUPERVISORS)[-1].text == "活动 #2 已取消。"
    await harness.say("hbhy-supervisors", "cheung", "/activity list 1")
    assert harness.sent("hbhy-supervisors")[-1].text == "沒有編號為 1 的活動。"
