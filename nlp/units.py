"""Unit addresses: 3栋2单元1302, 12-1-602, 3座12樓B室, A座16樓, 5号楼, 3幢, 3#2-1302, 3/2/1302,
2单元1302, 住1302; and the Hong Kong forms A-16-B (block-floor-flat), 16/F Flat B (Block A),
A座16/F Flat B, 16樓B室.

Parsing runs on the normalized (Simplified, half-width, lower-case) text; `raw` is cut from the
display text (original script) when the two are aligned.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from nlp.classification import UnitAddress

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN = "零〇一二两三四五六七八九十"

_NUM_B = rf"\d{{1,3}}|[a-z]\d{{0,2}}|[{_CN}]{{1,3}}"
_ADDRESS = re.compile(
    rf"""
    (?<![0-9a-z])(?:第\s*)?
    (?P<b>{_NUM_B})\s*(?:号楼|号栋|栋楼|栋|幢|座|号馆)
    (?:\s*[-,，]?\s*(?P<e>\d{{1,2}}|[{_CN}]{{1,3}})\s*(?:单元|号门|门洞))?
    (?:\s*[-,，]?\s*(?P<f>\d{{1,2}}|[{_CN}]{{1,3}})\s*(?:楼|层|/f|f(?![0-9a-z])))?
    (?:\s*[-,，]?\s*(?:
        (?P<r>\d{{3,4}})(?!\d)(?:室|号房|房|号|户)?
      | (?P<r2>\d{{1,2}}[a-z]?|[a-z])\s*(?:室|号房|房|户)
      | (?:flat|rm|room|unit)\s*(?P<r3>[a-z]\d?|\d{{1,2}})(?![0-9a-z])
    ))?
    """,
    re.VERBOSE,
)
# Hong Kong: block-floor-flat (A-16-B, 5-16-B, A-16-03): the block or the flat is a letter, so
# dates and mainland 3-2-1302 are not read as one.
_HK_DASH = re.compile(
    r"(?<![0-9a-z.:/-])(?:(?P<b>[a-z])-(?P<f>\d{1,2})-(?P<r>[a-z]\d?|\d{1,2})"
    r"|(?P<b2>\d{1,2})-(?P<f2>\d{1,2})-(?P<r2>[a-z]))(?![0-9a-z.:/-])"
)
# Hong Kong in English: 16/F Flat B, 16/F, Flat B, Block A; Flat B, 16/F, Block A.
_BLOCK = r"(?:block|blk|tower|twr)\s*(?P<{name}>[a-z]|\d{{1,2}})(?![0-9a-z])"
_HK_FLOOR_FLAT = re.compile(
    rf"(?<![0-9a-z])(?:{_BLOCK.format(name='b')}\s*[,，]?\s*)?"
    r"(?P<f>\d{1,2})\s*/\s*f\s*[,，]?\s*(?:flat|rm|room|unit)\s*(?P<r>[a-z]\d?|\d{1,2})(?![0-9a-z])"
    rf"(?:\s*[,，]?\s*{_BLOCK.format(name='b2')})?"
)
_HK_FLAT_FLOOR = re.compile(
    r"(?<![0-9a-z])(?:flat|rm|room|unit)\s*(?P<r>[a-z]\d?|\d{1,2})\s*[,，]?\s*(?P<f>\d{1,2})\s*/\s*f(?![0-9a-z])"
    rf"(?:\s*[,，]?\s*{_BLOCK.format(name='b')})?"
)
# A floor and a flat with no block: 16樓B室, 16楼03室.
_FLOOR_FLAT = re.compile(r"(?<![0-9a-z])(?P<f>\d{1,2})\s*(?:楼|层)\s*(?P<r>[a-z]|\d{1,2})\s*(?:室|房)")
# 3#2-1302, 3#1302, 3#2单元1302: "#" is the building's mark (3号), so the building is 3, never 2.
_HASH = re.compile(
    r"(?<![\d#])(?P<b>\d{1,3})\s*#\s*(?:(?P<e>\d{1,2})\s*(?:-|单元)\s*)?(?P<r>\d{3,4})(?![\d#])"
)
# 3/2/1302: building / entrance / room; 5/12/2024 is a date (a year is not read as a room here).
_SLASH3 = re.compile(
    r"(?<![\d./:-])(?P<b>\d{1,3})/(?P<e>\d{1,2})/(?!(?:19|20)\d\d(?!\d))(?P<r>\d{3,4})(?![\d./:-])"
)
# 2单元1302: an entrance and a room without the building.
_ENTRANCE = re.compile(r"(?<![\d.:/-])(?P<e>\d{1,2}|[" + _CN + r"]{1,3})\s*单元\s*(?P<r>\d{3,4})(?!\d)")
# 住1302: a room the owner lives in.
_LIVES = re.compile(r"住\s*(?:在\s*)?(?P<r>\d{3,4})(?!\d)(?!\s*(?:元|块|年|米|天|晚|日|月|号|点))")
_DASH3 = re.compile(r"(?<![\d.:/-])(?P<b>\d{1,3})-(?P<e>\d{1,2})-(?P<r>\d{3,4})(?![\d.:/-])")
_DASH2 = re.compile(
    r"(?<![\d.:/-])(?P<b>\d{1,2})-(?P<r>\d{3,4})(?![\d.:/-])(?!\s*(?:元|块|年|米|号|日|月|点))"
)
_MAYBE = re.compile(r"\d|[" + _CN + r"a-z]\s*(?:号楼|号栋|栋|幢|座|号馆)")
_HK_WORDS = ("/f", "flat", "rm", "room", "unit")
_ROOM = re.compile(r"(?<![\d.:/-])(?P<r>\d{3,4})\s*(?:室|号房|房|户)")
# Characters each form cannot do without: a building word (_ADDRESS), the dash (_DASH3, _DASH2),
# "#" (_HASH), "/" (_SLASH3), 单 (_ENTRANCE), a room word (_ROOM), 住 (_LIVES).
_BUILDING_CHARS = frozenset("楼栋幢座馆")
_ROOM_CHARS = frozenset("室房户")
_KEY_CHARS = _BUILDING_CHARS | _ROOM_CHARS | {"-", "#", "/", "单", "住"}


def _cn_to_int(s: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 二十三 -> 23 (up to 99)."""
    if not s:
        return None
    if s.isdigit():
        return int(s)
    if "十" in s:
        head, _, tail = s.partition("十")
        if "十" in tail:
            return None
        tens = 1 if head == "" else _CN_DIGITS.get(head)
        ones = 0 if tail == "" else _CN_DIGITS.get(tail)
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(s) == 1:
        return _CN_DIGITS.get(s)
    digits = [_CN_DIGITS.get(c) for c in s]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


