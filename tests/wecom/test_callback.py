"""The callback routes over real HTTP (aiohttp's test server), driven like WeCom drives them."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.adapters.wecom.callback import MemorySeenMessageIds, add_wecom_routes
from bot.adapters.wecom.crypto import WeComCrypto
from bot.core.channel import Handle, IntakeClosed
from bot.core.events import Incoming, MessageKind
from tests.fakes.wecom_api import (
    SignedCallback,
    WeComCallbackDriver,
    aibot_text,
    group_robot_event,
    group_robot_text,
)
from tests.wecom.conftest import AES_KEY, TOKEN

PATH = "/wecom/aibot/callback"


@dataclass
class Recorder:
    """The app's `accept`, recorded: `stored` when the store phase succeeded, `delivered` when
    the handling finished. `fail_store` is a store that raises (the database is down),
    `closed` an inbox that is closed (Steward stopping)."""

    stored: list[Incoming] = field(default_factory=list)
    delivered: list[Incoming] = field(default_factory=list)
    delay: float = 0.0
    fail_store: bool = False
    fail_handle: bool = False
    closed: bool = False

    async def __call__(self, incoming: Incoming) -> Handle:
        if self.closed:
            raise IntakeClosed("stopping")
        if self.fail_store:
            raise RuntimeError("database down")
        self.stored.append(incoming)

        async def handle() -> None:
            if self.delay:
                await asyncio.sleep(self.delay)
            if self.fail_handle:
                raise RuntimeError("router exploded")
            self.delivered.append(incoming)

        return handle


@dataclass
class Harness:
    client: TestClient[web.Request, web.Application]
    recorder: Recorder
    driver: WeComCallbackDriver

    async def post(self, cb: SignedCallback) -> tuple[int, str]:
        async with self.client.post(PATH, params=cb.params, data=cb.body) as resp:
            return resp.status, await resp.text()


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    recorder = Recorder()
    app = web.Application()
    crypto = WeComCrypto(TOKEN, AES_KEY, "")
    path = add_wecom_routes(
        app,
        path_prefix="/wecom/aibot/",
        crypto=crypto,
        accept=recorder,
        seen=MemorySeenMessageIds(),
        reply_timeout=0.2,
    )
    assert path == PATH
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Harness(client, recorder, WeComCallbackDriver(TOKEN, AES_KEY, ""))
    finally:
        await client.close()


def no_traceback(body: str) -> None:
    assert "Traceback" not in body
    assert "Error" not in body


# -- URL verification -------------------------------------------------------------------------


async def test_url_verification_returns_plain_echo(harness: Harness) -> None:
    params, echo = harness.driver.verify_url("5927782489442352469")
    async with harness.client.get(PATH, params=params) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        assert await resp.read() == echo.encode()  # no quotes, no BOM, no newline


async def test_url_verification_survives_unencoded_plus(harness: Harness) -> None:
    # Find an echostr whose base64 has a '+', then send it unescaped: it arrives as a space.
    for i in range(200):
        params, echo = harness.driver.verify_url(f"echo-{i}")
        if "+" in params["echostr"]:
            break
    else:  # pragma: no cover - 200 tries without a '+' is astronomically unlikely
        pytest.fail("no '+' in any echostr")
    query = "&".join(f"{k}={v}" for k, v in params.items())
    async with harness.client.get(f"{PATH}?{query}") as resp:
        assert resp.status == 200
        assert await resp.text() == echo


async def test_url_verification_forged_signature_is_403(harness: Harness) -> None:
    params, _ = harness.driver.verify_url()
    params["msg_signature"] = "0" * 40
    async with harness.client.get(PATH, params=params) as resp:
        assert resp.status == 403
        no_traceback(await resp.text())


async def test_url_verification_missing_params_is_400(harness: Harness) -> None:
    async with harness.client.get(PATH) as resp:
        assert resp.status == 400


# -- intelligent robot messages ---------------------------------------------------------------


async def test_aibot_message_is_delivered(harness: Harness) -> None:
    cb = harness.driver.aibot(aibot_text("@物业管家 3栋电梯坏了", msgid="m-1"))
    status, body = await harness.post(cb)
    assert (status, body) == (200, "")
    [incoming] = harness.recorder.delivered
    assert (incoming.message_id, incoming.text, incoming.kind) == ("m-1", "3栋电梯坏了", MessageKind.TEXT)
    assert incoming.reply_hint is not None
    assert "response_code" in incoming.reply_hint


async def test_duplicate_msgid_delivered_once(harness: Harness) -> None:
    payload = aibot_text("@物业管家 /my", msgid="dup-1")
    for _ in range(4):  # WeCom's first try and three retries, each freshly signed
        assert (await harness.post(harness.driver.aibot(payload)))[0] == 200
    assert [m.message_id for m in harness.recorder.delivered] == ["dup-1"]


async def test_stream_refresh_acknowledged_not_delivered(harness: Harness) -> None:
    payload = {"msgid": "s", "aibotid": "A", "chattype": "single", "from": {"userid": "u"}}
    status, _ = await harness.post(
        harness.driver.aibot(payload | {"msgtype": "stream", "stream": {"id": "x"}})
    )
    assert status == 200
    assert harness.recorder.delivered == []


async def test_slow_delivery_is_acknowledged_in_time_and_still_completes(harness: Harness) -> None:
    harness.recorder.delay = 0.6
    started = time.monotonic()
    status, _ = await harness.post(harness.driver.aibot(aibot_text("慢", msgid="slow")))
    assert status == 200
    assert time.monotonic() - started < 0.5  # acked after reply_timeout (0.2 s), not after 0.6 s
    assert harness.recorder.delivered == []
    await asyncio.sleep(0.6)
    assert [m.message_id for m in harness.recorder.delivered] == ["slow"]


async def test_a_failing_handling_is_still_acknowledged_without_traceback(harness: Harness) -> None:
    """Once stored, the message is the inbox's to retry: WeCom is acknowledged."""
    harness.recorder.fail_handle = True
    status, body = await harness.post(harness.driver.aibot(aibot_text("x", msgid="boom")))
    assert (status, body) == (200, "")
    assert [m.message_id for m in harness.recorder.stored] == ["boom"]


