"""A fake WeCom for tests: the robot endpoints over real HTTP, and a callback driver.

`FakeWeComAPI` listens on 127.0.0.1 (random port) and speaks the wire protocol of

    POST /cgi-bin/webhook/send?key=KEY           group-robot push
    POST /cgi-bin/aibot/response?response_code=  intelligent-robot reply (single use)

It records every request, answers HTTP 200 with `{"errcode": …, "errmsg": …}` like WeCom,
refuses unknown keys with 93000, and answers 45009 once a key has had `rate_limit` accepted
messages within the last `rate_window` seconds. Failures can be queued per key.

`WeComCallbackDriver` builds callbacks the way WeCom sends them (signature, timestamp, nonce,
encrypted envelope). It encrypts with wechatpy, an implementation independent of ours.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from wechatpy.enterprise.crypto import PrpCrypto
from wechatpy.utils import WeChatSigner

# Codes WeCom documents (global error codes): 45009 api freq out of limit, 93000 invalid
# webhook url, 40008 invalid message type. The others are this fake's stand-ins for refusals
# whose exact codes we could not confirm; tests only rely on them being non-zero.
ERR_TOO_FREQUENT = 45009
ERR_INVALID_WEBHOOK = 93000
ERR_INVALID_MSGTYPE = 40008
FAKE_ERR_CONTENT_TOO_LONG = 40058
FAKE_ERR_BAD_IMAGE = 40009
FAKE_ERR_RESPONSE_CODE_USED = 40099

TEXT_LIMIT = 2048
MARKDOWN_LIMIT = 4096
IMAGE_LIMIT = 2 * 1024 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    key: str  # webhook key, or the response_code for response_url requests
    body: Any  # parsed JSON (None if it was not JSON)
    raw: bytes
    received_at: float  # time.monotonic()
    errcode: int

    @property
    def accepted(self) -> bool:
        return self.errcode == 0

    @property
    def content(self) -> str:
        """text.content or markdown.content of the request ("" for other types)."""
        if not isinstance(self.body, dict):
            return ""
        part = self.body.get(self.body.get("msgtype", ""), {})
        return part.get("content", "") if isinstance(part, dict) else ""


@dataclass
class FakeWeComAPI:
    rate_limit: int = 20
    rate_window: float = 60.0
    valid_keys: set[str] | None = None  # None: every key is valid
    requests: list[RecordedRequest] = field(default_factory=list)
    _accepted_at: dict[str, deque[float]] = field(default_factory=dict)
    _queued: dict[str, deque[int]] = field(default_factory=dict)
    _response_codes: dict[str, bool] = field(default_factory=dict)  # code -> used
    _runner: web.AppRunner | None = None
    base_url: str = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/cgi-bin/webhook/send", self._webhook_send)
        app.router.add_post("/cgi-bin/aibot/response", self._aibot_response)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self.base_url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- test controls --------------------------------------------------------------------

    def fail_next(self, key: str, errcode: int, times: int = 1) -> None:
        """Answer the next `times` requests for `key` with `errcode` (before any other check)."""
        self._queued.setdefault(key, deque()).extend([errcode] * times)

    def new_response_url(self) -> str:
        code = secrets.token_urlsafe(16)
        self._response_codes[code] = False
        return f"{self.base_url}/cgi-bin/aibot/response?response_code={code}"

    def sent(self, key: str) -> list[RecordedRequest]:
        """Accepted webhook pushes for `key`, in arrival order."""
        return [r for r in self.requests if r.path.endswith("/webhook/send") and r.key == key and r.accepted]

    def responses(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/aibot/response")]

    # -- handlers -------------------------------------------------------------------------

    async def _webhook_send(self, request: web.Request) -> web.Response:
        key = request.query.get("key", "")
        raw = await request.read()
        body = _json_or_none(raw)
        errcode = self._webhook_errcode(key, body)
        if errcode == 0:
            self._accepted_at.setdefault(key, deque()).append(time.monotonic())
        return self._answer(request.path, key, body, raw, errcode)

    def _webhook_errcode(self, key: str, body: Any) -> int:
        queued = self._queued.get(key)
        if queued:
            return queued.popleft()
        if not key or (self.valid_keys is not None and key not in self.valid_keys):
            return ERR_INVALID_WEBHOOK
        content_error = _check_message(body)
        if content_error:
            return content_error
        window = self._accepted_at.setdefault(key, deque())
        now = time.monotonic()
        while window and window[0] <= now - self.rate_window:
            window.popleft()
        if len(window) >= self.rate_limit:
            return ERR_TOO_FREQUENT
        return 0

    async def _aibot_response(self, request: web.Request) -> web.Response:
        code = request.query.get("response_code", "")
        raw = await request.read()
        body = _json_or_none(raw)
        if code not in self._response_codes or self._response_codes[code]:
            errcode = FAKE_ERR_RESPONSE_CODE_USED
        elif not isinstance(body, dict) or body.get("msgtype") != "markdown":
            errcode = ERR_INVALID_MSGTYPE  # response_url takes markdown (or template cards)
        else:
            self._response_codes[code] = True
            errcode = 0
        return self._answer(request.path, code, body, raw, errcode)

    def _answer(self, path: str, key: str, body: Any, raw: bytes, errcode: int) -> web.Response:
        self.requests.append(RecordedRequest(path, key, body, raw, time.monotonic(), errcode))
        errmsg = "ok" if errcode == 0 else f"fake error {errcode}, hint: [{uuid.uuid4().hex}]"
        return web.json_response({"errcode": errcode, "errmsg": errmsg})


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _check_message(body: Any) -> int:
    if not isinstance(body, dict):
        return ERR_INVALID_MSGTYPE
    msgtype = body.get("msgtype")
    part = body.get(msgtype) if isinstance(msgtype, str) else None
    if msgtype not in ("text", "markdown", "image") or not isinstance(part, dict):
        return ERR_INVALID_MSGTYPE
    if msgtype in ("text", "markdown"):
        content = part.get("content")
        limit = TEXT_LIMIT if msgtype == "text" else MARKDOWN_LIMIT
        if not isinstance(content, str) or not content or len(content.encode("utf-8")) > limit:
            return FAKE_ERR_CONTENT_TOO_LONG
        return 0
    try:
        data = base64.b64decode(part.get("base64", ""), validate=True)
    except ValueError:
        return FAKE_ERR_BAD_IMAGE
    if not data or len(data) > IMAGE_LIMIT or hashlib.md5(data).hexdigest() != part.get("md5"):
        return FAKE_ERR_BAD_IMAGE
    return 0


# ---------------------------------------------------------------------------------------------
# Callback driver


@dataclass(frozen=True)
class SignedCallback:
    """What WeCom puts on the wire for one callback: query parameters and a body."""

    params: dict[str, str]
    body: bytes


class WeComCallbackDriver:
    """Encrypts and signs callbacks exactly as WeCom does (via wechatpy, not our code)."""

    def __init__(
        self,
        token: str,
        encoding_aes_key: str,
        receive_id: str = "",
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.token = token
        self.receive_id = receive_id
        self._prp = PrpCrypto(base64.b64decode(encoding_aes_key + "="))
        self._clock = clock

    def encrypt(self, plaintext: str, *, receive_id: str | None = None) -> str:
        rid = self.receive_id if receive_id is None else receive_id
        return str(self._prp.encrypt(plaintext, rid).decode("ascii"))

    def sign(self, timestamp: str, nonce: str, encrypt: str) -> str:
        signer = WeChatSigner()
        signer.add_data(self.token, timestamp, nonce, encrypt)
        return str(signer.signature)

    def query(
        self, encrypt: str, *, timestamp: str | None = None, nonce: str | None = None
    ) -> dict[str, str]:
        ts = timestamp if timestamp is not None else str(int(self._clock()))
        nc = nonce if nonce is not None else str(secrets.randbelow(10**10))
        return {"msg_signature": self.sign(ts, nc, encrypt), "timestamp": ts, "nonce": nc}

    def verify_url(self, echo: str = "echo-1234567890") -> tuple[dict[str, str], str]:
        """The URL-verification GET: (query, the echo text we must answer with)."""
        encrypt = self.encrypt(echo)
        params = self.query(encrypt)
        params["echostr"] = encrypt
        return params, echo

    def aibot(self, payload: dict[str, Any], **kw: Any) -> SignedCallback:
        """An intelligent-robot callback: JSON `{"encrypt": …}`."""
        return self.raw_json(self.encrypt(json.dumps(payload, ensure_ascii=False)), **kw)

    def raw_json(self, encrypt: str, **kw: Any) -> SignedCallback:
        return SignedCallback(self.query(encrypt, **kw), json.dumps({"encrypt": encrypt}).encode())

    def group_robot(self, xml: str, **kw: Any) -> SignedCallback:
        """A group-robot callback: `<xml><Encrypt>…</Encrypt></xml>`."""
        encrypt = self.encrypt(xml)
        body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID></AgentID></xml>"
        return SignedCallback(self.query(encrypt, **kw), body.encode())


def aibot_text(
    content: str,
    *,
    msgid: str | None = None,
    chatid: str = "wrGroup001",
    chattype: str = "group",
    userid: str = "zhangsan",
    response_url: str = "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC",
    quote: str | None = None,
) -> dict[str, Any]:
    """An intelligent-robot text message as documented (path/100719). `quote`: the text of
    the message it quotes (引用), which WeCom sends as `quote: {msgtype: text, text:
    {content}}`: its content, not its id."""
    payload: dict[str, Any] = {
        "msgid": msgid or uuid.uuid4().hex,
        "aibotid": "AIBOTID",
        "chattype": chattype,
        "from": {"userid": userid},
        "response_url": response_url,
        "msgtype": "text",
        "text": {"content": content},
    }
    if chattype == "group":
        payload["chatid"] = chatid
    if quote is not None:
        payload["quote"] = {"msgtype": "text", "text": {"content": quote}}
    return payload


def group_robot_text(
    content: str,
    *,
    msgid: str = "CIGABBCOgP3qBRiR4vm7goCAAyAY",
    chat_id: str = "wrkSFfCgAALFgnrSsWU38puiv4yvExuw",
    webhook_url: str = "http://in.qyapi.weixin.qq.com/cgi-bin/webhook/send?key=group-key-1",
    user_id: str = "zhangsan",
    name: str = "张三",
) -> str:
    """A group-robot text callback in WeCom's XML."""
    return (
        "<xml>"
        f"<WebhookUrl><![CDATA[{webhook_url}]]></WebhookUrl>"
        f"<ChatId><![CDATA[{chat_id}]]></ChatId>"
        "<ChatType>group</ChatType>"
        "<GetChatInfoUrl><![CDATA[https://qyapi.weixin.qq.com/cgi-bin/webhook/get_chat_info?code=X]]></GetChatInfoUrl>"
        f"<From><UserId>{user_id}</UserId><Name><![CDATA[{name}]]></Name><Alias><![CDATA[zs]]></Alias></From>"
        "<MsgType>text</MsgType>"
        f"<Text><Content><![CDATA[{content}]]></Content></Text>"
        f"<MsgId>{msgid}</MsgId>"
        "</xml>"
    )


