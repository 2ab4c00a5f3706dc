"""Chat-archive (会话内容存档) records -> `Incoming`.

Robots only see @-mentions; every other group message reaches us through the archive, which
the company pulls with WeCom's archive SDK (GetChatData + DecryptData) and writes as one
decrypted JSON record per line:

    {"msgid": "…", "action": "send", "from": "zhangsan", "tolist": ["lisi"],
     "roomid": "wrXXXX", "msgtime": 1715000000123, "msgtype": "text",
     "text": {"content": "3栋电梯又坏了"}}

`action` is send, recall (withdrawn: `msgtype` revoke) or switch (an account switched
devices, no message). Group messages have a `roomid`; direct messages have an empty one and
get the chat id "single:<a>|<b>" (the two user ids, sorted) so both directions share a chat.

A `mixed` record (text and pictures in one message) keeps its text: its `item`s each have a
`type` and a `content`, which for text is itself JSON (`{"content": "…"}`) in WeCom's export
(an object, or the plain text, are read as well). A mixed record with text is TEXT (as a
photo with a caption is elsewhere); without, a PHOTO if it has a picture.

Records are faithful: a text starting with "/" is a COMMAND like anywhere else. The importer
should not execute commands replayed from the archive (they were answered live, if at all).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.adapters.wecom.fields import WeComPayloadError, clean, opt_str, req_id, req_obj, req_str
from bot.adapters.wecom.messages import text_kind
from bot.core.events import ChatType, Incoming, MessageKind, Photo, Platform

_KINDS = {
    "image": MessageKind.PHOTO,
    "voice": MessageKind.VOICE,
    "emotion": MessageKind.STICKER,
}
_MAX_MSGTIME_MS = 2**46  # year ~4200; anything above is garbage, not a timestamp


def parse_archive_line(line: str) -> Incoming | None:
    """One archive record; None for recall/switch records; `WeComPayloadError` if malformed."""
    if not line.strip():
        raise WeComPayloadError("empty line")
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        raise WeComPayloadError("not JSON") from exc
    if not isinstance(data, dict):
        raise WeComPayloadError("record is not a JSON object")

    action = req_str(data, "action")
    if action in ("recall", "switch"):
        return None
    if action != "send":
        raise WeComPayloadError(f"unknown action {action[:32]!r}")

    msgid = req_id(data, "msgid")
    if not isinstance(data.get("from"), str):
        raise WeComPayloadError("'from' must be a string")
    sender = req_id(data, "from")
    tolist = data.get("tolist", [])
    if not isinstance(tolist, list) or not all(isinstance(t, str) for t in tolist):
        raise WeComPayloadError("'tolist' must be a list of strings")
    roomid = opt_str(data, "roomid")
    sent_at = _msgtime(data)
    msgtype = req_str(data, "msgtype")

    text = ""
    photos: tuple[Photo, ...] = ()
    if msgtype == "text":
        text = req_str(req_obj(data, "text"), "content")
        kind = text_kind(text)
    elif msgtype == "mixed":
        text, has_image = _mixed(req_obj(data, "mixed"))
        photos = _mixed_images(req_obj(data, "mixed"))
        kind = text_kind(text) if text else (MessageKind.PHOTO if has_image else MessageKind.OTHER_MEDIA)
    else:
        kind = _KINDS.get(msgtype, MessageKind.OTHER_MEDIA)
        if msgtype == "image":
            photos = _image(data.get("image"))

    if roomid:
        chat_id, chat_type = roomid, ChatType.GROUP
    else:
        peers = sorted({sender, *(clean(t) for t in tolist)})
        chat_id, chat_type = "single:" + "|".join(peers), ChatType.PRIVATE

    return Incoming(
        platform=Platform.WECOM.value,
        chat_id=chat_id,
        sender_id=sender,
        text=text,
        message_id=msgid,
        sent_at=sent_at,
        chat_type=chat_type,
        kind=kind,
        photos=photos,
    )


def _image(content: Any) -> tuple[Photo, ...]:
    """An archived picture: its `sdkfileid` (what the archive SDK fetches it by) and `md5sum`;
    a mixed record's item gives them as a JSON string."""
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except (ValueError, RecursionError):
            return ()
    if not isinstance(content, dict):
        return ()
    file_id = opt_str(content, "sdkfileid")
    return (Photo(file_id, opt_str(content, "md5sum")),) if file_id else ()


def _mixed_images(mixed: dict[str, Any]) -> tuple[Photo, ...]:
    items = mixed.get("item")
    found: list[Photo] = []
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get("type") == "image":
            found.extend(_image(item.get("content")))
    return tuple(found)


def _mixed(mixed: dict[str, Any]) -> tuple[str, bool]:
    """The text of a mixed record's items (joined by line breaks) and whether one is a picture."""
    items = mixed.get("item")
    if not isinstance(items, list):
        raise WeComPayloadError("'mixed.item' must be a list")
    texts: list[str] = []
    has_image = False
    for item in items:
        if not isinstance(item, dict):
            raise WeComPayloadError("'mixed.item' entries must be objects")
        kind = item.get("type")
        if kind == "image":
            has_image = True
        elif kind == "text":
            texts.append(_item_text(item.get("content")).strip())
    return "\n".join(t for t in texts if t), has_image


def _item_text(content: Any) -> str:
    if isinstance(content, str):
        try:
            parsed = json.loads(content)
        except (ValueError, RecursionError):
            return clean(content)  # the text itself
        if not isinstance(parsed, dict):
            return clean(content)
        content = parsed
    if isinstance(content, dict):
        return opt_str(content, "content")
    raise WeComPayloadError("a mixed text item's 'content' must be text")


def _msgtime(data: dict[str, Any]) -> datetime:
    ms = data.get("msgtime")
    if not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms < _MAX_MSGTIME_MS:
        raise WeComPayloadError("'msgtime' must be a unix time in milliseconds")
    return datetime.fromtimestamp(ms / 1000, UTC)


def iter_archive(path: str | Path) -> Iterator[tuple[int, Incoming | None, str | None]]:
    """Yield `(line_no, incoming, error)` for every non-blank line; line numbers start at 1.

    Exactly one of `incoming`/`error` is set, except for recall/switch records (both None).
    A bad line never stops the iteration; a line that is not UTF-8 is reported, not raised.
    """
    with Path(path).open("rb") as fh:
        for line_no, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield line_no, None, "not UTF-8"
                continue
            if line_no == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                continue
            try:
                yield line_no, parse_archive_line(line), None
            except WeComPayloadError as exc:
                yield line_no, None, str(exc)
