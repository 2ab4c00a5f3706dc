"""Decrypted WeCom callbacks -> `bot.events.Incoming`.

Two shapes arrive:

* the intelligent robot (智能机器人, API mode) posts JSON: `msgid`, `aibotid`, `chatid`,
  `chattype` (single/group), `from.userid`, `response_url`, `msgtype` (text, mixed, image,
  voice, file, stream, event) and a body named after the msgtype;
* the older group robot (群机器人) posts XML: `WebhookUrl`, `ChatId`, `ChatType`,
  `From/UserId|Name|Alias`, `MsgType` (text, image, mixed, event, attachment), `Text/Content`,
  `Event/EventType` (add_to_chat, delete_from_chat, enter_chat), `MsgId`.

Both only see messages that @-mention the robot (or direct chats), so every message is
`addressed` to Steward; the robots' mentions are taken off and what is left is what the user
said, read against the message they quote, if any (`bot.adapters.wecom.buttons.typed_back`:
"@物业管家 1" quoting a card is the card's first line). The intelligent robot gives the
quoted message's content (`quote`), not its id. A "/command" keeps its text for the router.
A parser returns None for callbacks that carry nothing to deliver (stream refreshes, feedback,
someone opening the direct chat) and raises `WeComPayloadError` for anything malformed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from bot.adapters.wecom.buttons import typed_back
from bot.adapters.wecom.fields import MAX_ID_LEN, WeComPayloadError, opt_str, req_id, req_obj, req_str, utcnow
from bot.core.events import ChatType, Incoming, MessageKind, Photo, Platform

# A robot mention is "@Name" followed by whitespace; WeCom clients put U+2005 after it.
__all__ = [
    "WeComPayloadError",
    "parse_aibot_callback",
    "parse_group_robot_callback",
    "parse_xml",
    "strip_robot_mention",
    "text_kind",
]

# A photo's URL longer than this is cut (an id, not a document).
URL_LIMIT = 2048

_LEADING_MENTION = re.compile(r"^\s*@\S+(?:\s+|$)")


def strip_robot_mention(text: str) -> str:
    """'@物业管家 /bind 1234' -> '/bind 1234'. Only the first, leading mention goes."""
    return _LEADING_MENTION.sub("", text, count=1).strip()


def text_kind(text: str) -> MessageKind:
    return MessageKind.COMMAND if text.startswith("/") else MessageKind.TEXT


# ---------------------------------------------------------------------------------------------
# Intelligent robot (JSON)


def parse_aibot_callback(
    plaintext: str, *, now: Callable[[], datetime] | None = None, robots: Sequence[str] = ()
) -> Incoming | None:
    """Parse one decrypted intelligent-robot callback; `robots`: the robots' names."""
    try:
        data = json.loads(plaintext)
    except (ValueError, RecursionError) as exc:
        raise WeComPayloadError("callback is not JSON") from exc
    if not isinstance(data, dict):
        raise WeComPayloadError("callback JSON is not an object")

    msgtype = req_str(data, "msgtype")
    if msgtype == "stream":
        return None  # WeCom polling for a streamed reply; we answer through response_url instead
    msgid = req_id(data, "msgid")
    sender = data.get("from")
    if not isinstance(sender, dict):
        raise WeComPayloadError("'from' must be an object")
    sender_id = req_id(sender, "userid")
    chattype = opt_str(data, "chattype")
    chatid = opt_str(data, "chatid")
    is_group = chattype == "group" or (chattype not in ("single", "group") and bool(chatid))
    if is_group and not chatid:
        raise WeComPayloadError("group callback without 'chatid'")
    chat_id = chatid if is_group else (chatid or sender_id)
    response_url = opt_str(data, "response_url") or None
    sent_at = _aibot_time(data, now)

    kind: MessageKind
    text = ""
    callback_data: str | None = None
    quoted = _aibot_quote(data.get("quote"))
    photos: tuple[Photo, ...] = ()
    if msgtype == "text":
        text = typed_back(req_str(req_obj(data, "text"), "content"), quoted, robots)
        kind = text_kind(text)
    elif msgtype == "mixed":
        text, has_image = _aibot_mixed(req_obj(data, "mixed"))
        photos = _aibot_images(req_obj(data, "mixed"))
        text = typed_back(text, quoted, robots)
        kind = text_kind(text) if text else (MessageKind.PHOTO if has_image else MessageKind.OTHER_MEDIA)
    elif msgtype == "image":
        kind = MessageKind.PHOTO
        photos = _aibot_image(data.get("image"))
    elif msgtype == "voice":
        # WeCom transcribes voice for the robot; keep the transcript, but it is still a voice note.
        voice = data.get("voice")
        text = opt_str(voice, "content") if isinstance(voice, dict) else ""
        kind = MessageKind.VOICE
    elif msgtype in ("file", "video"):
        kind = MessageKind.OTHER_MEDIA
    elif msgtype == "event":
        event = req_obj(data, "event")
        eventtype = req_str(event, "eventtype")
        if eventtype != "template_card_event":
            return None  # enter_chat, feedback_event, ...: nothing for the router
        card = event.get("template_card_event")
        key = opt_str(card, "event_key") if isinstance(card, dict) else ""
        if not key:
            raise WeComPayloadError("template_card_event without 'event_key'")
        kind, callback_data = MessageKind.CALLBACK, key
    else:
        kind = MessageKind.OTHER_MEDIA

    return Incoming(
        platform=Platform.WECOM.value,
        chat_id=chat_id,
        sender_id=sender_id,
        text=text,
        message_id=msgid,
        sent_at=sent_at,
        chat_type=ChatType.GROUP if is_group else ChatType.PRIVATE,
        kind=kind,
        callback_data=callback_data,
        reply_hint=response_url,
        addressed=True,
        photos=photos,
    )


