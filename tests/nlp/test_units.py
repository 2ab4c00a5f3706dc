from __future__ import annotations

import pytest

from nlp import Classifier, UnitAddress
from nlp.units import parse_unit


@pytest.mark.parametrize(
    ("text", "building", "entrance", "floor", "room"),
    [
        ("3栋2单元1302", "3", "2", "13", "1302"),
        ("12-1-602", "12", "1", "6", "602"),
        ("3座12楼b室", "3", None, "12", "12B"),
        ("a座16楼", "A", None, "16", None),
        ("5号楼", "5", None, None, None),
        ("3幢", "3", None, None, None),
        ("第三栋", "3", None, None, None),
        ("十二栋1单元501", "12", "1", "5", "501"),
        ("b栋 2单元 0903室", "B", "2", "9", "0903"),
        ("7-1802", "7", None, "18", "1802"),
        # Hong Kong: block-floor-flat, floor and flat in English, either order, with the block
        ("a-16-b", "A", None, "16", "16B"),
        ("5-16-b", "5", None, "16", "16B"),
        ("a-16-03", "A", None, "16", "03"),
        ("a座16/f flat b", "A", None, "16", "16B"),
        ("block a 16/f flat b", "A", None, "16", "16B"),
        ("16/f, flat b, block a", "A", None, "16", "16B"),
        ("flat b, 16/f, block a", "A", None, "16", "16B"),
        ("tower 2, 16/f, flat c", "2", None, "16", "16C"),
        ("16/f flat b", None, None, "16", "16B"),  # no block: the caller may know it
        ("16楼b室", None, None, "16", "16B"),
        # "#" marks the building (3号): 3#2-1302 is building 3, entrance 2, never building 2.
        ("3#2-1302", "3", "2", "13", "1302"),
        ("3#1302", "3", None, "13", "1302"),
        ("12 # 1-602", "12", "1", "6", "602"),
        ("3#2单元1302", "3", "2", "13", "1302"),
        ("3/2/1302", "3", "2", "13", "1302"),
        ("三栋二单元1302", "3", "2", "13", "1302"),
        ("2单元1302", None, "2", "13", "1302"),
        ("住1302", None, None, "13", "1302"),
        ("我住在802", None, None, "8", "802"),
    ],
)
def test_formats(text: str, building: str, entrance: str | None, floor: str | None, room: str | None) -> None:
    unit = parse_unit(text)
    assert unit is not None
    assert (unit.building, unit.entrance, unit.floor, unit.room) == (building, entrance, floor, room)


@pytest.mark.parametrize(
    "text",
    [
        "电梯坏了",
        "电话13812345678",
        "2024-05-01停水",
        "明天5号停水",
        "10-12点停电",
        "3楼楼道灯不亮",  # a floor alone is not a unit
        "500-1000元",
        "covid-19-b",  # a letter inside a word is no block
        "3-2-1",  # digits only: a date or a score, not block-floor-flat
        "5/12/2024停水",  # a date, not 5/12/room 2024
        "住了3年",
        "住1000天",
        "#1234",  # a hash without a building
    ],
)
def test_no_unit(text: str) -> None:
    assert parse_unit(text) is None


def test_room_only() -> None:
    unit = parse_unit("我家1502室漏水")
    assert unit == UnitAddress(raw="1502室", floor="15", room="1502")


def test_raw_is_taken_from_the_original_script(clf: Classifier) -> None:
    c = clf.classify("３座１２樓Ｂ室 冇熱水")
    assert c.unit is not None
    assert c.unit.raw == "3座12樓B室"
    assert c.unit.building == "3"
    assert c.unit.masked() == "3栋****"


@pytest.mark.parametrize(
    ("written", "building", "room"),
    [
        ("A座16樓B室", "A", "16B"),
        ("A-16-B", "A", "16B"),
        ("16/F Flat B", None, "16B"),
        ("B座 16/F Flat C", "B", "16C"),
    ],
)
def test_hong_kong_units_as_owners_write_them(
    clf: Classifier, written: str, building: str | None, room: str
) -> None:
    c = clf.classify(written)
    assert c.unit is not None
    assert (c.unit.building, c.unit.floor, c.unit.room) == (building, "16", room)
    assert c.unit.raw == written


def test_unit_in_a_sentence(clf: Classifier) -> None:
    c = clf.classify("@管家 我家马桶堵了，12-1-602，什么时候能来人")
    assert c.unit is not None
    assert c.unit.canonical() == "12-1-602"


def test_hash_unit_routes_to_its_building(clf: Classifier) -> None:
    """3#2-1302 was read as 2-1302 (building 2), so the ticket went to building 2's steward."""
    c = clf.classify("3#2-1302 厨房水管爆了")
    assert c.unit is not None
    assert c.unit.building == "3"
    assert c.unit.masked() == "3栋****"