async def test_a_message_that_could_not_be_stored_is_500_and_its_retry_is_stored(harness: Harness) -> None:
    harness.recorder.fail_store = True
    payload = aibot_text("@物业管家 3栋电梯坏了", msgid="down-1")
    status, body = await harness.post(harness.driver.aibot(payload))
    assert status == 500
    no_traceback(body)
    assert harness.recorder.stored == []

    harness.recorder.fail_store = False  # the database is back; WeCom's retry, freshly signed
    assert (await harness.post(harness.driver.aibot(payload)))[0] == 200
    assert (await harness.post(harness.driver.aibot(payload)))[0] == 200  # and a late third try
    assert [m.message_id for m in harness.recorder.stored] == ["down-1"]
    assert [m.message_id for m in harness.recorder.delivered] == ["down-1"]


async def test_while_stopping_a_message_is_503_and_nothing_is_stored(harness: Harness) -> None:
    harness.recorder.closed = True
    status, body = await harness.post(harness.driver.aibot(aibot_text("x", msgid="late")))
    assert status == 503
    no_traceback(body)
    assert harness.recorder.stored == []
    harness.recorder.closed = False  # the next run: WeCom's retry is taken
    assert (await harness.post(harness.driver.aibot(aibot_text("x", msgid="late"))))[0] == 200
    assert [m.message_id for m in harness.recorder.stored] == ["late"]


# -- refusals: nothing delivered ------------------------------------------------------------


async def refused(harness: Harness, cb: SignedCallback, status: int) -> None:
    got, body = await harness.post(cb)
    assert got == status
    no_traceback(body)
    assert harness.recorder.delivered == []


async def test_forged_signature_is_403(harness: Harness) -> None:
    cb = harness.driver.aibot(aibot_text("x"))
    await refused(harness, SignedCallback(cb.params | {"msg_signature": "f" * 40}, cb.body), 403)


async def test_body_swapped_under_a_valid_signature_is_403(harness: Harness) -> None:
    a = harness.driver.aibot(aibot_text("真的"))
    b = harness.driver.aibot(aibot_text("伪造"))
    await refused(harness, SignedCallback(a.params, b.body), 403)


async def test_stale_timestamp_is_403(harness: Harness) -> None:
    cb = harness.driver.aibot(aibot_text("replay"), timestamp=str(int(time.time()) - 3600))
    await refused(harness, cb, 403)


async def test_wrong_receive_id_is_403(harness: Harness) -> None:
    encrypt = harness.driver.encrypt('{"msgid":"x"}', receive_id="ww-other-corp")
    await refused(harness, harness.driver.raw_json(encrypt), 403)


@pytest.mark.parametrize(
    "encrypt",
    [
        "%%% not base64 %%%",
        "QUJD",
        base64.b64encode(b"\x00" * 40).decode(),
    ],
)
async def test_bad_ciphertext_is_400(harness: Harness, encrypt: str) -> None:
    await refused(harness, harness.driver.raw_json(encrypt), 400)


async def test_truncated_ciphertext_is_400(harness: Harness) -> None:
    full = harness.driver.encrypt('{"msgid":"x"}')
    truncated = base64.b64encode(base64.b64decode(full)[:32]).decode()
    await refused(harness, harness.driver.raw_json(truncated), 400)


async def test_bad_padding_is_400(harness: Harness) -> None:
    key = base64.b64decode(AES_KEY + "=")
    body = b"0123456789abcdef" + (4).to_bytes(4, "big") + b"{}{}" + b"\x07" * 7 + b"\x09"
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    encrypt = base64.b64encode(enc.update(body) + enc.finalize()).decode()
    await refused(harness, harness.driver.raw_json(encrypt), 400)


