"""The ticket and intake services called without chat: plain arguments, an `Actor` and a unit
of work from the runtime (as the command line, jobs or a console call them); people are told
through the outbox all the same."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.core.actor import Actor
from bot.core.errors import DomainError
from bot.core.roles import Role
from handlers.broadcasts import BroadcastPolicy, BroadcastService
from handlers.intake import IntakeService
from handlers.knowledge import KnowledgeBase, KnowledgeService
from handlers.opinion import OpinionPolicy, OpinionService
from handlers.tickets import Report, SlaBook, TicketService
from handlers.triage import TriagePolicy, TriageService
from storage.directory.models import Chat, Steward
from storage.outbox.models import OutboxMessage
from storage.uow import UnitOfWork
from tests.harness import Harness, text_message

OWNERS, STEWARDS = "lxy-owners-1", "lxy-stewards"


def service(harness: Harness) -> TicketService:
    services = harness.app.services
    return TicketService(services.texts, services.classifier, SlaBook.load())


async def steward(uow: UnitOfWork, name: str) -> Steward:
    community = await uow.directory.community_by_code("lxy")
    assert community is not None
    found = await uow.directory.steward_by_name(community.id, name)
    assert found is not None
    return found


def staff(person: Steward) -> Actor:
    return Actor(Role(person.role), f"steward:{person.id}", person.name, steward=person)


async def report(uow: UnitOfWork, harness: Harness, user: str, text: str, message_id: str) -> Report:
    chat = await uow.session.scalar(select(Chat).where(Chat.platform_chat_id == OWNERS))
    assert chat is not None
    assert chat.community_id is not None
    community = await uow.directory.community(chat.community_id)
    assert community is not None
    member = await uow.directory.see_member("local", user, "张先生", harness.clock.now(), community.id)
    return Report(community, chat, member, text, message_id)


async def outbox_texts(harness: Harness, chat: str) -> list[tuple[str | None, str]]:
    async with harness.app.runtime.reading() as uow:
        rows = (
            await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.platform_chat_id == chat).order_by(OutboxMessage.id)
            )
        ).all()
    return [(r.ref_type, json.loads(r.payload)["text"]) for r in rows]


async def test_a_ticket_opened_accepted_and_resolved_without_chat(harness: Harness) -> None:
    tickets = service(harness)
    classifier = harness.app.services.classifier
    now = harness.clock.now()
    text = "3栋2单元1302厨房水管漏水了，麻烦派人来修"
    async with harness.app.runtime.transaction() as uow:
        opened = await tickets.open(
            uow, await report(uow, harness, "u-zhang", text, "m-1"), classifier.classify(text), now
        )
        number = opened.ticket.number
    assert opened.assignee is not None
    assert opened.assignee.name == "王管家"

    async with harness.app.runtime.transaction() as uow:
        wang = staff(await steward(uow, "王管家"))
        ticket = await tickets.find(uow, number, None)
        harness.clock.advance(timedelta(minutes=5))
        await tickets.accept(uow, wang, ticket, harness.clock.now())
        await tickets.resolve(uow, wang, ticket, "已更换角阀", harness.clock.now())

    told = await outbox_texts(harness, OWNERS)
    assert [ref for ref, _ in told] == ["ticket_ack", "ticket_update", "rating_request"]
    assert "已由王管家受理" in told[1][1]
    assert "已处理完毕：已更换角阀" in told[2][1]
    assert any(number in t and "已接单" in t for _, t in await outbox_texts(harness, STEWARDS))
    await harness.app.sender.drain()
    assert "已处理完毕" in harness.sent(OWNERS)[-1].text
    [stored] = await harness.tickets()
    assert stored.status == "resolved"
    who = wang.label
    actions = [(e.action, e.actor) for e in await harness.events(stored.id)]
    owner = f"member:{stored.owner_member_id}"
    assert actions == [("opened", owner), ("assigned", "system"), ("accepted", who), ("resolved", who)]


async def test_domain_rules_hold_without_chat(harness: Harness) -> None:
    tickets = service(harness)
    await harness.say(OWNERS, "u-zhang", "3栋厨房水管漏水了，麻烦派人来修")
    [ticket] = await harness.tickets()
    now = harness.clock.now()
    async with harness.app.runtime.transaction() as uow:
        ticket = await tickets.get(uow, ticket.id)
        for actor, key, values in (
            (staff(await steward(uow, "刘管家")), "err.not_assignee", {"name": "王管家"}),  # 王管家's ticket
            (Actor.admin("ops"), "err.forbidden", {}),  # on no roster: cannot own tickets
        ):
            with pytest.raises(DomainError) as refused:
                await tickets.accept(uow, actor, ticket, now)
            assert (refused.value.key, refused.value.values) == (key, values)
        with pytest.raises(DomainError) as refused:
            await tickets.rate(uow, Actor(Role.OWNER, "member:1"), ticket, 9, now)  # a forged choice
        assert refused.value.key == "err.stale_button"
        # a supervisor works anyone's ticket; a note on a ticket not yet accepted accepts it
        await tickets.add_note(uow, staff(await steward(uow, "李主管")), ticket, "已联系王管家", now)
        assert ticket.status == "in_progress"
        await tickets.cancel(uow, staff(await steward(uow, "李主管")), ticket, "重复", now)
        with pytest.raises(DomainError) as refused:
            await tickets.add_note(uow, staff(await steward(uow, "李主管")), ticket, "x", now)
        assert refused.value.key == "err.bad_transition"
    actions = [(e.action, e.from_status, e.to_status) for e in await harness.events(ticket.id)]
    assert actions[2:] == [
        ("accepted", "assigned", "in_progress"),
        ("note", None, None),
        ("cancelled", "in_progress", "cancelled"),
    ]


async def test_an_owners_message_acted_on_without_chat(harness: Harness) -> None:
    services = harness.app.services
    tickets = service(harness)
    intake = IntakeService(
        services.classifier,
        services.texts,
        tickets,
        KnowledgeService({"lxy": KnowledgeBase.empty()}, services.texts),
        outages=BroadcastService(services.texts, BroadcastPolicy()),
        opinion=OpinionService(OpinionPolicy(), services),
        triage=TriageService(services, tickets, TriagePolicy()),
    )
    now = harness.clock.now()
    entries = []
    async with harness.app.runtime.transaction() as uow:
        for n, text in enumerate(("2栋门禁坏了刷不开，麻烦来修", "请问小区游泳池什么时候开放？")):
            owner = await report(uow, harness, f"u-{n}", text, f"m-{n}")
            message = text_message(OWNERS, f"u-{n}", text, f"m-{n}")
            classification = intake.classify(message)
            entry = intake.entry(message, owner.chat, owner.community, owner.member, classification)
            await intake.act_on(uow, owner, classification, entry, now)
            entries.append(await uow.messages.log(entry))
    repair, inquiry = await harness.tickets()
    assert (repair.kind, inquiry.kind) == ("repair", "inquiry")
    assert [e.ticket_id for e in entries] == [repair.id, inquiry.id]
    assert [e.intent for e in entries] == ["repair", "inquiry"]
    told = await outbox_texts(harness, OWNERS)
    assert [ref for ref, _ in told] == ["ticket_ack", "ticket_ack"]
    assert repair.number in told[0][1]
    assert "已转给值班管家" in told[1][1]
    await harness.app.sender.drain()
    assert [m.out.reply_to for m in harness.sent(OWNERS)] == ["m-0", "m-1"]  # under each message