def group_robot_event(
    event_type: str,
    *,
    msgid: str = "abcdabcdabcd",
    chat_id: str = "wrkSFfCgAALFgnrSsWU38puiv4yvExuw",
    webhook_url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=group-key-1",
) -> str:
    return (
        "<xml>"
        f"<WebhookUrl> <![CDATA[{webhook_url}]]></WebhookUrl>"
        f"<ChatId><![CDATA[{chat_id}]]></ChatId>"
        "<ChatType>group</ChatType>"
        "<From><UserId>zhangsan</UserId><Name><![CDATA[张三]]></Name></From>"
        "<MsgType>event</MsgType>"
        f"<Event><EventType><![CDATA[{event_type}]]></EventType></Event>"
        "<AppVersion><![CDATA[2.8.12.1551]]></AppVersion>"
        f"<MsgId>{msgid}</MsgId>"
        "</xml>"
    )


def aibot_image(
    url: str,
    *,
    msgid: str | None = None,
    chatid: str = "wrGroup001",
    userid: str = "zhangsan",
    response_url: str = "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC",
) -> dict[str, Any]:
    """An intelligent-robot image message as documented (path/100719): `image.url`, the
    picture's (encrypted) download address; the robot gets no media id."""
    return {
        "msgid": msgid or uuid.uuid4().hex,
        "aibotid": "AIBOTID",
        "chatid": chatid,
        "chattype": "group",
        "from": {"userid": userid},
        "response_url": response_url,
        "msgtype": "image",
        "image": {"url": url},
    }


