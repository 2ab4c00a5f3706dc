"""Masking of owners' personal data (PIPL / PDPO): the one module every text that Steward
posts to a group or a staff chat takes owner-supplied parts through.

What is masked (issue 18, item 5; `tests/privacy/test_masking.py` proves it on generated numbers):

* phone numbers: mainland mobiles (``138 1234 5678``, ``138.1234.5678``, ``+86-138…``, full-width
  or Chinese digits), landlines (``(0755)12345678``, ``0755 12345678``, ``010-12345678``), Hong
  Kong (``9123 4567``, ``+852 2345-6789``) and Taiwan mobiles. A mainland mobile keeps its head
  and tail (``138****5678``, the usual form in China), any other number its first and last two
  digits (``91****67``);
* identity numbers: mainland ID cards (18 digits, the last maybe X; 15 for old ones), HKID
  (``A123456(7)``) and any other run of nine digits or more: ``****``;
* contact handles after a label (``wx: zhang_88``, ``微信号 abc123``, ``QQ 12345``) and e-mail
  addresses: ``****``;
* units: every form keeps the building only (the steward grid needs it; the floor and room
  identify a household): ``3栋2单元1302``, ``三栋二单元1302``, ``3#2-1302``, ``3/2/1302``,
  ``12-1-602``, ``7-1802``, ``A座16樓B室``, ``Flat B, 16/F``, ``2单元1302``, ``1302室``, ``住1302``,
  ``房号: 1302``;
* display names: the first character only (``张三13812345678`` -> ``张**``).

Text is matched on a copy with full-width forms and Chinese digits (〇一二…九) folded to ASCII,
character for character, so each match maps back onto the text as written: what is not personal
keeps its script. Ticket numbers (``BX-20240501-0001``), dates and times are left alone.

`owner_text` and `owner_name` are what renderers call for anything an owner (or a steward, in a
note) wrote: masked, on one line (a message's own line breaks cannot forge lines of a card),
and cut to a length. A renderer never formats owner text any other way; `tests/privacy/
test_renderers.py` walks the renderers with leaky inputs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Full-width ASCII (！ … ～) to ASCII, the ideographic space to a space, dashes to "-": one
# character for one, so positions in the folded copy are positions in the text.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20
_FOLD.update({ord("－"): ord("-"), ord("—"): ord("-"), ord("–"): ord("-"), ord("﹣"): ord("-")})
# Chinese digits, for reading a number written with them (一三八…), never folded into the text:
# 张三13812345678 is a name and a phone, not a run of twelve digits.
_CN_DIGIT = "〇零一二三四五六七八九"
_CN_FOLD = {ord(c): ord(str(d)) for d, c in enumerate("〇一二三四五六七八九")} | {ord("零"): ord("0")}
_CN = "〇零一二两兩三四五六七八九十"

# After a number, these say it is an amount, a time or a count, not a room or a phone.
_AMOUNT = r"(?!\s*(?:元|块|塊|蚊|米|平|呎|尺|%|kg|公斤))"
_NOT_A_PLACE = r"(?!\s*(?:元|块|塊|蚊|米|平|呎|尺|%|kg|公斤|年|月|日|点|點|时|時|分|秒|个|個|位|人|次|天|条|條|只|台|多|余|餘))"

_BUILDING_MARK = r"号楼|號樓|号栋|號棟|栋楼|棟樓|栋|棟|幢|座|号馆|號館|#"
_ENTRANCE_MARK = r"单元|單元|号门|號門|门洞|門洞"
_FLOOR_MARK = r"楼|樓|层|層"
_ROOM_MARK = r"室|号房|號房|房|户|戶"


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    priority: int  # at the same start, the longer match wins, then the higher priority
    replace: Callable[[re.Match[str], str], str]  # (match on the folded copy, original slice)


def mask_phone(number: str) -> str:
    """A phone number as it may be shown: 138****5678 (mainland mobile), 91****67 (others).
    A country code (+86, 0086, 852, …) is dropped first."""
    digits = re.sub(r"\D", "", number.translate(_FOLD).translate(_CN_FOLD))
    for code, local in (("86", 11), ("852", 8), ("853", 8), ("886", 9)):
        for prefix in ("00" + code, code):
            if digits.startswith(prefix) and len(digits) - len(prefix) == local:
                digits = digits[len(prefix) :]
                break
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(digits) < 6:
        return "****"
    return digits[:2] + "****" + digits[-2:]


def _keep(_: re.Match[str], original: str) -> str:
    return original


def _stars(_: re.Match[str], original: str) -> str:
    return "****"


def _phone(_: re.Match[str], original: str) -> str:
    return mask_phone(original)


def _building(match: re.Match[str], original: str) -> str:
    """The building as written (3, 三, A) and its mark, the rest hidden: 3栋****, 3#****."""
    start = match.start()
    head = original[: match.end("b") - start] + original[match.start("m") - start : match.end("m") - start]
    return head + "****"


