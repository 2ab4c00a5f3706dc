"""Evidence first, and `other` by default: an intent needs something of the property named.

The sentences here are written for these tests (not taken from any corpus): each group states a
general pattern, in Simplified and in Cantonese/Traditional.
"""

from __future__ import annotations

import pytest

from nlp import Classifier, Intent, Risk
from nlp.model import TrainingExample


def _model_saying(clf: Classifier, intent: str) -> Classifier:
    """The packaged rules with a model trained to say `intent` of everything."""
    texts = ["你好", "明白", "知道了", "好的", "今天好热", "电梯", "物业费", "请问", "哈哈", "收到"]
    return clf.retrained([TrainingExample(t, intent, None, False, False) for t in texts])


# ----------------------------------------------------------------------------- the gate


@pytest.mark.parametrize(
    "text",
    [
        "你好",
        "明白",
        "知道了",
        "你好抢镜！",
        "哈哈哈这也太好笑了吧",
        "我要两份 6-2-801",
        "+1 12座8樓C 兩包",
        "今晚食咩好",
        "周末有人一起去爬山吗",
        "明天降温了，大家多穿点",
    ],
)
def test_chatter_is_other_whatever_the_model_says(clf: Classifier, text: str) -> None:
    for intent in ("complaint", "repair", "inquiry"):
        c = _model_saying(clf, intent).classify(text)
        assert c.intent is Intent.OTHER, (intent, c.rules)
        assert c.category is None


@pytest.mark.parametrize(
    "text",
    ["手机坏了，郁闷", "我的电脑又坏了", "耳机断了一边", "部相機壞咗，好嬲"],
)
def test_a_fault_of_nothing_of_the_property_is_other_and_uncertain(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.OTHER, c.rules
    assert c.uncertain, c.rules
    assert c.uncertain_reason is not None
    assert "nothing of the property" in c.uncertain_reason
    assert "gate:no_evidence" in c.rules


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("电梯坏了，麻烦派人来看看", Intent.REPAIR),
        ("5栋楼道灯不亮了", Intent.REPAIR),
        ("地库有个井盖松了，踩上去会动", Intent.REPAIR),
        ("樓下大閘個鎖壞咗，唔該整返", Intent.REPAIR),
        ("楼上天天半夜拖椅子，吵得睡不着", Intent.COMPLAINT),
        ("管理費又加，服務越嚟越差", Intent.COMPLAINT),
        ("请问物业费可以按季度交吗", Intent.INQUIRY),
        ("請問會所泳池幾點開？", Intent.INQUIRY),
    ],
)
def test_a_domain_word_with_an_act_is_actionable(clf: Classifier, text: str, intent: Intent) -> None:
    c = clf.classify(text)
    assert c.intent is intent, c.rules
    assert c.evidence, c.rules


def test_being_addressed_is_evidence(clf: Classifier) -> None:
    text = "坏了，麻烦快点来修一下"
    assert clf.classify(text).intent is Intent.OTHER
    c = clf.classify(text, addressed=True)
    assert c.intent is Intent.REPAIR, c.rules
    assert "addressed" in c.evidence


def test_the_model_never_chooses_an_intent_the_rules_do_not_support(clf: Classifier) -> None:
    # No fault, request or danger word: a repair has no support, however sure the model is.
    repairing = _model_saying(clf, "repair")
    for text in ("请问物业费可以用微信交吗", "停车月卡怎么办理", "楼上的狗天天叫，烦死了"):
        assert repairing.classify(text).intent is not Intent.REPAIR, text


def test_a_topic_alone_is_no_ticket(clf: Classifier) -> None:
    # Something of the property named, but nothing reported, asked or complained of.
    for text in ("小区门口新开了一家水果店", "广场舞的阿姨们今天跳得好整齐", "我家狗狗今天去打疫苗了"):
        c = clf.classify(text)
        assert c.intent is Intent.OTHER, (text, c.rules)


# ----------------------------------------------------------------------------- questions