def group_robot_image(
    image_url: str,
    *,
    media_id: str | None = None,
    msgid: str = "CIGABBCOgP3qBRiR4vm7goCAAyAZ",
    chat_id: str = "wrkSFfCgAALFgnrSsWU38puiv4yvExuw",
    webhook_url: str = "http://in.qyapi.weixin.qq.com/cgi-bin/webhook/send?key=group-key-1",
    user_id: str = "zhangsan",
) -> str:
    """A group-robot image callback in WeCom's XML: `<Image><ImageUrl>`, with a `<MediaId>`
    where the callback carries one (an application's messages do)."""
    media = f"<MediaId><![CDATA[{media_id}]]></MediaId>" if media_id else ""
    return (
        "<xml>"
        f"<WebhookUrl><![CDATA[{webhook_url}]]></WebhookUrl>"
        f"<ChatId><![CDATA[{chat_id}]]></ChatId>"
        "<ChatType>group</ChatType>"
        f"<From><UserId>{user_id}</UserId><Name><![CDATA[张三]]></Name><Alias><![CDATA[zs]]></Alias></From>"
        "<MsgType>image</MsgType>"
        f"<Image><ImageUrl><![CDATA[{image_url}]]></ImageUrl>{media}</Image>"
        f"<MsgId>{msgid}</MsgId>"
        "</xml>"
    )
