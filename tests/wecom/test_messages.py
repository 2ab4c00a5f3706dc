"""Decrypted callbacks -> Incoming: both robot formats, every kind, and hostile input."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.wecom.messages import (
    WeComPayloadError,
    parse_aibot_callback,
    parse_group_robot_callback,
    strip_robot_mention,
)
from bot.core.events import ChatType, MessageKind, Photo
from tests.fakes.wecom_api import (
    aibot_image,
    aibot_text,
    group_robot_event,
    group_robot_image,
    group_robot_text,
)
from tests.wecom.conftest import assert_encodable

FIXED = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


def now() -> datetime:
    return FIXED


def aibot(payload: dict[str, Any]) -> Any:
    return parse_aibot_callback(json.dumps(payload, ensure_ascii=False), now=now)


# -- intelligent robot (JSON) -----------------------------------------------------------------


def test_group_text_strips_leading_robot_mention() -> None:
    msg = aibot(aibot_text("@物业管家\u20053栋电梯坏了，困人了！", msgid="m1", userid="lisi"))
    assert msg.platform == "wecom"
    assert msg.text == "3栋电梯坏了，困人了！"
    assert msg.kind is MessageKind.TEXT
    assert msg.chat_type is ChatType.GROUP
    assert msg.chat_id == "wrGroup001"
    assert msg.sender_id == "lisi"
    assert msg.message_id == "m1"
    assert msg.sent_at == FIXED
    assert msg.reply_hint == "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC"


def test_documented_example_payload() -> None:
    # The example from WeCom's 接收消息 page (path/100719), quote included.
    payload = {
        "msgid": "CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=",
        "aibotid": "AIBOTID",
        "chatid": "CHATID",
        "chattype": "group",
        "from": {"userid": "USERID"},
        "response_url": "RESPONSEURL",
        "msgtype": "text",
        "text": {"content": "@RobotA hello robot"},
        "quote": {"msgtype": "text", "text": {"content": "quoted"}},
    }
    msg = aibot(payload)
    assert (msg.text, msg.chat_id, msg.sender_id) == ("hello robot", "CHATID", "USERID")


def test_lone_surrogates_from_json_escapes_are_replaced() -> None:
    raw = json.dumps(aibot_text("报修\ud800", msgid="m\udcff"))  # json escapes them as \\ud800
    msg = parse_aibot_callback(raw)
    assert msg is not None
    assert msg.text == "报修\ufffd\ufffd\ufffd"
    assert_encodable(msg)


def test_command_keeps_its_text() -> None:
    msg = aibot(aibot_text("@物业管家 /bind 884213"))
    assert msg.kind is MessageKind.COMMAND
    assert msg.text == "/bind 884213"
    assert msg.command == ("bind", ["884213"])


def test_only_the_leading_mention_is_stripped() -> None:
    assert strip_robot_mention("@物业管家 @张三 帮忙看看") == "@张三 帮忙看看"
    assert strip_robot_mention("请 @物业管家 处理") == "请 @物业管家 处理"
    assert strip_robot_mention("@物业管家") == ""


def test_direct_chat_uses_sender_as_chat() -> None:
    msg = aibot(aibot_text("你好", chattype="single", userid="wangwu"))
    assert msg.chat_type is ChatType.PRIVATE
    assert msg.chat_id == "wangwu"


def test_mixed_message_joins_text_items() -> None:
    payload = aibot_text("x")
    del payload["text"]
    payload["msgtype"] = "mixed"
    payload["mixed"] = {
        "msg_item": [
            {"msgtype": "text", "text": {"content": "@物业管家 楼道灯不亮"}},
            {"msgtype": "image", "image": {"url": "https://example.invalid/1"}},
            {"msgtype": "text", "text": {"content": "在5栋"}},
        ]
    }
    msg = aibot(payload)
    assert msg.kind is MessageKind.TEXT
    assert msg.text == "楼道灯不亮\n在5栋"


def test_mixed_message_with_only_images_is_a_photo() -> None:
    payload = aibot_text("x")
    del payload["text"]
    payload.update(msgtype="mixed", mixed={"msg_item": [{"msgtype": "image", "image": {"url": "u"}}]})
    assert aibot(payload).kind is MessageKind.PHOTO


@pytest.mark.parametrize(
    ("msgtype", "body", "kind", "text"),
    [
        ("image", {"url": "https://example.invalid/img"}, MessageKind.PHOTO, ""),
        ("voice", {"content": "电梯坏了"}, MessageKind.VOICE, "电梯坏了"),
        ("file", {"url": "https://example.invalid/f"}, MessageKind.OTHER_MEDIA, ""),
        ("video", {"url": "https://example.invalid/v"}, MessageKind.OTHER_MEDIA, ""),
        ("something_new", {}, MessageKind.OTHER_MEDIA, ""),
    ],
)
def test_non_text_kinds(msgtype: str, body: dict[str, Any], kind: MessageKind, text: str) -> None:
    payload = aibot_text("x", chattype="single")
    del payload["text"]
    payload["msgtype"] = msgtype
    payload[msgtype] = body
    msg = aibot(payload)
    assert (msg.kind, msg.text) == (kind, text)


def test_stream_refresh_is_not_delivered() -> None:
    payload = {"msgid": "s1", "aibotid": "A", "chattype": "single", "from": {"userid": "u"}}
    payload |= {"msgtype": "stream", "stream": {"id": "STREAMID"}}
    assert aibot(payload) is None


def test_events() -> None:
    base: dict[str, Any] = {
        "msgid": "e1",
        "create_time": 1700000000,
        "aibotid": "A",
        "chatid": "C",
        "chattype": "single",
        "from": {"corpid": "wpxxxx", "userid": "u1"},
        "msgtype": "event",
    }
    assert aibot(base | {"event": {"eventtype": "enter_chat"}}) is None
    assert aibot(base | {"event": {"eventtype": "feedback_event", "feedback_event": {}}}) is None
    card = {"eventtype": "template_card_event", "template_card_event": {"event_key": "accept:BX-1"}}
    msg = aibot(base | {"event": card})
    assert msg.kind is MessageKind.CALLBACK
    assert msg.callback_data == "accept:BX-1"
    assert msg.sent_at == datetime.fromtimestamp(1700000000, UTC)


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        "[]",
        "{}",
        '{"msgtype": "text"}',
        '{"msgtype": "text", "msgid": "m", "from": "u"}',
        '{"msgtype": "text", "msgid": "m", "from": {"userid": ""}}',
        '{"msgtype": "text", "msgid": "m", "from": {"userid": "u"}, "chattype": "single"}',
        '{"msgtype": "text", "msgid": "m", "from": {"userid": "u"}, "chattype": "group", "text": {"content": "x"}}',
        '{"msgtype": "text", "msgid": 12, "from": {"userid": "u"}, "chattype": "single", "text": {"content": 5}}',
        '{"msgtype": "mixed", "msgid": "m", "from": {"userid": "u"}, "mixed": {"msg_item": "x"}}',
        '{"msgtype": "event", "msgid": "m", "from": {"userid": "u"}, "event": {}}',
        '{"msgtype": "text", "msgid": "'
        + "m" * 300
        + '", "from": {"userid": "u"}, "text": {"content": "x"}}',
        "[" * 100_000,
    ],
)
def test_malformed_aibot_payloads_raise(payload: str) -> None:
    with pytest.raises(WeComPayloadError):
        parse_aibot_callback(payload)


# -- group robot (XML) ------------------------------------------------------------------------


def test_group_robot_text() -> None:
    msg = parse_group_robot_callback(group_robot_text("@fa机器人 help me", msgid="X1"), now=now)
    assert msg is not None
    assert msg.text == "help me"
    assert msg.kind is MessageKind.TEXT
    assert msg.chat_id == "wrkSFfCgAALFgnrSsWU38puiv4yvExuw"
    assert msg.sender_id == "zhangsan"
    assert msg.sender_name == "张三"
    assert msg.message_id == "X1"
    assert msg.reply_hint == "http://in.qyapi.weixin.qq.com/cgi-bin/webhook/send?key=group-key-1"


def test_group_robot_bind_command() -> None:
    msg = parse_group_robot_callback(group_robot_text("@物业管家 /bind 884213"))
    assert msg is not None
    assert msg.kind is MessageKind.COMMAND
    assert msg.command == ("bind", ["884213"])


@pytest.mark.parametrize(
    ("event", "kind"), [("add_to_chat", MessageKind.BOT_ADDED), ("delete_from_chat", MessageKind.BOT_REMOVED)]
)
def test_group_robot_membership_events(event: str, kind: MessageKind) -> None:
    msg = parse_group_robot_callback(group_robot_event(event))
    assert msg is not None
    assert msg.kind is kind
    assert msg.reply_hint == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=group-key-1"


def test_group_robot_enter_chat_is_not_delivered() -> None:
    assert parse_group_robot_callback(group_robot_event("enter_chat")) is None


def test_group_robot_single_chat_and_image() -> None:
    xml = group_robot_text("x").replace("<ChatType>group</ChatType>", "<ChatType>single</ChatType>")
    xml = xml.replace("<MsgType>text</MsgType>", "<MsgType>image</MsgType>")
    msg = parse_group_robot_callback(xml)
    assert msg is not None
    assert (msg.chat_type, msg.kind) == (ChatType.PRIVATE, MessageKind.PHOTO)


def test_group_robot_attachment_is_a_callback() -> None:
    xml = (
        "<xml><ChatId>c</ChatId><From><UserId>u</UserId></From><MsgId>m</MsgId>"
        "<MsgType>attachment</MsgType><Attachment><CallbackId>cb</CallbackId>"
        "<Actions><Name>n</Name><Value>accept:BX-1</Value></Actions></Attachment></xml>"
    )
    msg = parse_group_robot_callback(xml)
    assert msg is not None
    assert (msg.kind, msg.callback_data) == (MessageKind.CALLBACK, "accept:BX-1")


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<xml><MsgType>text</MsgType><Text><Content>&lol3;</Content></Text></xml>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><MsgType>text</MsgType><Text><Content>&xxe;</Content></Text></xml>"
)
DTD_ONLY = '<?xml version="1.0"?><!DOCTYPE xml [<!ELEMENT xml ANY>]><xml><MsgType>text</MsgType></xml>'


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, EXTERNAL_ENTITY, DTD_ONLY])
def test_xml_bombs_and_dtds_refused(xml: str) -> None:
    with pytest.raises(WeComPayloadError, match="refused"):
        parse_group_robot_callback(xml)


@pytest.mark.parametrize(
    "xml",
    [
        "",
        "not xml",
        "<xml>",
        "<root><MsgType>text</MsgType></root>",
        "<xml><MsgType>text</MsgType></xml>",
        "<xml><MsgType>text</MsgType><MsgId>m</MsgId><ChatId>c</ChatId></xml>",
        "<xml><MsgType>event</MsgType><MsgId>m</MsgId><ChatId>c</ChatId><From><UserId>u</UserId></From></xml>",
    ],
)
def test_malformed_group_robot_payloads_raise(xml: str) -> None:
    with pytest.raises(WeComPayloadError):
        parse_group_robot_callback(xml)


# -- any input: a result or the declared error ------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
aibot_like = st.fixed_dictionaries(
    {},
    optional={
        "msgid": json_values,
        "create_time": json_values,
        "chatid": json_values,
        "chattype": st.sampled_from(["single", "group", "other"]) | json_values,
        "from": st.fixed_dictionaries({}, optional={"userid": json_values}) | json_values,
        "response_url": json_values,
        "msgtype": st.sampled_from(["text", "mixed", "image", "voice", "file", "stream", "event"])
        | json_values,
        "text": st.fixed_dictionaries({}, optional={"content": json_values}) | json_values,
        "mixed": st.fixed_dictionaries({}, optional={"msg_item": st.lists(json_values, max_size=3)}),
        "voice": json_values,
        "event": st.fixed_dictionaries(
            {}, optional={"eventtype": json_values, "template_card_event": json_values}
        ),
    },
)


@settings(max_examples=200, deadline=None)
@given(payload=aibot_like)
def test_aibot_parser_structured_fuzz(payload: dict[str, Any]) -> None:
    with contextlib.suppress(WeComPayloadError):
        assert_encodable(parse_aibot_callback(json.dumps(payload)))


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_aibot_parser_any_text(text: str) -> None:
    with contextlib.suppress(WeComPayloadError):
        assert_encodable(parse_aibot_callback(text))


xml_fragments = st.lists(
    st.sampled_from(
        [
            "<MsgType>text</MsgType>",
            "<MsgType>event</MsgType>",
            "<MsgType>attachment</MsgType>",
            "<MsgType>mixed</MsgType>",
            "<MsgId>m</MsgId>",
            "<ChatId>c</ChatId>",
            "<ChatType>single</ChatType>",
            "<From><UserId>u</UserId><Name>n</Name></From>",
            "<Text><Content>@bot /x y</Content></Text>",
            "<Event><EventType>add_to_chat</EventType></Event>",
            "<Event><EventType></EventType></Event>",
            "<Attachment><Actions><Value>v</Value></Actions></Attachment>",
            "<Image><ImageUrl>u</ImageUrl></Image>",
            "<![CDATA[x]]>",
            "&amp;",
            "&bogus;",
            "<",
        ]
    ),
    max_size=10,
)


@settings(max_examples=200, deadline=None)
@given(parts=xml_fragments, root=st.sampled_from(["xml", "XML", "x"]))
def test_group_robot_parser_structured_fuzz(parts: list[str], root: str) -> None:
    with contextlib.suppress(WeComPayloadError):
        parse_group_robot_callback(f"<{root}>{''.join(parts)}</{root}>")


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300))
def test_group_robot_parser_any_text(text: str) -> None:
    with contextlib.suppress(WeComPayloadError):
        parse_group_robot_callback(text)


# -- photos (issue 21: photos belong to tickets) ---------------------------------------------------


def test_an_intelligent_robot_image_carries_its_url() -> None:
    msg = aibot(aibot_image("https://wework.qpic.cn/img/abc"))
    assert msg.kind is MessageKind.PHOTO
    assert msg.photos == (Photo("https://wework.qpic.cn/img/abc", url="https://wework.qpic.cn/img/abc"),)


def test_a_mixed_message_keeps_its_text_and_its_images() -> None:
    payload = aibot_text("x")
    del payload["text"]
    payload["msgtype"] = "mixed"
    payload["mixed"] = {
        "msg_item": [
            {"msgtype": "text", "text": {"content": "@物业管家 楼道灯不亮"}},
            {"msgtype": "image", "image": {"url": "https://example.invalid/1"}},
            {"msgtype": "image", "image": {"url": "https://example.invalid/2"}},
        ]
    }
    msg = aibot(payload)
    assert (msg.kind, msg.text) == (MessageKind.TEXT, "楼道灯不亮")
    assert [p.url for p in msg.photos] == ["https://example.invalid/1", "https://example.invalid/2"]


def test_a_group_robot_image_carries_its_media_id_and_url() -> None:
    msg = parse_group_robot_callback(
        group_robot_image("https://wework.qpic.cn/x", media_id="MEDIA-1"), now=now
    )
    assert msg is not None
    assert msg.kind is MessageKind.PHOTO
    assert msg.photos == (Photo("MEDIA-1", url="https://wework.qpic.cn/x"),)
    without = parse_group_robot_callback(group_robot_image("https://wework.qpic.cn/y"), now=now)
    assert without is not None
    assert without.photos == (Photo("https://wework.qpic.cn/y", url="https://wework.qpic.cn/y"),)


def test_an_image_without_an_address_carries_no_photo() -> None:
    msg = aibot(aibot_image(""))
    assert msg.kind is MessageKind.PHOTO
    assert msg.photos == ()


def test_photos_survive_the_inbox() -> None:
    msg = aibot(aibot_image("https://wework.qpic.cn/img/abc"))
    assert type(msg).from_json(msg.to_json()) == msg