def _aibot_image(image: Any) -> tuple[Photo, ...]:
    """An intelligent robot's image: its `url` (the robot gets no media id)."""
    url = opt_str(image, "url")[:URL_LIMIT] if isinstance(image, dict) else ""
    return (Photo(url, url=url),) if url else ()


def _aibot_images(mixed: dict[str, Any]) -> tuple[Photo, ...]:
    items = mixed.get("msg_item")
    found: list[Photo] = []
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get("msgtype") == "image":
            found.extend(_aibot_image(item.get("image")))
    return tuple(found)


def _aibot_quote(quote: Any) -> str:
    """The text of the message a callback quotes ("" if none, or not text): WeCom gives the
    quoted message's content (text, or the text items of a mixed message), not its id."""
    if not isinstance(quote, dict):
        return ""
    try:
        if quote.get("msgtype") == "text":
            return req_str(req_obj(quote, "text"), "content")
        if quote.get("msgtype") == "mixed":
            return _aibot_mixed(req_obj(quote, "mixed"))[0]
    except WeComPayloadError:
        return ""  # a quote we cannot read is no reason to refuse the message
    return ""


def _aibot_mixed(mixed: dict[str, Any]) -> tuple[str, bool]:
    items = mixed.get("msg_item")
    if not isinstance(items, list):
        raise WeComPayloadError("'mixed.msg_item' must be a list")
    texts: list[str] = []
    has_image = False
    for item in items:
        if not isinstance(item, dict):
            raise WeComPayloadError("'mixed.msg_item' entries must be objects")
        if item.get("msgtype") == "text":
            texts.append(req_str(req_obj(item, "text"), "content"))
        elif item.get("msgtype") == "image":
            has_image = True
    return "\n".join(t for t in texts if t), has_image


def _aibot_time(data: dict[str, Any], now: Callable[[], datetime] | None) -> datetime:
    # Message callbacks carry no time; events carry `create_time` (unix seconds).
    created = data.get("create_time")
    if isinstance(created, int) and not isinstance(created, bool) and 0 < created < 2**40:
        return datetime.fromtimestamp(created, UTC)
    return (now or utcnow)()


# ---------------------------------------------------------------------------------------------
# Group robot (XML)


