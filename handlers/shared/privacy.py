"""Masking of owners' personal data (PIPL / PDPO) before text reaches a group or a log.

Phone numbers keep a recognisable head and tail; unit addresses keep the building only
(the steward grid needs it; the floor and room identify a household).
"""

from __future__ import annotations

import re

_PHONE = re.compile(
    r"(?<![\d*:\-])(?:"
    r"(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}"  # mainland mobile
    r"|0\d{2,3}-\d{7,8}"  # mainland landline
    r"|09\d{2}-?\d{3}-?\d{3}"  # Taiwan mobile
    r"|(?:\+?852[ -]?)?[2-9]\d{3}[ -]?\d{4}"  # Hong Kong
    r")(?![\d:\-])"
)
_DASHED_UNIT = re.compile(r"(?<![\d-])(\d{1,3})\s*[-－]\s*\d{1,3}\s*[-－]\s*\d{2,4}(?![\d-])")
_CHAIN_UNIT = re.compile(
    r"(?P<b>\d{1,3}|[A-Za-z])\s*(?P<mark>号楼|號樓|栋|棟|幢|座)"
    r"(?P<rest>(?:\s*\d{1,2}\s*(?:单元|單元))?"
    r"(?:\s*\d{1,2}\s*(?:楼|樓|层|層|/?F))?"
    r"(?:\s*[-－]?\s*(?:\d{2,4}|[A-Za-z](?=\s*[室房]))\s*(?:室|房|号|號)?)?)"
)
_LABELLED = re.compile(r"(房号|房號|门牌号?|門牌號?|单位|單位)\s*[:：]?\s*[\dA-Za-z][\dA-Za-z\-]{1,11}")
_ROOM = re.compile(r"(?<![\d*])\d{3,4}\s*(室|房)")
_FLOOR_ROOM = re.compile(r"(?<![\d*])\d{1,2}\s*(楼|樓|层|層)\s*[A-Za-z\d]{1,4}\s*(室|房)?")


def mask_phone(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]


def mask_text(text: str) -> str:
    """Mask phone numbers and unit addresses inside free text."""

    def phone(match: re.Match[str]) -> str:
        return mask_phone(match.group(0))

    def chain(match: re.Match[str]) -> str:
        if not match.group("rest").strip():
            return match.group(0)
        return f"{match.group('b')}{match.group('mark')}****"

    text = _DASHED_UNIT.sub(lambda m: f"{m.group(1)}-****", text)
    text = _CHAIN_UNIT.sub(chain, text)
    text = _FLOOR_ROOM.sub("****", text)
    text = _LABELLED.sub(lambda m: m.group(1) + "****", text)
    text = _ROOM.sub(lambda m: "****" + m.group(1), text)
    return _PHONE.sub(phone, text)


BUILDING_WORD = {"zh-Hans": "栋", "zh-Hant": "座", "zh-Hant-TW": "棟"}


def mask_unit(building: str | None, lang: str = "zh-Hans") -> str:
    """The building only, in the community's own word for it: 3栋****, A座****."""
    return f"{building}{BUILDING_WORD.get(lang, '栋')}****" if building else "****"


def mask_name(name: str) -> str:
    """A person's display name with its first character kept: 王小明 -> 王**, 張 先生 -> 張**,
    李 -> 李*: enough for staff to tell owners apart, not to identify one outside (the rule of
    the opinion digest's names)."""
    name = name.strip()
    if not name:
        return "**"
    return name[0] + "*" * max(1, min(len(name) - 1, 2))
