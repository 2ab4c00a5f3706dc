"""The third round: things of an estate named in everyday words, and states said softly.

Barrier arms (杆子, 升降杆, 支閘), passages (过道, 走道, 楼梯口), a common place that is dark (黑乎乎,
有啲暗), faults by what one hears or sees (关不严, 哐哐响, 不怎么灵), water that looks wrong, cracks
and holes, standing water, outages counted, fees raised by an amount, Cantonese neighbours (隔離屋);
and the same words in chatter, where nothing of the property is named, stay `other`.

The sentences here are written for these tests (not taken from any corpus): each group states a
general pattern.
"""

from __future__ import annotations

import pytest

from nlp import Classifier, Intent


def _actionable(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent in (Intent.REPAIR, Intent.COMPLAINT), (text, c.rules)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # barrier arms and readers that will not let one through
        ("南门车道那根升降杆抬不起来", "access"),
        ("停车场入口的拦车杆一直不落杆", "access"),
        ("地庫出口支閘唔升，車出唔到", "access"),
        ("小区门口的道闸不识别我的车牌了", "access"),
        # a common place that is dark
        ("3栋过道黑漆漆的", "public_facility"),
        ("後樓梯有啲暗，夜晚唔敢行", "public_facility"),
        ("地下车库越来越暗了", "public_facility"),
        # faults said by what one hears or sees
        ("楼梯口的感应灯不太灵", "public_facility"),
        ("阳台的推拉窗关不严", "structure"),
        ("客厅墙壁上有条裂缝", "structure"),
        ("車庫有積水，好似去水有問題", "plumbing"),
        ("水龙头放出来的水发黄", "plumbing"),
    ],
)
def test_everyday_names_and_soft_states_are_repairs(clf: Classifier, text: str, category: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.REPAIR, (text, c.rules)
    assert c.category == category, (text, c.rules)


@pytest.mark.parametrize(
    "text",
    [
        "上个月停了三次水，这个月又停",
        "今個月斷咗兩次電",
        "物业费一下子涨了两块",
        "車位月租加咗三成",
        "隔離屋夜晚成日拍門拍到好大聲",
        "平台到处都是狗屎",
    ],
)
def test_counted_outages_raised_fees_and_neighbours_are_complaints(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.COMPLAINT, (text, c.rules)


@pytest.mark.parametrize(
    "text",
    [
        # the same words where nothing of the property is named
        "今天天色好暗，要下雨了",
        "这张照片有点暗",
        "那只黑漆漆的小猫好可爱",
        "猪肉又涨了三块",
        "马路上好多积水，开车小心",
        "我老公老是晃来晃去，看得我头晕",
        "热到头顶冒烟",
        "气到冒烟啦",
        "今日天氣怪怪哋",
        "他那根杆子钓到一条大鱼",
    ],
)
def test_the_same_words_in_chatter_stay_other(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.OTHER, (text, c.rules)
    assert not c.urgent, (text, c.rules)


@pytest.mark.parametrize(
    "text",
    [
        "楼道里那幅画挺好看",
        "走廊有只猫在睡觉",
        "车库出口那边开了家面包店",
    ],
)
def test_a_place_of_the_estate_without_an_act_is_no_ticket(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.OTHER or c.uncertain, (text, c.rules)


def test_a_fire_under_way_is_a_crisis(clf: Classifier) -> None:
    for text in ("5楼有家烧着了", "對面座冒緊煙"):
        c = clf.classify(text)
        assert c.urgent, (text, c.rules)
        assert c.risk == 3, (text, c.rules)


@pytest.mark.parametrize(
    "text",
    [
        "車位費由$1,500加到$1,800，邊個批准㗎",
        "游泳池改成停车场了？经过谁同意的",
    ],
)
def test_who_allowed_it_and_raised_amounts_are_grievances(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.COMPLAINT, (text, c.rules)


def test_water_coming_down_through_the_home_is_urgent_a_drain_outside_is_not(clf: Classifier) -> None:
    for text in ("水从卧室天花往下流", "啲水由灯位流落嚟"):
        c = clf.classify(text)
        assert c.urgent, (text, c.rules)
    c = clf.classify("雨水从楼顶排水口往下流")
    assert not c.urgent, c.rules


@pytest.mark.parametrize(
    "text", ["停車場有架車燒緊", "電梯門夾住咗個小朋友", "電梯裡有人在喊救命", "樓上啲水由天花瀉落嚟"]
)
def test_emergencies_in_everyday_words_page(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.urgent, (text, c.rules)


@pytest.mark.parametrize("text", ["笑到喊救命", "煲汤烧紧", "我个仔夹住咗啲头发"])
def test_the_same_words_with_nothing_of_the_estate_page_nobody(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert not c.urgent, (text, c.rules)


@pytest.mark.parametrize("text", ["大堂有股狗尿味", "5栋垃圾站那股味熏死人", "充电桩又显示离线"])
def test_smells_of_a_place_and_a_charger_offline_are_acted_on(clf: Classifier, text: str) -> None:
    _actionable(clf, text)
