"""aiohttp routes for WeCom's callbacks, mounted on the shared HTTP server.

One robot (one token + EncodingAESKey) is one `add_wecom_routes` call with its own prefix:

    GET  {prefix}/callback   URL verification: answer the decrypted `echostr` as text/plain
    POST {prefix}/callback   an encrypted message: `{"encrypt": …}` JSON from the intelligent
                             robot, `<xml><Encrypt>…</Encrypt></xml>` from the group robot

WeCom waits about five seconds and retries a callback three times, so a POST is acknowledged
with an empty 200 as soon as delivery finishes or `reply_timeout` passes, whichever is first
(delivery keeps running; replies go out later through response_url or a webhook push), and
message ids are de-duplicated before delivery. Refusals never deliver anything and never put
a traceback in the body: 403 for forged signatures, stale timestamps and foreign receive ids,
400 for malformed envelopes, ciphertexts or payloads.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from typing import Protocol

from aiohttp import web

from bot.adapters.wecom.crypto import BadCiphertext, WeComCrypto, WeComCryptoError
from bot.adapters.wecom.messages import (
    WeComPayloadError,
    parse_aibot_callback,
    parse_group_robot_callback,
    parse_xml,
)
from bot.core.channel import Deliver
from bot.core.events import Incoming

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # a callback is a few KB; anything near this is not WeCom


class SeenMessageIds(Protocol):
    """De-duplication port: True the first time a msgid is seen, False on every repeat."""

    async def is_new(self, msgid: str) -> bool: ...


class MemorySeenMessageIds:
    """In-process de-dup for one server (tests, single-instance deployments).

    WeCom's retries come within seconds, so remembering the last `capacity` ids is enough;
    the router's own duplicate check (by `Incoming.delivery_key`) stays the durable guard.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    async def is_new(self, msgid: str) -> bool:
        if msgid in self._ids:
            self._ids.move_to_end(msgid)
            return False
        self._ids[msgid] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


_PENDING_KEY: web.AppKey[set[asyncio.Task[None]]] = web.AppKey("wecom_pending_deliveries")


def add_wecom_routes(
    app: web.Application,
    *,
    path_prefix: str,
    crypto: WeComCrypto,
    deliver: Deliver,
    seen: SeenMessageIds,
    reply_timeout: float = 4.0,
) -> str:
    """Mount GET and POST `{path_prefix}/callback`; returns that path (the URL to give WeCom)."""
    path = path_prefix.rstrip("/") + "/callback"
    if _PENDING_KEY not in app:
        app[_PENDING_KEY] = set()
        app.on_cleanup.append(_finish_pending)
    pending = app[_PENDING_KEY]

    async def verify_url(request: web.Request) -> web.StreamResponse:
        try:
            sig, ts, nonce = _signature_params(request)
            # aiohttp decodes '+' in a query string as a space; base64 never contains spaces.
            echostr = request.query.get("echostr", "").replace(" ", "+")
            if not echostr:
                raise _Refused(400, "missing echostr")
            plain = _decrypt(crypto, sig, ts, nonce, echostr)
        except _Refused as refused:
            return _refusal(request, refused)
        log.info("wecom URL verification passed on %s", path)
        return web.Response(text=plain, content_type="text/plain")

    async def receive(request: web.Request) -> web.StreamResponse:
        try:
            sig, ts, nonce = _signature_params(request)
            body = await _read_body(request)
            is_json, encrypt = _envelope(body)
            plain = _decrypt(crypto, sig, ts, nonce, encrypt)
            try:
                incoming = parse_aibot_callback(plain) if is_json else parse_group_robot_callback(plain)
            except WeComPayloadError as exc:
                raise _Refused(400, f"bad payload: {exc}") from exc
        except _Refused as refused:
            return _refusal(request, refused)
        if incoming is None:
            return web.Response(status=200)
        if not await seen.is_new(incoming.message_id):
            log.info("wecom duplicate msgid=%s ignored", incoming.message_id)
            return web.Response(status=200)
        log.info(
            "wecom callback msgid=%s chat=%s kind=%s", incoming.message_id, incoming.chat_id, incoming.kind
        )
        await _deliver_within(deliver, incoming, reply_timeout, pending)
        return web.Response(status=200)

    app.router.add_get(path, verify_url)
    app.router.add_post(path, receive)
    return path