@pytest.mark.parametrize(
    "text",
    [
        "有没有拼车去机场的？明早七点",
        "哪家补习班好，孩子数学跟不上",
        "有没有人推荐靠谱的钟点工",
        "谁家有打气筒借我用一下",
        "有冇人識好嘅鋼琴老師？",
        "邊間茶餐廳啲奶茶好飲？",
        "谁的快递放错我家门口了？",
    ],
)
def test_a_question_to_the_neighbours_is_not_an_inquiry(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.OTHER, c.rules


@pytest.mark.parametrize(
    "text",
    [
        "有冇人知今晚係咪停電？",
        "有人知道3栋为什么没水了吗",
        "有没有人知道物业的值班电话",
        "请问管理处几点下班",
    ],
)
def test_a_question_about_what_the_property_manages_is_an_inquiry(clf: Classifier, text: str) -> None:
    assert clf.classify(text).intent is Intent.INQUIRY, clf.classify(text).rules


# ----------------------------------------------------------------------------- grievances


@pytest.mark.parametrize(
    "text",
    [
        "楼道灯坏了一个月，到底什么时候才能修好？",
        "电梯用胶布粘着就算修好了，有安全可言吗？",
        "小区停水的事何时能解决？",
        "为什么总是停电？",
        "这样也叫物业服务？",
        "點解成日都停水？",
    ],
)
def test_rhetorical_questions_are_complaints(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.COMPLAINT, c.rules
    assert c.negative


@pytest.mark.parametrize(
    "text",
    ["我们小区经常无故停水", "这个月频繁停电", "电梯连续三天停运了", "几个月都没人修那盏路灯"],
)
def test_chronic_outages_and_faults_are_complaints(clf: Classifier, text: str) -> None:
    assert clf.classify(text).intent is Intent.COMPLAINT, clf.classify(text).rules


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("楼上那套房群租，住了十几个人", "neighbour"),
        ("一楼有业主住改商，开了个棋牌室", None),
        ("有人在楼顶私搭乱建了一间房", "neighbour"),
        ("楼下那户占用公共绿地种菜", "neighbour"),
        ("小区里有人养犬不拴绳，还到处拉屎", "pets"),
        ("我的车位又被人占了", "parking"),
        ("物业拒绝和新物业交接", "service"),
        ("业委会挪用维修基金", "fees"),
    ],
)
def test_what_owners_really_complain_about(clf: Classifier, text: str, category: str | None) -> None:
    c = clf.classify(text)
    assert c.intent is Intent.COMPLAINT, c.rules
    if category is not None:
        assert c.category == category, c.rules


# ----------------------------------------------------------------------------- fights, figures of speech


@pytest.mark.parametrize(
    "text",
    ["保安和业主在大堂打起来了，快来人", "楼下有人持刀行凶", "停車場有兩個人打交，打到流血"],
)
def test_a_fight_is_urgent_security(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.urgent, c.rules
    assert c.intent is Intent.COMPLAINT, c.rules
    assert c.category == "security", c.rules
    assert c.negative


@pytest.mark.parametrize(
    "text",
    ["两只猫打架好可爱", "笑晕了哈哈哈", "今天热到爆炸", "你的爱像火苗", "我要晕倒了，作业太多"],
)
def test_figures_of_speech_page_nobody(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert not c.urgent, c.rules
    assert c.risk < Risk.EXTERNAL, c.rules


def test_someone_hurt_in_the_estate_or_calling_for_help_is_urgent(clf: Classifier) -> None:
    assert clf.classify("有个老人在花园晕倒了").urgent
    assert clf.classify("救命！我老公晕倒了，快叫救护车").urgent


def test_outside_parties_in_chatter_raise_no_alert(clf: Classifier) -> None:
    for text in ("记者节快乐！", "这首歌上热搜了", "来来来，大家一起来！"):
        assert clf.classify(text).risk < Risk.EXTERNAL, text
    assert clf.classify("物业再不处理，我就找记者曝光").risk >= Risk.EXTERNAL


# ----------------------------------------------------------------------------- uncertain, explained


def test_a_clear_report_is_not_uncertain(clf: Classifier) -> None:
    c = clf.classify("3栋2单元的电梯坏了，麻烦派师傅来维修")
    assert c.intent is Intent.REPAIR
    assert not c.uncertain
    assert c.uncertain_reason is None
    assert any(e.startswith("cat.elevator:") for e in c.evidence)


def test_uncertain_has_a_reason_and_is_explained(clf: Classifier) -> None:
    for text in ("手机坏了", "这物业真的不行", "小区那个灯"):
        c = clf.classify(text)
        assert c.uncertain is (c.uncertain_reason is not None)
        assert ("uncertain" in c.rules) is c.uncertain
    out = clf.explain("手机坏了")
    assert "uncertain:  repair words, but nothing of the property named" in out
    assert "evidence:   -" in out
    assert "evidence:   cat.elevator:电梯" in clf.explain("电梯坏了")


def test_as_dict_carries_the_new_fields(clf: Classifier) -> None:
    d = clf.classify("电梯坏了").as_dict()
    assert d["uncertain"] is False
    assert d["uncertain_reason"] is None
    assert d["evidence"] == ["cat.elevator:电梯"]