def parse_xml(document: str) -> Element:
    """Parse untrusted XML: no DTDs, no entities, no external references."""
    try:
        root = SafeET.fromstring(document, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise WeComPayloadError(f"XML refused: {type(exc).__name__}") from exc
    except (ParseError, ValueError, RecursionError) as exc:
        raise WeComPayloadError("not well-formed XML") from exc
    if not isinstance(root, Element):  # pragma: no cover - defusedxml always returns an Element
        raise WeComPayloadError("not an XML element")
    return root


def parse_group_robot_callback(
    plaintext: str, *, now: Callable[[], datetime] | None = None, robots: Sequence[str] = ()
) -> Incoming | None:
    """Parse one decrypted group-robot callback (`<xml>…</xml>`); `robots`: the robots' names."""
    root = parse_xml(plaintext)
    if root.tag != "xml":
        raise WeComPayloadError("root element must be <xml>")
    msgtype = _xml_text(root, "MsgType")
    if not msgtype:
        raise WeComPayloadError("missing <MsgType>")
    msgid = _xml_text(root, "MsgId")
    chat_id = _xml_text(root, "ChatId")
    sender_id = _xml_text(root, "From/UserId")
    for name, value in (("MsgId", msgid), ("ChatId", chat_id), ("From/UserId", sender_id)):
        if not value:
            raise WeComPayloadError(f"missing <{name}>")
        if len(value) > MAX_ID_LEN:
            raise WeComPayloadError(f"<{name}> is too long")
    chat_type = ChatType.PRIVATE if _xml_text(root, "ChatType") == "single" else ChatType.GROUP
    webhook_url = _xml_text(root, "WebhookUrl") or None

    kind: MessageKind
    text = ""
    callback_data: str | None = None
    photos: tuple[Photo, ...] = ()
    if msgtype == "text":
        text = typed_back(_xml_text(root, "Text/Content"), "", robots)
        kind = text_kind(text)
    elif msgtype == "mixed":
        # The wrapper element names of mixed items are not pinned down in WeCom's docs, so
        # collect every <Content> and look for any image element, wherever they are nested.
        parts = [(el.text or "").strip() for el in root.iter("Content")]
        text = typed_back("\n".join(p for p in parts if p), "", robots)
        has_image = any(True for _ in root.iter("ImageUrl")) or any(True for _ in root.iter("Image"))
        photos = _xml_images(root)
        kind = text_kind(text) if text else (MessageKind.PHOTO if has_image else MessageKind.OTHER_MEDIA)
    elif msgtype == "image":
        kind = MessageKind.PHOTO
        photos = _xml_images(root)
    elif msgtype == "event":
        event_type = _xml_text(root, "Event/EventType")
        if event_type == "add_to_chat":
            kind = MessageKind.BOT_ADDED
        elif event_type == "delete_from_chat":
            kind = MessageKind.BOT_REMOVED
        elif event_type:
            return None  # enter_chat and future events: nothing for the router
        else:
            raise WeComPayloadError("event without <Event><EventType>")
    elif msgtype == "attachment":
        value = _xml_text(root, "Attachment/Actions/Value")
        if not value:
            raise WeComPayloadError("attachment without <Actions><Value>")
        kind, callback_data = MessageKind.CALLBACK, value
    else:
        kind = MessageKind.OTHER_MEDIA

    return Incoming(
        platform=Platform.WECOM.value,
        chat_id=chat_id,
        sender_id=sender_id,
        text=text,
        message_id=msgid,
        sent_at=(now or utcnow)(),
        sender_name=_xml_text(root, "From/Name"),
        chat_type=chat_type,
        kind=kind,
        callback_data=callback_data,
        reply_hint=webhook_url,
        addressed=True,
        photos=photos,
    )


def _xml_images(root: Element) -> tuple[Photo, ...]:
    """The images of a group-robot callback: each `<Image>` (or the message itself) with its
    `<MediaId>` and `<PicUrl>` / `<ImageUrl>`, wherever WeCom nests them."""
    found: list[Photo] = []
    holders = list(root.iter("Image")) or [root]
    for holder in holders:
        media_id = _first(holder, "MediaId")
        url = _first(holder, "PicUrl") or _first(holder, "ImageUrl")
        if media_id or url:
            found.append(Photo(media_id or url, url=url))
    return tuple(found)


def _first(root: Element, tag: str) -> str:
    for el in root.iter(tag):
        if el.text and el.text.strip():
            return el.text.strip()[:URL_LIMIT]
    return ""


def _xml_text(root: Element, path: str) -> str:
    el = root.find(path)
    return (el.text or "").strip() if el is not None else ""