def _signature_params(request: web.Request) -> tuple[str, str, str]:
    q = request.query
    sig, ts, nonce = q.get("msg_signature", ""), q.get("timestamp", ""), q.get("nonce", "")
    if not (sig and ts and nonce):
        raise _Refused(400, "missing msg_signature, timestamp or nonce")
    return sig, ts, nonce


async def _read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise _Refused(413, "body too large")
    chunks: list[bytes] = []
    total = 0
    try:
        while chunk := await request.content.read(64 * 1024):
            total += len(chunk)
            if total > MAX_BODY_BYTES:
                raise _Refused(413, "body too large")
            chunks.append(chunk)
    except (ValueError, ConnectionError) as exc:  # pragma: no cover - transport failures
        raise _Refused(400, "unreadable body") from exc
    return b"".join(chunks)


def _envelope(body: bytes) -> tuple[bool, str]:
    """(is_json, encrypt) from `{"encrypt": …}` or `<xml><Encrypt>…</Encrypt></xml>`."""
    try:
        text = body.decode("utf-8").strip()
    except UnicodeDecodeError as exc:
        raise _Refused(400, "body is not UTF-8") from exc
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise _Refused(400, "body is not JSON") from exc
        encrypt = data.get("encrypt") if isinstance(data, dict) else None
        if not isinstance(encrypt, str) or not encrypt:
            raise _Refused(400, "JSON body without 'encrypt'")
        return True, encrypt
    if text.startswith("<"):
        try:
            root = parse_xml(text)
        except WeComPayloadError as exc:
            raise _Refused(400, f"bad XML body: {exc}") from exc
        el = root.find("Encrypt")
        encrypt_xml = (el.text or "").strip() if el is not None else ""
        if not encrypt_xml:
            raise _Refused(400, "XML body without <Encrypt>")
        return False, encrypt_xml
    raise _Refused(400, "body is neither JSON nor XML")


def _decrypt(crypto: WeComCrypto, sig: str, ts: str, nonce: str, encrypt: str) -> str:
    try:
        return crypto.verify_and_decrypt(sig, ts, nonce, encrypt)
    except BadCiphertext as exc:
        raise _Refused(400, f"{type(exc).__name__}: {exc}") from exc
    except WeComCryptoError as exc:  # BadSignature, StaleTimestamp, WrongReceiveId
        raise _Refused(403, f"{type(exc).__name__}: {exc}") from exc


def _refusal(request: web.Request, refused: _Refused) -> web.Response:
    log.warning(
        "wecom callback refused %s %s from %s: %s",
        request.method,
        request.path,
        request.remote,
        refused.reason,
    )
    text = {400: "bad request", 403: "forbidden", 413: "payload too large"}.get(refused.status, "refused")
    return web.Response(status=refused.status, text=text)


async def _deliver_within(
    deliver: Deliver, incoming: Incoming, ack_after: float, pending: set[asyncio.Task[None]]
) -> None:
    """Run delivery; if it outlives `ack_after`, let it finish in the background and return."""
    task = asyncio.create_task(_guarded_deliver(deliver, incoming))
    pending.add(task)
    task.add_done_callback(pending.discard)
    done, _ = await asyncio.wait({task}, timeout=ack_after)
    if not done:
        log.info("wecom delivery of msgid=%s continues after the ack", incoming.message_id)


async def _guarded_deliver(deliver: Deliver, incoming: Incoming) -> None:
    # The router reports its own errors; this only keeps a crash from going unnoticed. WeCom is
    # acknowledged either way: a retry would be dropped as a duplicate, so a 500 helps nobody.
    try:
        await deliver(incoming)
    except Exception:
        log.exception("wecom delivery of msgid=%s failed", incoming.message_id)


async def _finish_pending(app: web.Application) -> None:
    pending = app[_PENDING_KEY]
    tasks = set(pending)
    if not tasks:
        return
    _, still_running = await asyncio.wait(tasks, timeout=10)
    for task in still_running:
        task.cancel()
    await asyncio.gather(*still_running, return_exceptions=True)
