"""WeCom end to end: encrypted callbacks (built by an independent implementation, wechatpy)
POSTed to Steward's HTTP server, through the real app, and pushes to the fake WeCom API."""

from __future__ import annotations

import json
import time

import aiohttp

from storage.messages.models import MessageLog, ProcessedDelivery
from storage.tickets.models import Ticket
from tests.e2e.conftest import WeComWorld
from tests.e2e.world import (
    OWNERS_KEY,
    STEWARD_WECOM_ID,
    STEWARDS_KEY,
    WECOM_OWNERS,
    WECOM_STEWARDS,
    World,
    eventually,
    until,
)
from tests.fakes.wecom_api import RecordedRequest, SignedCallback, aibot_text, group_robot_text

AIBOT = "/wecom/aibot/callback"
ROBOT = "/wecom/robot/callback"
REPORT = "@物业管家 3栋2单元1302厨房水管漏水了，麻烦派人来修"


async def post(world: World, path: str, callback: SignedCallback) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(world.base_url + path, params=callback.params, data=callback.body) as response,
    ):
        return response.status


def containing(requests: list[RecordedRequest], needle: str) -> RecordedRequest | None:
    return next((r for r in requests if needle in r.content), None)


def owner_robot_url(wc: WeComWorld) -> str:
    return f"{wc.party.api.base_url}/cgi-bin/webhook/send?key={OWNERS_KEY}"


async def test_an_owner_mentions_the_robot_with_a_repair(wc: WeComWorld) -> None:
    api, world = wc.party.api, wc.world
    callback = wc.party.aibot.aibot(
        aibot_text(REPORT, chatid=WECOM_OWNERS, userid="owner-zhang", response_url=api.new_response_url())
    )
    assert await post(world, AIBOT, callback) == 200

    [ticket] = await world.wait_for_tickets(1)
    assert ticket.status == "assigned"
    ack = await eventually(lambda: containing(api.responses(), ticket.number), what="the ack")
    assert ack.accepted
    assert ack.body["msgtype"] == "markdown"  # the reply went through the message's response_url
    card = await eventually(lambda: containing(api.sent(STEWARDS_KEY), ticket.number), what="the card")
    assert card.body["msgtype"] == "markdown"
    assert f"<@{STEWARD_WECOM_ID}>" in card.content  # the steward is mentioned
    # Buttons become what to write to the robot, with the ticket's own number (issue 19).
    assert f"1. @物业管家 接单 {ticket.number}" in card.content
    assert f"/t accept {ticket.id}" not in card.content
    assert "1302" not in card.content  # the unit is masked in the quoted text
    assert api.sent(OWNERS_KEY) == []  # the ack did not also go out as a push

    status, health = await world.get("/healthz")
    assert status == 200
    assert health["adapters"]["wecom"] == {
        "running": True,
        "callbacks": ["aibot", "group_robot"],
        "configured_robots": 2,
    }


async def test_url_verification_of_both_robots(wc: WeComWorld) -> None:
    for path, driver in ((AIBOT, wc.party.aibot), (ROBOT, wc.party.robot)):
        params, echo = driver.verify_url("echo-" + path.split("/")[2])
        async with (
            aiohttp.ClientSession() as session,
            session.get(wc.world.base_url + path, params=params) as response,
        ):
            assert response.status == 200
            assert await response.text() == echo
    # One robot's signature is no good on the other's endpoint.
    params, _ = wc.party.aibot.verify_url()
    async with aiohttp.ClientSession() as session, session.get(wc.world.base_url + ROBOT, params=params) as r:
        assert r.status == 403


