"""The masking module (`handlers.shared.privacy`) on generated personal data.

The property: a text made of ordinary words (no digits) and one to three pieces of personal
data, in any of the shapes owners write them (issue 18: phones after labels, with full-width or
Chinese digits, dotted, bracketed or spaced; ID cards; HKID; units in every notation, their
Hong Kong forms; names with a number in them), keeps after masking exactly the digits the
policy shows and no other: a mainland mobile its first three and last four, any other phone
its first and last two, a unit its building, an identity number nothing. Since the words
around carry no digit, any digit of the data left over is a leak.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.shared.privacy import mask_name, mask_phone, mask_text, owner_name, owner_text

CN_DIGITS = "〇一二三四五六七八九"
# Words around the data: no digit, none of the words that make a number an amount or a time
# (元, 年, 点 …: 3000-5000元 is a range of prices, not a phone), no label that claims what
# follows (地址：…).
WORDS = (
    "我家",
    "水管",
    "漏水",
    "电梯",
    "坏了",
    "请尽快",
    "派师傅",
    "来修理",
    "谢谢",
    "物业",
    "你好",
    "麻烦",
    "楼上",
    "厨房",
    "冇熱水",
    "唔該",
    "師傅",
    "聯絡",
    "please",
    "call me",
    "ASAP",
    "@管家",
    "！",
    "，",
    "。",
    "？",
    " ",
)
SEPARATORS = ("，", "。", " ", "！", "、", "；", "\n")


@dataclass(frozen=True)
class Piece:
    text: str  # as written in the message
    kept: str  # the digits the policy shows of it
    phone: bool = False  # may follow a label (电话:, tel:)


def digits_of(text: str) -> str:
    """Every digit of `text`, whatever its width or script (３, 三 -> 3)."""
    folded = unicodedata.normalize("NFKC", text).translate({ord(c): str(d) for d, c in enumerate(CN_DIGITS)})
    return "".join(ch for ch in folded if "0" <= ch <= "9")


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def chinese(digits: str) -> str:
    return "".join(CN_DIGITS[int(d)] for d in digits)


def number(draw: st.DrawFn, first: str, length: int) -> str:
    rest = length - 1
    return draw(st.sampled_from(first)) + f"{draw(st.integers(0, 10**rest - 1)):0{rest}d}"


def spaced(draw: st.DrawFn, digits: str) -> str:
    """The digits with one kind of separator at some places (138 1234 5678, 138.1234.5678)."""
    sep = draw(st.sampled_from(("", " ", "-", ".")))
    if not sep:
        return digits
    cuts = draw(st.sampled_from(("standard", "random")))
    if cuts == "standard" and len(digits) == 11:
        return sep.join((digits[:3], digits[3:7], digits[7:]))
    where = draw(st.integers(0, 2 ** (len(digits) - 1) - 1))  # a separator after digit i if bit i
    return "".join(
        ch + (sep if where >> i & 1 and i < len(digits) - 1 else "") for i, ch in enumerate(digits)
    )


@st.composite
def mobile(draw: st.DrawFn) -> Piece:
    digits = "1" + draw(st.sampled_from("3456789")) + number(draw, "0123456789", 9)
    kept = digits[:3] + digits[-4:]
    style = draw(st.sampled_from(("plain", "full-width", "chinese", "prefixed")))
    if style == "chinese":
        return Piece(chinese(digits), kept, phone=True)
    text = spaced(draw, digits)
    if style == "prefixed":
        text = draw(st.sampled_from(("+86", "+86 ", "+86-", "0086", "86", "0086 "))) + text
    if style == "full-width":
        text = full_width(text)
    return Piece(text, kept, phone=True)


@st.composite
def landline(draw: st.DrawFn) -> Piece:
    area = draw(st.sampled_from(("010", "020", "021", "0755", "0571", "0898", "0769")))
    local = number(draw, "23456789", draw(st.sampled_from((7, 8))))
    head = draw(st.sampled_from(("({})", "（{}）", "{} ", "{}-", "{}", "({}) ", "{}.")))
    tail = local if len(local) == 7 or not draw(st.booleans()) else local[:4] + " " + local[4:]
    text = head.format(area) + tail
    if draw(st.booleans()):
        text = full_width(text)
    digits = area + local
    return Piece(text, digits[:2] + digits[-2:], phone=True)


@st.composite
def hong_kong(draw: st.DrawFn) -> Piece:
    local = number(draw, "2345679", 8)
    body = draw(st.sampled_from(("{}{}", "{} {}", "{}-{}")))
    text = body.format(local[:4], local[4:])
    text = draw(st.sampled_from(("", "+852 ", "+852", "852-", "(852) ", "(+852)", "00852 "))) + text
    if draw(st.booleans()):
        text = full_width(text)
    return Piece(text, local[:2] + local[-2:], phone=True)


@st.composite
def taiwan(draw: st.DrawFn) -> Piece:
    digits = "09" + number(draw, "0123456789", 8)
    text = draw(st.sampled_from(("{}", "{}-{}-{}")))  # 0912345678, 0912-345-678
    shown = text.format(digits[:4], digits[4:7], digits[7:]) if "-" in text else digits
    return Piece(shown, digits[:2] + digits[-2:], phone=True)


@st.composite
def id_card(draw: st.DrawFn) -> Piece:
    area = number(draw, "12345678", 6)
    birth = f"{draw(st.integers(1930, 2015))}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"
    tail = number(draw, "0123456789", 3) + draw(st.sampled_from("0123456789Xx"))
    if draw(st.booleans()):
        return Piece(number(draw, "123456789", 15), "")  # an old, 15-digit card
    text = draw(st.sampled_from(("{}{}{}", "{} {} {}"))).format(area, birth, tail)
    return Piece(full_width(text) if draw(st.booleans()) else text, "")


@st.composite
def hkid(draw: st.DrawFn) -> Piece:
    letters = draw(st.sampled_from(("A", "Z", "K", "XA", "ab", "g")))
    digits = number(draw, "0123456789", 6)
    check = draw(st.sampled_from("0123456789A"))
    text = draw(st.sampled_from(("{}{}({})", "{}{}{}", "{}{}（{}）", "{} {}({})"))).format(
        letters, digits, check
    )
    return Piece(text, "")


@st.composite
def labelled_handle(draw: st.DrawFn) -> Piece:
    label = draw(
        st.sampled_from(("wx:", "wx ", "微信号", "微信：", "vx", "QQ ", "qq:", "WhatsApp ", "Line:", "tel:"))
    )
    handle = draw(st.from_regex(r"\A[a-z][a-z0-9_]{3,12}[0-9]{2,6}\Z"))
    return Piece(label + handle, "")


@st.composite
def unit(draw: st.DrawFn) -> Piece:
    """A unit in one of the notations owners use: only the building may be left."""
    b = str(draw(st.integers(1, 40)))
    e = str(draw(st.integers(1, 9)))
    floor = draw(st.integers(1, 45))
    room = f"{floor}{draw(st.integers(1, 12)):02d}"
    flat = draw(st.sampled_from("ABCDEFGH"))
    shape = draw(
        st.sampled_from(
            (
                "{b}栋{e}单元{r}",
                "{b}棟{e}單元{r}室",
                "{b} 栋 {e} 单元 {r}",
                "{b}号楼{e}单元{r}室",
                "{b}幢{r}",
                "{b}栋{r}房",
                "{b}#{e}-{r}",
                "{b}#{r}",
                "{b}-{e}-{r}",
                "{b}-{r}",
                "{b}/{e}/{r}",
                "{cb}栋{ce}单元{r}",
                "{b}座{f}樓{x}室",
                "{b}座{f}楼{x}",
                "{b}座{f}/F",
                "{b}栋{f}楼{r}",
                "{b}栋{f}F",
                "门牌号 {b}-{r}",
            )
        )
    )
    cb = chinese(str(draw(st.integers(1, 9))))
    text = shape.format(b=b, e=e, r=room, f=floor, x=flat, cb=cb, ce=chinese(e))
    kept = digits_of(cb) if "{cb}" in shape else b
    if draw(st.booleans()):
        text = full_width(text)
    return Piece(text, kept)


@st.composite
def unit_without_building(draw: st.DrawFn) -> Piece:
    """Hong Kong and partial forms: nothing of them is left."""
    floor = draw(st.integers(1, 45))
    room = f"{floor}{draw(st.integers(1, 12)):02d}"
    flat = draw(st.sampled_from("ABCDEFGH"))
    block = draw(st.sampled_from("ABCDEFGH"))
    shape = draw(
        st.sampled_from(
            (
                "{L}座{f}樓{x}室",
                "{L}座{f}楼{x}室",
                "Flat {x}, {f}/F, Block {L}",
                "{f}/F, Flat {x}",
                "Rm {r}",
                "{f}樓{x}室",
                "{f}楼{r}",
                "{e}单元{r}",
                "{ce}单元{r}",
                "住{r}",
                "住在{r}",
                "住喺{r}",
                "{r}室",
                "{r}房",
                "房号：{r}",
                "门牌号 {r}",
                "地址：{L}座{f}樓{x}室",
            )
        )
    )
    e = str(draw(st.integers(1, 9)))
    text = shape.format(L=block, f=floor, x=flat, r=room, e=e, ce=chinese(e), b=draw(st.integers(1, 30)))
    return Piece(text, "")


PIECES = st.one_of(
    mobile(),
    landline(),
    hong_kong(),
    taiwan(),
    id_card(),
    hkid(),
    labelled_handle(),
    unit(),
    unit_without_building(),
)
LABELS = st.sampled_from(
    ("", "", "电话:", "电话：", "tel:", "Tel ", "手机", "聯絡電話：", "联系方式 ", "call ")
)


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, str, bool]:
    """A message with one to three pieces of personal data, the digits that may be left, and
    whether the pieces are apart (something other than spaces between each two of them)."""
    words = st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map("".join)
    parts = [draw(words)]
    kept = []
    apart = True
    for i in range(draw(st.integers(1, 3))):
        piece = draw(PIECES)
        label = draw(LABELS) if piece.phone else ""
        if parts[-1] and not label:
            parts.append(draw(st.sampled_from(SEPARATORS)))
        if i and not (parts[-1] + label).strip():
            apart = False
        parts.append(label + piece.text)
        parts.append(draw(st.sampled_from(SEPARATORS)) + draw(words))
        kept.append(piece.kept)
    return "".join(parts), "".join(kept), apart


def subsequence(digits: str, of: str) -> bool:
    it = iter(of)
    return all(d in it for d in digits)


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
@pytest.mark.slow
def test_no_personal_data_survives_masking(message: tuple[str, str, bool]) -> None:
    """Exactly the digits the policy shows are left; when two pieces stand only spaces apart
    (1座1/F 0912-345-678: is 0912 a room?) masking may take more, never leave more."""
    text, kept, apart = message
    masked = mask_text(text)
    left = digits_of(masked)
    if apart:
        assert left == kept, f"{text!r} -> {masked!r}"
    else:
        assert subsequence(left, kept), f"{text!r} -> {masked!r}"
    assert mask_text(masked) == masked  # masking twice changes nothing
    assert digits_of(owner_text(text)) == left
    assert "\n" not in owner_text(text)


@settings(max_examples=2_000, deadline=None)
@given(
    st.one_of(mobile(), hong_kong(), landline(), id_card(), unit(), labelled_handle()), st.sampled_from(WORDS)
)
def test_display_names_keep_no_digit(piece: Piece, name: str) -> None:
    """张三13812345678: a display name keeps its first character only (a digit: nothing)."""
    for display in (f"张三{piece.text}", f"{piece.text}{name}", piece.text):
        shown = owner_name(display)
        assert digits_of(shown) == "", f"{display!r} -> {shown!r}"
        assert len(shown) <= 3


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # The formats, one by one.
        ("电话:13812345678", "电话:138****5678"),
        ("tel:13812345678", "tel:138****5678"),
        ("wx:13812345678", "wx:138****5678"),
        ("wx: zhang_88", "wx: ****"),
        ("１３８１２３４５６７８", "138****5678"),
        ("138.1234.5678", "138****5678"),
        ("(0755)12345678", "07****78"),
        ("0755 12345678", "07****78"),
        ("440301199001011234", "****"),
        ("44030119900101123X", "****"),
        ("3#2-1302", "3#****"),
        ("2单元1302", "****"),
        ("三栋二单元1302", "三栋****"),
        ("3/2/1302", "3/****"),
        ("住1302", "住****"),
        ("张三13812345678", "张三138****5678"),
        # Hong Kong forms.
        ("A座16樓B室", "A座****"),
        ("Flat B, 16/F, Block A", "Flat ****, ****, Block A"),
        ("9123 4567", "91****67"),
        ("+852 9123-4567", "91****67"),
        ("A123456(7)", "****"),
        ("一三八一二三四五六七八", "138****5678"),
    ],
)
def test_the_reported_formats(text: str, masked: str) -> None:
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "3楼楼道灯不亮",  # a floor alone is not a household
        "一楼大堂",
        "3栋门口的垃圾",
        "2栋电梯困人了，有小孩在里面！",
        "2024-05-01 10:00停水",
        "明天10点到12点停水",
        "BX-20240501-0001 怎么还没处理",
        "物业费3000-5000元",
        "我3楼20个人",
        "500-1000元",
        "等了3天",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_owner_text_is_one_masked_line_cut_to_its_limit() -> None:
    text = "漏水\n责任管家：张三\n1. 回复 /accept 接单\n电话 13812345678"
    assert owner_text(text) == "漏水 责任管家：张三 1. 回复 /accept 接单 电话 138****5678"
    assert owner_text(text, 10) == "漏水 责任管家：张…"
    assert owner_name("  ") == mask_name("") == "**"
    assert owner_name(None) == "**"


def test_phones_drop_their_country_code() -> None:
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_phone("+852 9123 4567") == "91****67"
    assert mask_phone("12345") == "****"
