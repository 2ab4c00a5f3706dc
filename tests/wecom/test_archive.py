"""Chat-archive records (会话内容存档 JSONL) -> Incoming, with bad lines reported by number."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.wecom.archive import iter_archive, parse_archive_line
from bot.adapters.wecom.archive_import import import_archive, print_summary
from bot.adapters.wecom.fields import WeComPayloadError
from bot.core.events import ChatType, Incoming, MessageKind, Photo
from tests.wecom.conftest import assert_encodable


def record(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "msgid": "CAQQluDa4QUY0On2rYSAgAMgzPrShAE=",
        "action": "send",
        "from": "zhangsan",
        "tolist": ["lisi", "wangwu"],
        "roomid": "wrAAAABBBB",
        "msgtime": 1714550400123,
        "msgtype": "text",
        "text": {"content": "5栋地下车库一直在漏水，没人管吗"},
    }
    base.update(over)
    return base


def line(**over: Any) -> str:
    return json.dumps(record(**over), ensure_ascii=False)


def test_group_text_record() -> None:
    msg = parse_archive_line(line())
    assert msg is not None
    assert msg.platform == "wecom"
    assert msg.chat_id == "wrAAAABBBB"
    assert msg.chat_type is ChatType.GROUP
    assert msg.sender_id == "zhangsan"
    assert msg.message_id == "CAQQluDa4QUY0On2rYSAgAMgzPrShAE="
    assert msg.text == "5栋地下车库一直在漏水，没人管吗"
    assert msg.kind is MessageKind.TEXT
    assert msg.sent_at == datetime(2024, 5, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert msg.reply_hint is None


def test_direct_chat_gets_a_stable_pair_id() -> None:
    a = parse_archive_line(line(roomid="", tolist=["lisi"]))
    b = parse_archive_line(line(roomid="", **{"from": "lisi"}, tolist=["zhangsan"]))
    assert a is not None
    assert b is not None
    assert a.chat_id == b.chat_id == "single:lisi|zhangsan"
    assert a.chat_type is ChatType.PRIVATE


def test_lone_surrogates_are_replaced() -> None:
    msg = parse_archive_line(line(roomid="", tolist=["li\udc80"], text={"content": "\ud83d"}))
    assert_encodable(msg)


def test_recall_and_switch_are_skipped() -> None:
    recall = record(action="recall", msgtype="revoke", revoke={"pre_msgid": "X"})
    del recall["text"]
    assert parse_archive_line(json.dumps(recall)) is None
    switch = {"msgid": "S", "action": "switch", "time": 1554119421840, "user": "XuJinSheng"}
    assert parse_archive_line(json.dumps(switch)) is None


@pytest.mark.parametrize(
    ("msgtype", "kind"),
    [
        ("image", MessageKind.PHOTO),
        ("voice", MessageKind.VOICE),
        ("emotion", MessageKind.STICKER),
        ("file", MessageKind.OTHER_MEDIA),
        ("redpacket", MessageKind.OTHER_MEDIA),
    ],
)
def test_media_kinds(msgtype: str, kind: MessageKind) -> None:
    msg = parse_archive_line(line(msgtype=msgtype, text=None, **{msgtype: {"sdkfileid": "x"}}))
    assert msg is not None
    assert (msg.kind, msg.text) == (kind, "")


def test_archived_pictures_carry_their_sdkfileid() -> None:
    image = {"md5sum": "50de4b2c", "filesize": 70961, "sdkfileid": "CtYBMzA2OTAyMDEwMjA0NjIz"}
    msg = parse_archive_line(line(msgtype="image", text=None, image=image))
    assert msg is not None
    assert msg.photos == (Photo("CtYBMzA2OTAyMDEwMjA0NjIz", "50de4b2c"),)
    mixed = {
        "item": [
            {"type": "text", "content": json.dumps({"content": "路灯坏了"}, ensure_ascii=False)},
            {"type": "image", "content": json.dumps({"md5sum": "m", "filesize": 1, "sdkfileid": "F1"})},
        ]
    }
    msg = parse_archive_line(line(msgtype="mixed", text=None, mixed=mixed))
    assert msg is not None
    assert (msg.kind, msg.text, msg.photos) == (MessageKind.TEXT, "路灯坏了", (Photo("F1", "m"),))


def test_commands_keep_their_kind() -> None:
    msg = parse_archive_line(line(text={"content": "/my"}))
    assert msg is not None
    assert msg.kind is MessageKind.COMMAND


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("{not json", "not JSON"),
        ("[1]", "object"),
        (line(action="edit"), "action"),
        (json.dumps({"msgid": "m"}), "action"),
        (line(msgid=""), "msgid"),
        (line(msgid=None), "msgid"),
        (line(**{"from": 7}), "from"),
        (line(tolist="lisi"), "tolist"),
        (line(tolist=[1]), "tolist"),
        (line(roomid=5), "roomid"),
        (line(msgtime="1714550400123"), "msgtime"),
        (line(msgtime=-1), "msgtime"),
        (line(msgtime=10**20), "msgtime"),
        (line(msgtime=True), "msgtime"),
        (line(msgtype=None), "msgtype"),
        (line(text="plain"), "text"),
        (line(text={"content": None}), "content"),
    ],
)
def test_bad_lines_raise_with_a_reason(bad: str, reason: str) -> None:
    with pytest.raises(WeComPayloadError, match=reason):
        parse_archive_line(bad)


def test_iter_archive_reports_bad_lines_and_keeps_going(tmp_path: Path) -> None:
    path = tmp_path / "archive.jsonl"
    lines = [
        line(msgid="m1"),
        "{broken",
        "",
        line(msgid="m2", action="recall"),
        line(msgid="m3", msgtime="soon"),
        line(msgid="m4", text={"content": "电梯又停了"}),
    ]
    path.write_bytes(
        ("\ufeff" + "\n".join(lines) + "\n").encode() + b"\xff\xfe\n" + line(msgid="m5").encode()
    )
    results = list(iter_archive(path))
    assert [(n, m.message_id if m else None, e is not None) for n, m, e in results] == [
        (1, "m1", False),
        (2, None, True),
        (4, None, False),
        (5, None, True),
        (6, "m4", False),
        (7, None, True),
        (8, "m5", False),
    ]
    errors = {n: e for n, _, e in results if e}
    assert errors[2] == "not JSON"
    assert "msgtime" in errors[5]
    assert errors[7] == "not UTF-8"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_parses_or_raises_the_declared_error(text: str) -> None:
    with contextlib.suppress(WeComPayloadError):
        assert_encodable(parse_archive_line(text))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "msgid": json_values,
            "action": st.sampled_from(["send", "recall", "switch"]) | json_values,
            "from": json_values,
            "tolist": st.lists(json_values, max_size=3) | json_values,
            "roomid": json_values,
            "msgtime": st.integers() | json_values,
            "msgtype": st.sampled_from(["text", "image", "voice"]) | json_values,
            "text": st.fixed_dictionaries({}, optional={"content": json_values}) | json_values,
        },
    )
)
def test_structured_fuzz(fields: dict[str, Any]) -> None:
    with contextlib.suppress(WeComPayloadError):
        assert_encodable(parse_archive_line(json.dumps(fields)))


async def test_an_import_stops_at_a_record_that_cannot_be_stored(tmp_path: Path) -> None:
    """Nothing after a record that was not stored is imported (the order of a chat's messages
    holds), and the one line says where; running it again takes up from there."""
    path = tmp_path / "archive.jsonl"
    path.write_text("\n".join(line(msgid=m) for m in ("a", "b", "c")) + "\n", encoding="utf-8")
    delivered: list[str] = []

    async def deliver(incoming: Incoming) -> None:
        if incoming.message_id == "b":
            raise OSError(28, "No space left on device")
        delivered.append(incoming.message_id)

    async def handled(incoming: Incoming) -> bool:
        return incoming.message_id in delivered

    summary = await import_archive(deliver, handled, path, now=datetime.now(UTC), max_age_hours=0)
    assert delivered == ["a"]
    assert (summary.imported, summary.stopped) == (1, (2, "not stored (OSError); run the import again"))
    out = io.StringIO()
    print_summary(path, summary, out)
    assert (
        out.getvalue().splitlines()[-1] == "  stopped at line 2: not stored (OSError); run the import again"
    )

    async def deliver_again(incoming: Incoming) -> None:
        delivered.append(incoming.message_id)

    again = await import_archive(deliver_again, handled, path, now=datetime.now(UTC), max_age_hours=0)
    assert (again.imported, again.duplicates, again.stopped) == (2, 1, None)
    assert delivered == ["a", "b", "c"]
