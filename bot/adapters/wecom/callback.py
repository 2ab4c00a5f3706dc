"""aiohttp routes for WeCom's callbacks, mounted on the shared HTTP server.

One robot (one token + EncodingAESKey) is one `add_wecom_routes` call with its own prefix:

    GET  {prefix}/callback   URL verification: answer the decrypted `echostr` as text/plain
    POST {prefix}/callback   an encrypted message: `{"encrypt": …}` JSON from the intelligent
                             robot, `<xml><Encrypt>…</Encrypt></xml>` from the group robot

WeCom waits about five seconds and retries a callback three times. A message is first
stored (`accept`, the inbox): only then is it acknowledged, with an empty 200 as soon as its
handling finishes or `reply_timeout` has passed since the request came, whichever is first
(the handling keeps running; replies go out later through response_url or a webhook push).
A message that could not be stored is answered 500, and 503 while Steward is stopping, so
WeCom delivers it again. A msgid stored before is acknowledged without storing it again
(`seen` remembers only stored ones, so a retry of one that failed to store is not dropped;
the inbox's unique delivery key is the durable guard). Refusals never store anything and
never put a traceback in the body: 403 for forged signatures, stale timestamps and foreign
receive ids, 400 for malformed envelopes, ciphertexts or payloads.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from aiohttp import web

from bot.adapters.wecom.crypto import BadCiphertext, WeComCrypto, WeComCryptoError
from bot.adapters.wecom.messages import (
    WeComPayloadError,
    parse_aibot_callback,
    parse_group_robot_callback,
    parse_xml,
)
from bot.core.channel import Accept, Handle, IntakeClosed

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # a callback is a few KB; anything near this is not WeCom


class SeenMessageIds(Protocol):
    """De-duplication port: the msgids already stored (remembered once stored, never before)."""

    async def stored(self, msgid: str) -> bool: ...

    async def remember(self, msgid: str) -> None: ...


class MemorySeenMessageIds:
    """In-process de-dup for one server (tests, single-instance deployments).

    WeCom's retries come within seconds, so remembering the last `capacity` ids is enough;
    the inbox's unique delivery key (`Incoming.delivery_key`) stays the durable guard.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    async def stored(self, msgid: str) -> bool:
        if msgid in self._ids:
            self._ids.move_to_end(msgid)
            return True
        return False

    async def remember(self, msgid: str) -> None:
        self._ids[msgid] = None
        self._ids.move_to_end(msgid)
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)


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
    accept: Accept,
    seen: SeenMessageIds,
    reply_timeout: float = 4.0,
    robots: Sequence[str] = (),
) -> str:
    """Mount GET and POST `{path_prefix}/callback`; returns that path (the URL to give WeCom).
    `robots`: the robots' names, taken off what people wrote (`messages`)."""
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
        arrived = asyncio.get_running_loop().time()
        try:
            sig, ts, nonce = _signature_params(request)
            body = await _read_body(request)
            is_json, encrypt = _envelope(body)
            plain = _decrypt(crypto, sig, ts, nonce, encrypt)
            try:
                parse = parse_aibot_callback if is_json else parse_group_robot_callback
                incoming = parse(plain, robots=robots)
            except WeComPayloadError as exc:
                raise _Refused(400, f"bad payload: {exc}") from exc
        except _Refused as refused:
            return _refusal(request, refused)
        if incoming is None:
            return web.Response(status=200)
        msgid = incoming.message_id
        if await seen.stored(msgid):
            log.info("wecom duplicate msgid=%s ignored", msgid)
            return web.Response(status=200)
        log.info("wecom callback msgid=%s chat=%s kind=%s", msgid, incoming.chat_id, incoming.kind)
        try:
            handle = await accept(incoming)
        except IntakeClosed:
            log.info("wecom msgid=%s refused while stopping: WeCom delivers it again", msgid)
            return web.Response(status=503, text="unavailable")
        except Exception as exc:
            log.error("wecom msgid=%s not stored (%s): WeCom delivers it again", msgid, type(exc).__name__)
            return web.Response(status=500, text="retry later")
        await seen.remember(msgid)
        left = reply_timeout - (asyncio.get_running_loop().time() - arrived)
        await _handle_within(handle, msgid, left, pending)
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


async def _handle_within(
    handle: Handle, msgid: str, ack_after: float, pending: set[asyncio.Task[None]]
) -> None:
    """Run the stored message's handling; if it outlives `ack_after`, let it finish in the
    background and return."""
    task = asyncio.create_task(_guarded_handle(handle, msgid))
    pending.add(task)
    task.add_done_callback(pending.discard)
    done, _ = await asyncio.wait({task}, timeout=max(ack_after, 0.0))
    if not done:
        log.info("wecom handling of msgid=%s continues after the ack", msgid)


async def _guarded_handle(handle: Handle, msgid: str) -> None:
    # The message is stored: the inbox retries a failed handling, and reports it. This only
    # keeps an unexpected error from going unnoticed; WeCom is acknowledged either way.
    try:
        await handle()
    except Exception:
        log.exception("wecom handling of msgid=%s failed", msgid)


async def _finish_pending(app: web.Application) -> None:
    # Stored messages still being handled when the server stops: waited for a while, then
    # cancelled (rolled back; the inbox takes them again once their reservation runs out).
    pending = app[_PENDING_KEY]
    tasks = set(pending)
    if not tasks:
        return
    _, still_running = await asyncio.wait(tasks, timeout=10)
    for task in still_running:
        task.cancel()
    await asyncio.gather(*still_running, return_exceptions=True)
