"""The second evidence round: what a message does (its act) and what it names (its evidence), in
Simplified, Traditional, Cantonese and Taiwan usage; what neighbours say to each other; whether
to act at all (`uncertain`).

The sentences here are written for these tests (not taken from any corpus): each group states a
general pattern.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from nlp import Classifier, Intent, RulesError
from nlp.rules import DEFAULT_RULES_PATH


def _acted_on(clf: Classifier, text: str, intent: Intent) -> None:
    c = clf.classify(text)
    assert c.intent is intent, (text, c.rules)
    assert not c.uncertain, (text, c.uncertain_reason)


# ----------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    "text",
    [
        # a thing of the building, and what went wrong with it
        "地漏堵死了",
        "门禁没反应",
        "7栋电梯停了",
        "楼道灯一直闪",
        "电梯晃得很厉害",
        "水龙头出水特别小",
        "卫生间天花板渗水",
        "道闸抬杆升不起来",
        "部lift停咗喺9樓",
        "走廊燈閃下閃下",
        "屋企個總掣跳咗推唔返",
        "水喉冇水出",
        "電梯有異音",
        "大門的磁扣不靈光",
        "抽水馬達一直在運轉，好像故障了",
    ],
)
def test_a_thing_of_the_building_and_its_fault_is_a_repair_to_act_on(clf: Classifier, text: str) -> None:
    _acted_on(clf, text, Intent.REPAIR)


@pytest.mark.parametrize("text", ["墙裂了", "门坏了", "灯不亮"])
def test_a_word_heard_everywhere_is_not_enough_to_act_on(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.OTHER or c.uncertain, c.rules


# ----------------------------------------------------------------------------- grievances


@pytest.mark.parametrize(
    "text",
    [
        # a word that states the grievance by itself
        "楼上太吵了",
        "垃圾房好臭",
        "物业电话打不通，什么态度",
        "保安在岗亭睡觉",
        "我的车位又被人占了",
        "樓上成晚嘈到瞓唔著",
        "垃圾房臭到死，幾日冇人清",
        "警衛都在滑手機",
        # someone doing a nuisance in a common part, a neighbour at it, works off hours
        "有人在楼道抽烟",
        "有人喺後樓梯鎖單車",
        "楼下又在唱K",
        "隔壁周末还在打钻",
        "装修工人把水泥堆在单元门口",
        # lasting, raised, paid for nothing, vandalised, left for months
        "地库那个漏水点从去年漏到今年",
        "停车费从200涨到300",
        "物业费照收，人照样找不到",
        "我的信箱俾人撬咗",
        "停車場有架車泊咗成個月冇郁過",
        "一楼住户把车库改成商铺了",
    ],
)
def test_a_statement_of_a_grievance_is_a_complaint_to_act_on(clf: Classifier, text: str) -> None:
    _acted_on(clf, text, Intent.COMPLAINT)


@pytest.mark.parametrize("text", ["养狗", "车位", "物业费", "广场舞", "装修"])
def test_a_topic_alone_is_no_ticket(clf: Classifier, text: str) -> None:
    assert clf.classify(text).intent is Intent.OTHER


def test_an_emergency_is_handled_before_the_grievance_riding_along(clf: Classifier) -> None:
    c = clf.classify("楼道里煤气味很大，物业电话一直没人接，你们值班的人去哪了")
    assert c.urgent
    assert c.intent is Intent.REPAIR
    assert c.category == "gas"


# ----------------------------------------------------------------------------- questions


@pytest.mark.parametrize(
    "text",
    ["明天停唔停水", "请问泳池今天开不开", "會所今日開唔開"],
)
def test_a_not_a_is_a_question_not_a_negation(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.INQUIRY, c.rules
    assert "q.a_not_a" in c.rules
    assert not any(r.startswith("not:") for r in c.rules), c.rules


@pytest.mark.parametrize("text", ["车位怎么租", "物业费怎么交", "装修押金多少钱"])
def test_a_topic_asked_about_is_the_questions_subject(clf: Classifier, text: str) -> None:
    _acted_on(clf, text, Intent.INQUIRY)


@pytest.mark.parametrize("text", ["这个月电费怎么这么贵", "楼上怎么这么吵"])
def test_why_so_is_a_grievance_not_a_question(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is not Intent.INQUIRY, c.rules


def test_a_message_that_asks_nothing_is_no_inquiry(clf: Classifier) -> None:
    c = clf.classify("今天去物业拿了快递，顺便交了物业费")
    assert c.intent is not Intent.INQUIRY, c.rules


@pytest.mark.parametrize("text", ["呢個月管理費交咗未", "呢度停車位點租"])
def test_cantonese_this_is_no_question_word(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert "q:呢" not in c.rules


# ----------------------------------------------------------------------------- what neighbours say


@pytest.mark.parametrize(
    "text",
    [
        # asking the neighbours for a tradesman or a shop of their own
        "有没有认识的装修师傅推荐一下",
        "有冇人識得好嘅冷氣師傅？",
        "有推薦的水電師傅嗎",
        # lost and found, selling, lending
        "我部手机跌咗喺会所，边位执到？",
        "出一台九成新洗衣机，200元自提",
        "邊位有電鑽借嚟用一陣？",
        # a notice relayed, news
        "转发：明天上午9点到12点停水",
        "【转】物业通知：本周六电梯保养",
        "社区通知：周五在小区广场打疫苗",
        # a fault that is over
        "刚才没电是我家跳闸了，已经推上去了",
        "卫生间的漏水找人修好了，不用麻烦物业了",
        "頭先停電係跳掣，而家已經有電",
        # nothing of the property's
        "手机快没电了",
        "电信的宽带又断了，客服真难打",
        "我家狗狗今天好乖",
        "不好意思，我那份取消了，7栋1003",
        "我家猫第一次自己上厕所",
    ],
)
def test_what_neighbours_say_to_each_other_is_no_ticket(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.OTHER or c.uncertain, (text, c.rules)
    assert c.intent not in (Intent.REPAIR, Intent.COMPLAINT) or c.uncertain, (text, c.rules)


def test_a_question_to_the_neighbours_names_the_company_not_a_tradesman(clf: Classifier) -> None:
    asked = clf.classify("有没有人知道物业几点下班")
    assert asked.intent is Intent.INQUIRY, asked.rules
    peers = clf.classify("有没有人认识靠谱的师傅")
    assert peers.intent is Intent.OTHER, peers.rules


def test_what_argues_against_the_property_is_not_listed_as_evidence(clf: Classifier) -> None:
    c = clf.classify("手机坏了")
    assert "evidence.not_property:手机" in c.rules
    assert c.evidence == ()


# ----------------------------------------------------------------------------- letters


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("反映某某花园小区水压问题", Intent.REPAIR),
        ("请求维修某某社区公共化粪池", Intent.REPAIR),
        ("反映某某小区违建问题", Intent.COMPLAINT),
        ("请求解决某市某某新城的相关问题", Intent.COMPLAINT),
        ("投诉某市某某雅苑违规收取诚意金", Intent.COMPLAINT),
        ("希望限制某某山庄周边开荒种菜", Intent.COMPLAINT),
    ],
)
def test_a_reported_problem_goes_to_the_intent_its_subject_names(
    clf: Classifier, text: str, intent: Intent
) -> None:
    c = clf.classify(text)
    assert c.intent is intent, c.rules


def test_a_compound_named_by_its_city_and_district_is_evidence(clf: Classifier) -> None:
    c = clf.classify("投诉某市某区某某雅苑")
    assert "evidence.facility:estate_named" in c.rules
    assert c.intent is Intent.COMPLAINT


# ----------------------------------------------------------------------------- the rules file


def _with(tmp_path: Path, edit: object) -> Path:
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    assert callable(edit)
    edit(data)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_act_must_be_true_or_false(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["categories"]["noise"]["keywords"].append({"word": "咚咚咚咚", "act": "yes"})

    with pytest.raises(RulesError, match=r"categories\.noise\.keywords\[\d+\]: act must be true or false"):
        Classifier.load(_with(tmp_path, edit))


def test_act_is_for_category_keywords(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["intents"]["repair"]["keywords"].append({"word": "咔咔咔咔", "act": True})

    with pytest.raises(RulesError, match="act is for category keywords"):
        Classifier.load(_with(tmp_path, edit))


def test_a_manager_marks_a_word_as_stating_the_problem(tmp_path: Path) -> None:
    def topic(data: dict[str, Any]) -> None:
        data["settings"]["model_weight"] = 0
        data["categories"]["sanitation"]["keywords"].append({"word": "蠓虫成群", "weight": 2})

    def act(data: dict[str, Any]) -> None:
        topic(data)
        data["categories"]["sanitation"]["keywords"][-1]["act"] = True

    text = "垃圾房旁边蠓虫成群"
    before = Classifier.load(_with(tmp_path, topic)).classify(text)
    after = Classifier.load(_with(tmp_path, act)).classify(text)
    assert before.intent is Intent.OTHER, before.rules
    assert after.intent is Intent.COMPLAINT, after.rules
    assert after.category == "sanitation"


def test_a_not_a_about_fees_is_no_refusal(clf: Classifier) -> None:
    c = clf.classify("这个月管理费交不交都一样吗")
    assert not any(r.startswith("risk.refusal") for r in c.rules), c.rules
    assert c.risk < 2


@pytest.mark.parametrize("text", ["落大雨，成条街水浸", "外面马路上水浸好犀利"])
def test_a_danger_in_the_street_pages_nobody(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert not c.urgent, c.rules
    assert c.intent is Intent.OTHER, c.rules


def test_a_danger_in_the_building_still_pages(clf: Classifier) -> None:
    c = clf.classify("车库水浸，水一直涌入来")
    assert c.urgent, c.rules