async def test_a_steward_accepts_by_replying_and_the_owner_hears(wc: WeComWorld) -> None:
    """The group-robot path: XML callbacks, pushes through the groups' robots."""
    api, world, robot = wc.party.api, wc.world, wc.party.robot
    report = group_robot_text(
        REPORT, msgid="msg-owner-1", chat_id=WECOM_OWNERS, webhook_url=owner_robot_url(wc), user_id="owner-li"
    )
    assert await post(world, ROBOT, robot.group_robot(report)) == 200
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: containing(api.sent(OWNERS_KEY), ticket.number), what="the ack pushed")
    await eventually(lambda: containing(api.sent(STEWARDS_KEY), ticket.number), what="the card")

    stewards_url = f"{api.base_url}/cgi-bin/webhook/send?key={STEWARDS_KEY}"
    reply = group_robot_text(
        f"@物业管家 /t accept {ticket.id}",
        msgid="msg-steward-1",
        chat_id=WECOM_STEWARDS,
        webhook_url=stewards_url,
        user_id=STEWARD_WECOM_ID,
        name="王管家",
    )
    assert await post(world, ROBOT, robot.group_robot(reply)) == 200
    await world.wait_for_ticket(lambda t: t.status == "in_progress")
    await eventually(lambda: containing(api.sent(OWNERS_KEY), "已由王管家受理"), what="the owner told")
    await eventually(
        lambda: containing(api.sent(STEWARDS_KEY), f"王管家 已接单 {ticket.number}"), what="staff told"
    )

    async def all_settled() -> bool:  # the press's toast is a no-op on WeCom, not a failed send
        rows = await world.outbox()
        return len(rows) >= 5 and all(r.status == "sent" for r in rows)

    await until(all_settled, what="every outbox row sent")


async def test_forged_stale_foreign_and_duplicate_callbacks(wc: WeComWorld) -> None:
    api, world, aibot = wc.party.api, wc.world, wc.party.aibot
    payload = aibot_text(REPORT, msgid="msg-dup-1", chatid=WECOM_OWNERS, userid="owner-zhang")

    good = aibot.aibot(payload)
    forged = SignedCallback({**good.params, "msg_signature": "0" * 40}, good.body)
    assert await post(world, AIBOT, forged) == 403
    foreign = aibot.raw_json(aibot.encrypt(json.dumps(payload), receive_id="wwOtherCorp"))
    assert await post(world, AIBOT, foreign) == 403
    stale = aibot.aibot(payload, timestamp=str(int(time.time()) - 3600))
    assert await post(world, AIBOT, stale) == 403
    truncated_body = good.body.replace(b'"}', b'AAAA"}')
    truncated = aibot.raw_json(json.loads(good.body)["encrypt"][:-8])  # signed, but cut short
    assert await post(world, AIBOT, truncated) == 400
    assert await post(world, AIBOT, SignedCallback(good.params, truncated_body)) == 403  # signature covers it
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>'
    assert await post(world, ROBOT, SignedCallback(good.params, bomb)) == 400
    for model in (MessageLog, ProcessedDelivery, Ticket):
        assert await world.count(model) == 0, model

    assert await post(world, AIBOT, good) == 200
    assert await post(world, AIBOT, aibot.aibot(payload)) == 200  # WeCom's retry: new nonce, same msgid
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: containing(api.sent(STEWARDS_KEY), ticket.number), what="the card")
    assert await world.count(MessageLog) == 1
    assert await world.count(ProcessedDelivery) == 1


async def test_a_retry_after_a_restart_is_dropped_by_the_router(wc: WeComWorld) -> None:
    """The callback's msgid memory is per process; the router's de-duplication is in the
    database, so a retry that reaches a restarted Steward is still handled once."""
    api, world, aibot = wc.party.api, wc.world, wc.party.aibot
    payload = aibot_text(REPORT, msgid="msg-restart-1", chatid=WECOM_OWNERS, userid="owner-zhang")
    assert await post(world, AIBOT, aibot.aibot(payload)) == 200
    [ticket] = await world.wait_for_tickets(1)
    await eventually(lambda: containing(api.sent(STEWARDS_KEY), ticket.number), what="the card")
    await world.stop()

    again = World(world.settings, world.app.engine, world.app.services.classifier)
    await again.start()
    try:
        assert await post(again, AIBOT, aibot.aibot(payload)) == 200

        async def settled() -> bool:
            return await again.count(ProcessedDelivery) == 1

        await until(settled)
        assert len(await again.tickets()) == 1
        assert await again.count(MessageLog) == 1
        assert len([r for r in api.sent(STEWARDS_KEY) if ticket.number in r.content]) == 1
    finally:
        await again.stop()