def _value(_: re.Match[str], original: str) -> str:
    """A labelled value (the span is the value alone: the label stays)."""
    return "****"


def _room(match: re.Match[str], original: str) -> str:
    """1302室 -> ****室."""
    return "****" + original[match.start("k") - match.start() :]


_NUM = rf"(?:\d{{1,3}}|[{_CN}]{{1,3}})"
# The parts of a unit after its building: 2单元 (or the 2- of 3#2-1302), 16樓 / 16/F, 1302室 / B室.
_SEP = r"[\s\-]?\s*"
_ENTRANCE = rf"{_NUM}\s*(?:{_ENTRANCE_MARK})|\d{{1,2}}\s*-(?=\s*\d)"
_FLOOR = rf"{_NUM}\s*(?:{_FLOOR_MARK}|/\s*[Ff]|[Ff](?![A-Za-z]))"
_ROOM = (
    rf"\d{{1,4}}[A-Za-z]?(?![\d*]){_NOT_A_PLACE}(?!\s*(?:{_BUILDING_MARK}|{_ENTRANCE_MARK}))"
    rf"\s*(?:{_ROOM_MARK}|号|號)?"
    rf"|[A-Za-z](?![A-Za-z\d])\s*(?:{_ROOM_MARK})?"
)
_RULES: tuple[_Rule, ...] = (
    # Left alone: ticket numbers, dates, times (they would otherwise look like numbers).
    _Rule(re.compile(r"(?<![A-Za-z])[A-Za-z]{2}-\d{8}-\d{4}(?!\d)"), 100, _keep),
    _Rule(
        re.compile(r"(?<!\d)(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)\s*[日号號]?"),
        90,
        _keep,
    ),
    _Rule(re.compile(r"(?<!\d)\d{1,2}\s*[:：]\s*\d{2}(?!\d)"), 90, _keep),
    # Identity numbers: mainland (18 digits, maybe X; 15 old), HKID, any other long run.
    _Rule(re.compile(r"(?<![\d*])[1-9](?:\s?\d){16}\s?[\dXx](?![\dA-Za-z])"), 80, _stars),
    _Rule(re.compile(r"(?<![\d*])[1-9](?:\s?\d){14}(?![\d*])"), 79, _stars),
    _Rule(
        re.compile(r"(?<![A-Za-z\d*])[A-Za-z]{1,2}\s?\d{6}\s?(?:\(\s?[\dAa]\s?\)|[\dAa])(?![\dA-Za-z])"),
        78,
        _stars,
    ),
    # Phones.
    _Rule(
        re.compile(r"(?<![\d*])(?:(?:\+|00)?86[ -]?)?1[ \-.]?[3-9](?:[ \-.]?\d){9}(?![\d*])"),
        70,
        _phone,
    ),
    _Rule(
        re.compile(r"(?<![\d*])(?:\(\s?0\d{2,3}\s?\)|0\d{2,3})\s?[ \-.]?\s?\d{3,4}[ \-.]?\d{4}(?![\d*])"),
        69,
        _phone,
    ),
    _Rule(
        re.compile(rf"(?<![\d*{_CN_DIGIT}])一[三四五六七八九][{_CN_DIGIT}]{{9}}(?![\d{_CN_DIGIT}])"),
        70,
        _phone,
    ),
    _Rule(re.compile(r"(?<![\d*])09\d{2}[ \-.]?\d{3}[ \-.]?\d{3}(?![\d*])"), 68, _phone),
    _Rule(
        re.compile(r"(?<![\d*])(?:(?:\+|00)?85[23][ -]?|\(\+?85[23]\)\s?)?[2-9]\d{3}[ .]?\d{4}(?![\d*])"),
        67,
        _phone,
    ),
    # 2345-6789 is a phone, 3000-5000元 a range of amounts.
    _Rule(
        re.compile(
            r"(?<![\d*])(?:(?:\+|00)?85[23][ -]?|\(\+?85[23]\)\s?)?[2-9]\d{3}-\d{4}(?![\d*])" + _AMOUNT
        ),
        67,
        _phone,
    ),
    _Rule(re.compile(r"(?<![\d*])\d{9,}(?![\d*])"), 60, _stars),
    # Contact handles and e-mail.
    _Rule(
        re.compile(
            r"(?i)(?:电话|電話|手机号?|手機號?|联系方式|聯繫方式|联系电话|聯絡電話|tel|phone|mobile|whatsapp|"
            r"wechat|weixin|微信号?|微信號|wx|vx|v信|qq|signal|line|电邮|電郵|邮箱|郵箱|email|e-mail)"
            r"\s*(?:号码|號碼|号|號|id)?\s*[:：]?\s*(?P<v>[A-Za-z0-9][A-Za-z0-9_\-.+@]{2,40})(?![A-Za-z0-9_\-.+@*])"
        ),
        50,
        _value,
    ),
    _Rule(re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), 55, _stars),
    # Units: a building and what follows it, in order: entrance, floor, room.
    _Rule(
        re.compile(
            rf"(?P<b>(?<![\d*])\d{{1,3}}|(?<![A-Za-z\d*])[A-Za-z]\d{{0,2}}|(?<![{_CN}])[{_CN}]{{1,4}})"
            rf"\s*(?P<m>{_BUILDING_MARK})"
            rf"(?:{_SEP}(?:{_ENTRANCE})(?:{_SEP}(?:{_FLOOR}))?(?:{_SEP}(?:{_ROOM}))?"
            rf"|{_SEP}(?:{_FLOOR})(?:{_SEP}(?:{_ROOM}))?"
            rf"|{_SEP}(?:{_ROOM}))"
        ),
        40,
        _building,
    ),
    _Rule(
        re.compile(r"(?<![\d*/])(?P<b>\d{1,3})\s*(?P<m>/)\s*\d{1,2}\s*/\s*\d{2,4}(?![\d/])"),
        39,
        _building,
    ),
    _Rule(
        re.compile(r"(?<![\d*\-])(?P<b>\d{1,3})\s*(?P<m>-)\s*\d{1,2}\s*-\s*\d{2,4}(?![\d\-])"),
        38,
        _building,
    ),
    _Rule(
        re.compile(r"(?<![\d*\-./:])(?P<b>\d{1,2})\s*(?P<m>-)\s*\d{3,4}(?![\d\-./:])" + _NOT_A_PLACE),
        37,
        _building,
    ),
    _Rule(
        re.compile(rf"(?<![\d*{_CN}]){_NUM}\s*(?:{_ENTRANCE_MARK})\s*-?\s*\d{{1,4}}[A-Za-z]?(?![\d*])"),
        36,
        _stars,
    ),
    _Rule(
        re.compile(
            rf"(?<![\d*{_CN}])(?:\d{{1,3}}|[{_CN}]{{1,3}})\s*(?:{_FLOOR_MARK})\s*(?:[A-Za-z](?![A-Za-z])|\d{{1,4}}(?![\d*]){_NOT_A_PLACE})"
            rf"\s*(?:{_ROOM_MARK}|号|號)?"
        ),
        35,
        _stars,
    ),
    _Rule(re.compile(r"(?<![A-Za-z\d*])(?:\d{1,3}|[GgUuLl])\s*/\s*[Ff](?![A-Za-z])"), 34, _stars),
    _Rule(
        re.compile(
            r"(?i)(?<![A-Za-z])(?:flat|rm|room|unit|apt)\.?\s*(?P<v>[A-Za-z]\d{0,4}|\d{1,4}[A-Za-z]?)(?![A-Za-z\d])"
        ),
        33,
        _value,
    ),
    _Rule(re.compile(rf"(?<![\d*.])\d{{3,4}}\s*(?P<k>{_ROOM_MARK})"), 32, _room),
    _Rule(
        re.compile(r"(?:住|家|屋企)\s*(?:在|喺|系|係|于|於)?\s*(?P<v>\d{3,4})(?![\d*])" + _NOT_A_PLACE),
        31,
        _value,
    ),
    _Rule(
        re.compile(
            r"(?:房号|房號|门牌号?|門牌號?|单位|單位)\s*[:：]?\s*(?P<v>[\dA-Za-z][\dA-Za-z#/\-]{1,11})(?![\dA-Za-z#/\-*])"
        ),
        30,
        _value,
    ),
    _Rule(
        re.compile(r"(?:地址|住址)\s*[:：]\s*(?P<v>[^\s，。,;；！!？?、*]{1,40})(?![^\s，。,;；！!？?、])"),
        30,
        _value,
    ),
)


