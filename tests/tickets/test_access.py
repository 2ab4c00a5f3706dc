"""Who may use which ticket command or button is declared where it is registered, and the
router refuses before the handler runs (and before it looks anything up)."""

from __future__ import annotations

from bot.core.roles import Role
from bot.core.router import Router
from bot.core.texts import Texts
from handlers.tickets import SlaBook, TicketService
from handlers.tickets.buttons import CallPress, CardAction, Correction, RatingPress
from handlers.tickets.chat import TicketChat
from nlp.classifier import Classifier
from tests.harness import Harness, alert_to_presser

OWNERS, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-stewards", "lxy-supervisors"


def alert(harness: Harness, chat: str) -> str:
    return alert_to_presser(harness.channel, chat)


def test_the_minimum_roles_are_declared_at_registration(classifier: Classifier) -> None:
    router: Router = TicketChat(TicketService(Texts(), classifier, SlaBook.load())).router()
    required = {name: filters.require for name, (_, filters) in router.commands.items()}
    assert required == {
        "accept": Role.STEWARD,
        "progress": Role.STEWARD,
        "note": Role.STEWARD,
        "resolve": Role.STEWARD,
        "done": Role.STEWARD,
        "transfer": Role.STEWARD,
        "arrive": Role.STEWARD,
        "到场": Role.STEWARD,
        "到場": Role.STEWARD,
        "photos": Role.STEWARD,
        "照片": Role.STEWARD,
        "assign": Role.SUPERVISOR,
        "cancel": Role.SUPERVISOR,
        "my": None,
        "我的工单": None,
        "我嘅工單": None,
        "我的工單": None,
        "ticket": None,
        "工单": None,
        "工單": None,
        "open": Role.STEWARD,
        "开单": Role.STEWARD,
        "開單": Role.STEWARD,
        "hazards": Role.STEWARD,
        "隐患": Role.STEWARD,
        "隱患": Role.STEWARD,
        "hazard": Role.STEWARD,
        "callbacks": Role.STEWARD,
        "回访": Role.STEWARD,
        "回訪": Role.STEWARD,
    }
    assert {p.data: p.filters.require for p in router.presses} == {
        CardAction: Role.STEWARD,
        Correction: Role.STEWARD,
        RatingPress: None,
        CallPress: Role.STEWARD,
    }


async def test_an_owner_pressing_a_card_button_is_refused_before_anything_is_looked_up(
    harness: Harness,
) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    card = harness.sent(STEWARDS)[-1]
    posted = len(harness.sent(STEWARDS))
    await harness.press(STEWARDS, card, "t:accept:999999", "u-zhang")  # no such ticket: refused first
    assert alert(harness, STEWARDS) == "抱歉，该操作仅限物业工作人员。"
    await harness.press(STEWARDS, card, "t:accept:999999", "wang")
    assert alert(harness, STEWARDS) == "该操作已失效。"
    await harness.press(STEWARDS, card, f"t:accept:{ticket.id}", "u-zhang")
    assert alert(harness, STEWARDS) == "抱歉，该操作仅限物业工作人员。"
    assert (await harness.tickets())[0].status == "assigned"
    # Each refusal was told to the presser alone: nothing was posted in the group.
    assert len(harness.sent(STEWARDS)) == posted


async def test_assigning_and_cancelling_need_a_supervisor_or_above(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    await harness.say(STEWARDS, "wang", f"/assign {ticket.number} 刘管家")
    assert "仅限" in harness.sent(STEWARDS)[-1].text
    assert (await harness.tickets())[0].assignee_id == ticket.assignee_id
    await harness.say(STEWARDS, "chen", f"/cancel {ticket.number} 业主已自行处理")  # 陈经理, a manager
    [ticket] = await harness.tickets()
    assert ticket.status == "cancelled"
    assert "已取消（陈经理）" in harness.sent(STEWARDS)[-1].text


async def test_owners_replying_to_a_card_add_no_note(harness: Harness) -> None:
    """A reply to a card is a note only from staff in the stewards' group (the handler is
    registered for those senders and that chat); anyone else's text goes on to intake."""
    await harness.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    card = harness.sent(STEWARDS)[-1]
    await harness.say(STEWARDS, "u-zhang", "我家的水管怎么样了", reply_to=card.message_id)
    [ticket] = await harness.tickets()
    assert "note" not in [e.action for e in await harness.events(ticket.id)]