async def test_valid_crypto_but_malformed_payload_is_400(harness: Harness) -> None:
    await refused(harness, harness.driver.raw_json(harness.driver.encrypt('{"msgtype": "text"}')), 400)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"plain words",
        b"{not json",
        b'{"encrypt": 5}',
        b"[1, 2]",
        b"\xff\xfe",
        b"<xml><NoEncrypt/></xml>",
    ],
)
async def test_bad_envelope_is_400(harness: Harness, body: bytes) -> None:
    params = harness.driver.query("whatever")
    await refused(harness, SignedCallback(params, body), 400)


async def test_missing_query_params_is_400(harness: Harness) -> None:
    cb = harness.driver.aibot(aibot_text("x"))
    await refused(harness, SignedCallback({}, cb.body), 400)


async def test_oversized_body_is_413(harness: Harness) -> None:
    params = harness.driver.query("x")
    await refused(harness, SignedCallback(params, b"{" + b" " * 300_000 + b"}"), 413)


XML_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>'
)


async def test_xml_bomb_envelope_is_400(harness: Harness) -> None:
    body = (XML_BOMB + "<xml><Encrypt>&lol4;</Encrypt></xml>").encode()
    await refused(harness, SignedCallback(harness.driver.query("x"), body), 400)


async def test_xml_bomb_inside_a_validly_encrypted_callback_is_400(harness: Harness) -> None:
    cb = harness.driver.group_robot(
        XML_BOMB + "<xml><MsgType>text</MsgType><Text><Content>&lol4;</Content></Text></xml>"
    )
    await refused(harness, cb, 400)


# -- group robot (XML) ------------------------------------------------------------------------


async def test_group_robot_message_and_events_are_delivered(harness: Harness) -> None:
    assert (await harness.post(harness.driver.group_robot(group_robot_event("add_to_chat", msgid="ev1"))))[
        0
    ] == 200
    assert (
        await harness.post(harness.driver.group_robot(group_robot_text("@物业管家 /bind 884213", msgid="t1")))
    )[0] == 200
    assert (await harness.post(harness.driver.group_robot(group_robot_event("enter_chat", msgid="ev2"))))[
        0
    ] == 200
    kinds = [(m.message_id, m.kind) for m in harness.recorder.delivered]
    assert kinds == [("ev1", MessageKind.BOT_ADDED), ("t1", MessageKind.COMMAND)]
    assert harness.recorder.delivered[1].command == ("bind", ["884213"])
    assert harness.recorder.delivered[1].reply_hint is not None
    assert "key=group-key-1" in harness.recorder.delivered[1].reply_hint


async def test_two_robots_on_one_server() -> None:
    """Each robot has its own token/key and prefix; one's callbacks are refused by the other."""
    first, second = Recorder(), Recorder()
    app = web.Application()
    other_key = "B" * 43
    add_wecom_routes(
        app,
        path_prefix="/wecom/a",
        crypto=WeComCrypto(TOKEN, AES_KEY, ""),
        accept=first,
        seen=MemorySeenMessageIds(),
    )
    add_wecom_routes(
        app,
        path_prefix="/wecom/b",
        crypto=WeComCrypto("OtherToken", other_key, ""),
        accept=second,
        seen=MemorySeenMessageIds(),
    )
    async with TestClient(TestServer(app)) as client:
        cb = WeComCallbackDriver(TOKEN, AES_KEY).aibot(aibot_text("x", msgid="a1"))
        async with client.post("/wecom/b/callback", params=cb.params, data=cb.body) as resp:
            assert resp.status == 403
        async with client.post("/wecom/a/callback", params=cb.params, data=cb.body) as resp:
            assert resp.status == 200
        cb2 = WeComCallbackDriver("OtherToken", other_key).aibot(aibot_text("y", msgid="b1"))
        async with client.post("/wecom/b/callback", params=cb2.params, data=cb2.body) as resp:
            assert resp.status == 200
    assert [m.message_id for m in first.delivered] == ["a1"]
    assert [m.message_id for m in second.delivered] == ["b1"]


async def test_memory_seen_forgets_oldest_beyond_capacity() -> None:
    seen = MemorySeenMessageIds(capacity=2)
    found = []
    for msgid in ("a", "b", "a", "c", "b", "a"):
        found.append(await seen.stored(msgid))
        await seen.remember(msgid)
    assert found == [False, False, True, False, False, False]  # "a" was pushed out by "c" and "b"
    assert not await seen.stored("never-remembered")


async def test_server_shutdown_waits_for_deliveries_still_running() -> None:
    recorder = Recorder(delay=0.4)
    app = web.Application()
    add_wecom_routes(
        app,
        path_prefix="/w",
        crypto=WeComCrypto(TOKEN, AES_KEY, ""),
        accept=recorder,
        seen=MemorySeenMessageIds(),
        reply_timeout=0.05,
    )
    cb = WeComCallbackDriver(TOKEN, AES_KEY).aibot(aibot_text("x", msgid="late"))
    async with TestClient(TestServer(app)) as client:
        async with client.post("/w/callback", params=cb.params, data=cb.body) as resp:
            assert resp.status == 200
        assert recorder.delivered == []
    assert [m.message_id for m in recorder.delivered] == ["late"]