def _num(s: str | None) -> str | None:
    if s is None:
        return None
    if s[0].isascii() and s[0].isalpha():
        return s.upper()
    n = _cn_to_int(s)
    return str(n) if n is not None else None


def _floor_of_room(room: str) -> str | None:
    if room.isdigit() and len(room) in (3, 4):
        return str(int(room[:-2]))
    return None


def _flat(floor: str, flat: str) -> str:
    """A Hong Kong flat as the room: floor and flat letter (16B), or the flat number as written."""
    return f"{floor}{flat.upper()}" if flat.isalpha() or flat[0].isalpha() else flat


def _hk_english(text: str, raw_of: Callable[[re.Match[str]], str]) -> UnitAddress | None:
    for pattern in (_HK_FLOOR_FLAT, _HK_FLAT_FLOOR):
        m = pattern.search(text)
        if m is None:
            continue
        groups = m.groupdict()
        block = groups.get("b") or groups.get("b2")
        floor = str(int(m.group("f")))
        return UnitAddress(raw=raw_of(m), building=_num(block), floor=floor, room=_flat(floor, m.group("r")))
    return None


def parse_unit(text: str, display: str | None = None) -> UnitAddress | None:
    """Find the first unit address in normalized `text`.

    `display` is the same text in its original script (same length); when given, `raw` is cut
    from it so an address written as 3座12樓B室 is reported as written.
    """
    if _MAYBE.search(text) is None:
        return None
    present = _KEY_CHARS.intersection(text)  # each form needs one of these: skip the others

    def raw_of(m: re.Match[str]) -> str:
        src = display if display is not None and len(display) == len(text) else text
        return src[m.start() : m.end()].strip(" -,，")

    for m in _ADDRESS.finditer(text) if not present.isdisjoint(_BUILDING_CHARS) else ():
        building = _num(m.group("b"))
        if building is None:
            continue
        entrance = _num(m.group("e"))
        floor = _num(m.group("f"))
        room: str | None = None
        if m.group("r"):
            room = m.group("r")
            floor = floor or _floor_of_room(room)
        elif m.group("r2"):
            r2 = m.group("r2").upper()
            room = f"{floor}{r2}" if floor and r2.isalpha() else r2
        elif m.group("r3"):
            r3 = m.group("r3")
            room = _flat(floor, r3) if floor else r3.upper()
        return UnitAddress(raw=raw_of(m), building=building, entrance=entrance, floor=floor, room=room)

    mk = _HASH.search(text) if "#" in present else None
    if mk:
        room = mk.group("r")
        return UnitAddress(
            raw=raw_of(mk),
            building=str(int(mk.group("b"))),
            entrance=_num(mk.group("e")),
            floor=_floor_of_room(room),
            room=room,
        )
    ms = _SLASH3.search(text) if "/" in present else None
    if ms:
        room = ms.group("r")
        return UnitAddress(
            raw=raw_of(ms),
            building=str(int(ms.group("b"))),
            entrance=str(int(ms.group("e"))),
            floor=_floor_of_room(room),
            room=room,
        )
    m3 = _DASH3.search(text) if "-" in present else None
    if m3:
        room = m3.group("r")
        return UnitAddress(
            raw=raw_of(m3),
            building=str(int(m3.group("b"))),
            entrance=str(int(m3.group("e"))),
            floor=_floor_of_room(room),
            room=room,
        )
    mh = _HK_DASH.search(text) if "-" in present else None
    if mh:
        block = mh.group("b") or mh.group("b2")
        floor = str(int(mh.group("f") or mh.group("f2")))
        return UnitAddress(
            raw=raw_of(mh),
            building=_num(block),
            floor=floor,
            room=_flat(floor, mh.group("r") or mh.group("r2")),
        )
    if any(word in text for word in _HK_WORDS):
        found = _hk_english(text, raw_of)
        if found is not None:
            return found
    m2 = _DASH2.search(text) if "-" in present else None
    if m2:
        room = m2.group("r")
        return UnitAddress(
            raw=raw_of(m2), building=str(int(m2.group("b"))), floor=_floor_of_room(room), room=room
        )
    mf = _FLOOR_FLAT.search(text) if not present.isdisjoint(_ROOM_CHARS) else None
    if mf:
        floor = str(int(mf.group("f")))
        return UnitAddress(raw=raw_of(mf), floor=floor, room=_flat(floor, mf.group("r")))
    me = _ENTRANCE.search(text) if "单" in present else None
    if me:
        room = me.group("r")
        return UnitAddress(
            raw=raw_of(me), entrance=_num(me.group("e")), floor=_floor_of_room(room), room=room
        )
    mr = _ROOM.search(text) if not present.isdisjoint(_ROOM_CHARS) else None
    if mr:
        room = mr.group("r")
        return UnitAddress(raw=raw_of(mr), floor=_floor_of_room(room), room=room)
    ml = _LIVES.search(text) if "住" in present else None
    if ml:
        room = ml.group("r")
        return UnitAddress(raw=raw_of(ml), floor=_floor_of_room(room), room=room)
    return None