def mask_text(text: str) -> str:
    """Phone numbers, identity numbers, contact handles and unit addresses masked inside free
    text; everything else as written."""
    folded = text.translate(_FOLD)
    found: list[tuple[int, int, int, _Rule, re.Match[str]]] = []
    for rule in _RULES:
        for match in rule.pattern.finditer(folded):
            start = match.start("v") if "v" in match.re.groupindex else match.start()
            if match.end() > start:
                found.append((start, -(match.end() - start), -rule.priority, rule, match))
    if not found:
        return text
    found.sort(key=lambda f: f[:3])
    out: list[str] = []
    at = 0
    for start, _, _, rule, match in found:
        end = match.end()
        if start < at:
            # It overlaps what is already replaced: what sticks out is hidden too (3座1/F A123456(7)
            # is a unit then an HKID whose letter the unit took).
            if end > at and rule.replace is not _keep:
                out.append("****")
                at = end
            continue
        out.append(text[at:start])
        out.append(rule.replace(match, text[start:end]))
        at = end
    out.append(text[at:])
    return "".join(out)


BUILDING_WORD = {"zh-Hans": "栋", "zh-Hant": "座", "zh-Hant-TW": "棟"}


def mask_unit(building: str | None, lang: str = "zh-Hans") -> str:
    """The building only, in the community's own word for it: 3栋****, A座****."""
    return f"{building}{BUILDING_WORD.get(lang, '栋')}****" if building else "****"


def mask_name(name: str) -> str:
    """A person's display name with its first character kept: 王小明 -> 王**, 張 先生 -> 張**,
    李 -> 李*: enough for staff to tell owners apart, not to identify one outside (the rule of
    the opinion digest's names). A name that starts with a digit or a sign keeps nothing of it
    (13812345678 -> **)."""
    name = name.strip()
    if not name:
        return "**"
    head = name[0] if name[0].isalpha() and name[0] not in _CN_DIGIT else ""
    return head + "*" * max(1 if head else 2, min(len(name) - 1, 2))


def owner_text(text: str, limit: int | None = None) -> str:
    """What an owner (or a steward's note) wrote, as Steward may quote it in a group or a staff
    chat: masked, on one line, and cut to `limit` characters (with …) when given."""
    flat = " ".join(mask_text(text).split())
    if limit is not None and len(flat) > limit:
        return flat[: max(limit - 1, 0)] + "…"
    return flat


def owner_name(name: str | None) -> str:
    """An owner's display name as Steward may show it in a group or a staff chat (masked)."""
    return mask_name(name or "")
