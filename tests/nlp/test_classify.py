"""Behaviour of the packaged rules on hand-written messages (not taken from the corpus)."""

from __future__ import annotations

import pytest

from nlp import Classification, Classifier, Intent, Risk, classify

# (text, intent, category or None for "any", urgent, negative)
EXAMPLES: list[tuple[str, str, str | None, bool, bool]] = [
    ("厨房水槽下面一直在滴水，麻烦明天派人看看 8栋1502", "repair", "plumbing", False, False),
    ("卫生间马桶冲不下去了，能安排师傅吗", "repair", "plumbing", False, False),
    ("家里的水龙头拧不紧，哗哗流", "repair", "plumbing", False, False),
    ("客厅插座一插电器就跳闸", "repair", "electrical", False, False),
    ("5号楼电梯按钮失灵了，按了没反应", "repair", "elevator", False, False),
    ("单元门的门禁刷不开，进不了楼", "repair", "access", False, False),
    ("楼道的灭火器箱门掉了", "repair", "fire_safety", False, False),
    ("燃气灶打不着火，是不是燃气表没电了", "repair", "gas", False, False),
    ("卧室墙角发霉还渗水，应该是外墙防水坏了", "repair", "structure", False, False),
    ("儿童乐园的秋千链子断了，小孩容易摔", "repair", "public_facility", False, True),
    ("地库B区的灯全都不亮了", "repair", "public_facility", False, False),
    ("快着火了！！9栋楼下电动车棚起火了，快来人", "repair", "fire_safety", True, True),
    ("厨房好大一股煤气味，我已经开窗了，快派人来 2-3-701", "repair", "gas", True, True),
    ("电梯突然停了，我被困在里面，救命", "repair", "elevator", True, True),
    ("楼上水管爆了，水从天花板往下灌，家里全淹了！！", "repair", None, True, True),
    ("电箱在冒火花还有噼啪声，吓死了", "repair", "electrical", True, True),
    ("廚房水喉漏水，唔該派師傅上嚟睇下 12座8樓C室", "repair", "plumbing", False, False),
    ("部lift又壞咗，成日都係咁😤", "repair", "elevator", False, True),
    ("大堂道閘開唔到，住戶咭拍極都冇反應", "repair", "access", False, False),
    ("走廊盞燈閃閃下，麻煩換一換", "repair", "public_facility", False, False),
    ("浴室天花有水滲落嚟，應該係樓上漏水", "repair", "structure", False, False),
    ("電梯困咗人！！快啲嚟救命", "repair", "elevator", True, True),
    ("家裡插座冒煙，有燒焦味，請馬上派人", "repair", "electrical", True, True),
    ("廚房有瓦斯味，已經關掉總開關，請快點來", "repair", "gas", True, True),
    ("楼上每晚十二点还在蹦迪，吵得根本睡不着", "complaint", "noise", False, True),
    ("垃圾桶满了好几天没人倒，臭气熏天", "complaint", "sanitation", False, True),
    ("对门把电动车停在楼道里充电，太危险了", "complaint", "safety_hazard", False, True),
    ("我的车位又被别人的车占了，物业管不管", "complaint", "parking", False, True),
    ("楼下的狗天天晚上叫，养狗的能不能管好自己的狗", "complaint", "pets", False, True),
    ("前台的工作人员态度非常恶劣，问个事还翻白眼", "complaint", "service", False, True),
    ("物业费又涨了，服务却越来越差", "complaint", "fees", False, True),
    ("水管漏水报修五天了，一个人都没来过", "complaint", "repair_delay", False, True),
    ("楼上装修天天中午电钻，一点都不按规定来", "complaint", "renovation", False, True),
    ("小区门口保安天天玩手机，外人随便进出也不管", "complaint", "security", False, True),
    ("再不解决我就打12345投诉你们", "complaint", None, False, True),
    ("业主们已经联名了，周末要去住建局反映，还要找媒体曝光", "complaint", None, False, True),
    ("樓上成晚唱K，嘈到我哋全家都瞓唔著", "complaint", "noise", False, True),
    ("報咗維修兩個禮拜都冇人理，究竟幾時先嚟整？", "complaint", "repair_delay", False, True),
    ("管理處職員態度好差，問兩句就唔耐煩", "complaint", "service", False, True),
    ("垃圾房臭到成條走廊都係味，冇人清理", "complaint", "sanitation", False, True),
    ("有人成日喺樓梯度叉電單車，好危險", "complaint", "safety_hazard", False, True),
    ("管理費年年加價，又唔公開數，我哋會搵傳媒", "complaint", "fees", False, True),
    ("请问物业费可以用支付宝交吗", "inquiry", "fees", False, False),
    ("明天会停电吗？大概几点恢复", "inquiry", "outage", False, False),
    ("装修申请需要准备什么材料", "inquiry", "renovation", False, False),
    ("想问一下小区月租车位还有没有", "inquiry", "parking", False, False),
    ("快递放在哪里可以取？", "inquiry", "delivery", False, False),
    ("新业主怎么办理门禁卡", "inquiry", "procedure", False, False),
    ("请问我前天报修的热水器什么时候有人来？", "inquiry", "ticket_status", False, False),
    ("物业值班电话是多少", "inquiry", "contact", False, False),
    ("请问小区游泳池几点开放", "inquiry", "other_inquiry", False, False),
    ("請問管理費點樣交？可唔可以用八達通", "inquiry", "fees", False, False),
    ("聽日係咪停水？幾點開始？", "inquiry", "outage", False, False),
    ("請問管理處電話幾多號？", "inquiry", "contact", False, False),
    ("想問下裝修要交幾多按金", "inquiry", "renovation", False, False),
    ("請問搬屋要點樣申請？", "inquiry", "procedure", False, False),
    ("热水器修好了，谢谢师傅", "other", None, False, False),
    ("大家中午好呀", "other", None, False, False),
    ("团购新鲜荔枝，要的接龙", "other", None, False, False),
    ("有人在3栋门口捡到一个钱包吗？失主请联系我", "other", None, False, False),
    ("去年的消防演习大家都参加了吗，挺有意思的", "other", None, False, False),
    ("冇水喇，多謝師傅", "other", None, False, False),
    ("部lift整好咗，多謝晒", "other", None, False, False),
    ("中秋節快樂，祝大家闔家平安", "other", None, False, False),
    ("温馨提示：闻到煤气味不要开灯，先开窗通风", "other", None, False, False),
    ("上个月隔壁小区电梯困人的新闻大家看到了吗", "other", None, False, False),
    ("电梯修好了，谢谢", "other", None, False, False),
    ("请问报修电话多少", "inquiry", "contact", False, False),
    ("报修三天了还没人来修", "complaint", "repair_delay", False, True),
    ("电梯没坏，是我按错了", "other", None, False, False),
    ("不是投诉，想问一下停车费多少钱一个月", "inquiry", None, False, False),
]


@pytest.mark.parametrize(("text", "intent", "category", "urgent", "negative"), EXAMPLES)
def test_examples(
    clf: Classifier, text: str, intent: str, category: str | None, urgent: bool, negative: bool
) -> None:
    c = clf.classify(text)
    assert c.intent.value == intent, c.rules
    if category is not None:
        assert c.category == category, c.rules
    assert c.urgent is urgent, c.rules
    assert c.negative is negative, c.rules


def test_the_three_canonical_cases(clf: Classifier) -> None:
    delay = clf.classify("报修三天了还没人来修")
    assert (delay.intent, delay.category) == (Intent.COMPLAINT, "repair_delay")
    assert delay.negative
    fixed = clf.classify("电梯修好了，谢谢")
    assert fixed.intent is Intent.OTHER
    assert fixed.category is None
    assert not fixed.negative
    assert any(r.startswith("resolved:") for r in fixed.rules)
    ask = clf.classify("请问报修电话多少")
    assert (ask.intent, ask.category) == (Intent.INQUIRY, "contact")


# ----------------------------------------------------------------------------- negation


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("电梯坏了", Intent.REPAIR),
        ("电梯没坏，是我按错了", Intent.OTHER),
        ("厨房漏水了", Intent.REPAIR),
        ("厨房已经没有漏水了，谢谢", Intent.OTHER),
        ("冇漏水喇，多謝師傅", Intent.OTHER),
    ],
)
def test_negation_cancels_a_fault(clf: Classifier, text: str, intent: Intent) -> None:
    assert clf.classify(text).intent is intent


def test_negated_word_is_reported(clf: Classifier) -> None:
    c = clf.classify("电梯没坏")
    assert "not:repair:坏" in c.rules


def test_negation_flips_sentiment(clf: Classifier) -> None:
    assert clf.classify("对这次维修很满意").sentiment > 0
    assert clf.classify("对这次维修很不满意").sentiment < 0


def test_not_a_complaint_is_an_inquiry(clf: Classifier) -> None:
    for text in ("不是投诉哈，就是想问下管理处几点下班", "唔係投訴，想問下管理處幾點收工"):
        c = clf.classify(text)
        assert c.intent is Intent.INQUIRY, (text, c.rules)
        assert not c.negative


def test_negators_inside_words_are_not_negators(clf: Classifier) -> None:
    # 不亮 is itself a fault; 没人管 is a grievance: neither is "不"/"没" negating something.
    assert clf.classify("楼道灯不亮").intent is Intent.REPAIR
    assert clf.classify("垃圾堆了一周没人管").intent is Intent.COMPLAINT


# ----------------------------------------------------------------------------- questions


@pytest.mark.parametrize(
    "text",
    [
        "请问明天停水吗",
        "明天几点停电？",
        "聽日幾點停水？",
        "有冇人知今晚係咪停電",
        "停车月卡怎么办理",
        "點樣申請住戶咭？",
    ],
)
def test_questions_are_inquiries(clf: Classifier, text: str) -> None:
    assert clf.classify(text).intent is Intent.INQUIRY


def test_a_fault_with_a_question_is_still_a_repair(clf: Classifier) -> None:
    for text in (
        "厨房水管漏水了，什么时候能派人来？",
        "部lift壞咗，幾時有人嚟整？",
        "請問有人在嗎？電梯卡在5樓，裡面有人！",
    ):
        assert clf.classify(text).intent is Intent.REPAIR, text


def test_rhetorical_questions_are_complaints(clf: Classifier) -> None:
    for text in ("中午不是不让装修吗？楼上还在砸墙", "你们物业到底有没有人管？"):
        c = clf.classify(text)
        assert c.intent is Intent.COMPLAINT, (text, c.rules)
        assert c.negative


# ----------------------------------------------------------------------------- persistence


def test_recurrence_makes_a_repair_negative_but_not_a_complaint(clf: Classifier) -> None:
    c = clf.classify("电梯又坏了")
    assert c.intent is Intent.REPAIR
    assert c.negative
    assert not clf.classify("电梯坏了").negative


@pytest.mark.parametrize(
    "text",
    [
        "报修一个星期了还没人来",
        "门禁坏了十天了都没修",
        "上周报的漏水到现在还没人处理",
        "報咗維修成個禮拜都冇人嚟",
        "部lift壞咗三日都未整好",
    ],
)
def test_lateness_is_a_repair_delay_complaint(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert (c.intent, c.category) == (Intent.COMPLAINT, "repair_delay"), c.rules
    assert c.negative


def test_polite_progress_question_is_ticket_status(clf: Classifier) -> None:
    c = clf.classify("请问我昨天报修的空调，师傅什么时候来？")
    assert (c.intent, c.category) == (Intent.INQUIRY, "ticket_status"), c.rules


# ----------------------------------------------------------------------------- urgency


@pytest.mark.parametrize(
    "text",
    [
        "闻到很重的煤气味，快来人",
        "楼道着火了，好大的烟",
        "电梯困人了！！里面有老人",
        "水管爆了，客厅全淹了",
        "配电箱在冒火花",
        "有人在大堂晕倒了，快叫救护车",
        "廚房有煤氣味，好驚",
        "lift困咗人呀",
    ],
)
def test_emergencies_are_urgent(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.urgent, c.rules
    assert c.negative
    assert c.intent is Intent.REPAIR


@pytest.mark.parametrize(
    "text",
    [
        "上次煤气泄漏是怎么处理的？",
        "温馨提示：闻到煤气味请勿开关电器",
        "如果电梯困人应该打哪个电话",
        "本周六上午消防演练，听到警报不要惊慌",
        "听说隔壁小区昨天着火了，大家注意用电",
        "早上困电梯的阿姨已经出来了，人没事",
        "厨房水龙头有点滴水",
        "家里没水了",
    ],
)
def test_past_events_tips_and_ordinary_faults_are_not_urgent(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert not c.urgent, c.rules


# ----------------------------------------------------------------------------- risk


@pytest.mark.parametrize(
    ("text", "risk"),
    [
        ("谢谢师傅", Risk.NONE),
        ("电梯坏了", Risk.NONE),
        ("楼上太吵了，受不了", Risk.NEGATIVE),
        ("再不修我就打12345", Risk.EXTERNAL),
        ("这事我要找记者曝光", Risk.CRISIS),  # the media or the courts: tier 3 on its own
        ("大家联名罢免物业", Risk.EXTERNAL),
        ("不交物业费了，服务这么差", Risk.EXTERNAL),
        ("管理費年年加，我哋會搵傳媒", Risk.CRISIS),
        ("管理費年年加，我哋會搵區議員", Risk.EXTERNAL),
        ("我们已经联名了，明天一起去住建局", Risk.CRISIS),
        ("3栋楼道着火了，浓烟很大", Risk.CRISIS),
        ("家里被偷了，已经报警了", Risk.NEGATIVE),
    ],
)
def test_risk_levels(clf: Classifier, text: str, risk: int) -> None:
    c = clf.classify(text)
    assert c.risk == risk, c.rules
    assert (c.risk >= Risk.NEGATIVE) is c.negative


def test_police_as_a_threat_is_external(clf: Classifier) -> None:
    assert clf.classify("再这样吵我直接报警").risk == Risk.EXTERNAL
    assert clf.classify("对面天天吵，再係咁我報警").risk == Risk.EXTERNAL


def test_hotline_number_inside_a_phone_number_is_not_a_threat(clf: Classifier) -> None:
    assert clf.classify("专业疏通下水道，电话13812345678").risk == Risk.NONE


# ----------------------------------------------------------------------------- sentiment & signals


def test_sentiment_is_bounded_and_consistent(clf: Classifier) -> None:
    for text in ("谢谢谢谢谢谢，太感谢了👍👍👍", "垃圾物业！！！气死了😡😡😡[怒][怒]" * 5, "", "hello"):
        c = clf.classify(text)
        assert -1.0 <= c.sentiment <= 1.0
        assert c.negative is (c.sentiment <= clf.settings.negative_threshold)


def test_angry_emoticons_and_exclamations_count(clf: Classifier) -> None:
    plain = clf.classify("部lift壞咗")
    angry = clf.classify("部lift壞咗！！！😡")
    assert angry.sentiment < plain.sentiment
    assert angry.negative
    assert not plain.negative
    assert "emo:😡" in angry.rules


def test_every_complaint_is_negative(clf: Classifier) -> None:
    c = clf.classify("楼下的狗天天叫")
    assert c.intent is Intent.COMPLAINT
    assert c.negative
    assert c.risk >= Risk.NEGATIVE


# ----------------------------------------------------------------------------- API


def test_module_level_classify_uses_the_default_classifier() -> None:
    c = classify("電梯壞咗")
    assert isinstance(c, Classification)
    assert c.intent is Intent.REPAIR
    assert c.category == "elevator"


def test_explain_is_readable_and_masks_the_unit(clf: Classifier) -> None:
    text = clf.explain("3栋2单元1302 厨房水管爆了！！快来人")
    assert "intent:     repair" in text
    assert "category:   plumbing (给排水)" in text
    assert "urgent:     YES" in text
    assert "urgent:水管爆" in text
    assert "1302" not in text
    assert "3栋****" in text


def test_explain_uses_traditional_labels_for_traditional_text(clf: Classifier) -> None:
    assert "(電梯)" in clf.explain("部lift壞咗")


def test_classify_rejects_non_strings(clf: Classifier) -> None:
    with pytest.raises(TypeError):
        clf.classify(b"bytes")  # type: ignore[arg-type]


def test_as_dict_shape(clf: Classifier) -> None:
    d = clf.classify("3栋2单元1302 电梯坏了").as_dict()
    assert set(d) == {
        "intent",
        "category",
        "urgent",
        "unit",
        "sentiment",
        "negative",
        "risk",
        "rules",
        "uncertain",
        "uncertain_reason",
        "evidence",
    }
    assert d["unit"] == "3栋2单元1302"


# ----------------------------------------------------------------------------- urgency scope


@pytest.mark.parametrize(
    "text",
    [
        "昨晚开始就一直有煤气味，现在还很浓",  # past marker, but ongoing
        "闻到煤气味，好担心会爆炸，快来人",  # worry does not switch an emergency off
        "厨房燃气管接口嘶嘶响，还能闻到味道",  # gas described, not named
        "車房入面冒緊白煙！！",  # Cantonese progressive 緊
        "有个老人在花园跌倒了，头在流血",
        "小朋友的手被闸门夹住了拔不出来",
        "有个婆婆被卡在停车场的道闸下面，快来人",  # someone caught, any barrier
        "唔好问如果喇，而家真系困咗人喺lift入面",  # the conditional's clause has ended
        "电梯困人半小时了，人还没救出来！",  # not yet out: no resolution
    ],
)
def test_live_emergencies_are_urgent(clf: Classifier, text: str) -> None:
    c = clf.classify(text)
    assert c.urgent, c.rules
    assert c.negative


@pytest.mark.parametrize(
    "text",
    [
        "电动车在楼道充电，随时会着火",  # a hazard: 随时 governs 着火
        "走廊堆满纸箱，万一起火怎么逃",
        "如果闻到煤气味，要马上开窗",  # 马上 is no call for help
        "哈哈 我以为着火了 原来是楼下在烧烤",
        "平台喷水池好大声",  # a fountain is no burst pipe
        "救护车通道被私家车堵住了",
        "要是半夜电梯困人了，值班电话是多少？",  # a conditional governs its whole clause
        "萬一屋企漏煤氣，第一時間應該點做？",
        "琴晚升降機困人嗰單，後來點處理？",  # Cantonese 'last night'
        "前阵子楼道着火那次，保险赔了没有",
        "垃圾桶着火了，保安已经扑灭了，没人受伤",  # put out: resolved
        "停电了，电梯有没有困人？",  # a yes/no question about a danger, not a report of one
        "电箱里面有烧焦的痕迹，要不要紧",  # traces of an old burn
        "楼上电焊的火花溅到我家阳台",  # sparks from welding work
        "外墙有块瓷砖掉下来了，还好是半夜没人",  # over, and nobody was hit
        "好彩冇人經過，頭先有個花盆跌咗落嚟",
        "电动车电池冒烟的视频大家看看，太可怕了",  # a video of something elsewhere
        "风太大把楼下的树吹倒了，挡住了路",  # a tree, not a person, was blown over
        "早上电梯困人了，后来怎么处理的？",  # asked afterwards
        "今天早上3栋有人被困电梯，半小时才救出来，维保太慢了",  # over: a complaint about it
        "有个阿伯喺大堂跌咗一跤，保安扶咗佢起身，冇大礙",
        "电梯经常困人，业主们要不要联名投诉",  # habitual, not happening now
        "天然气报警器响了，我检查了一下没有味道，是不是坏了",  # no smell
    ],
)
def test_hazards_and_lookalikes_are_not_urgent(clf: Classifier, text: str) -> None:
    assert not clf.classify(text).urgent, clf.classify(text).rules


def test_government_bodies_count_only_in_a_grievance(clf: Classifier) -> None:
    assert clf.classify("转贴：市政府下周开始灭蚊，记得关好门窗").risk == Risk.NONE
    assert clf.classify("管理费乱涨价，我会去市政府陈情").risk >= Risk.EXTERNAL


def test_withholding_fees_is_risk_two(clf: Classifier) -> None:
    assert clf.classify("管理费说涨就涨，下个月开始我唔交").risk >= Risk.EXTERNAL


# Owners' letters: a salutation and a closing formula frame the content without being part of it.
LETTER = (
    "投诉信\n尊敬的物业管理处：\n您好！\n我是3栋2单元1302的业主。楼道的声控灯坏了两个星期，"
    "晚上老人上下楼很不方便，我已经打过两次电话，至今没有人来修。请尽快安排维修。\n此致\n敬礼\n业主 王女士"
)


def test_a_letters_salutation_and_closing_are_not_content(clf: Classifier) -> None:
    c = clf.classify(LETTER)
    assert "frame.salutation" in c.rules
    assert "frame.closing" in c.rules
    # The addressee (物业, 管理处) is not a complaint about the service, 您好 is not chit-chat.
    assert not any(r.startswith(("cat.service:", "other:")) for r in c.rules)
    assert c.intent is Intent.COMPLAINT
    assert c.category == "repair_delay"
    assert c.unit is not None  # the writer's unit is still read


def test_a_frame_needs_the_letters_shape(clf: Classifier) -> None:
    # A colon in the middle of a chat message is no salutation; 致 inside 导致 is no 致.
    for text in ("楼上漏水导致我家天花板发霉：麻烦物业协调一下", "电梯：又坏了", "提醒：今晚停水"):
        assert not any(r.startswith("frame.") for r in clf.classify(text).rules), text


def test_a_praise_letter_recounting_an_emergency_is_not_one(clf: Classifier) -> None:
    text = (
        "表扬信\n尊敬的物业公司领导：\n上周六晚上我家水管突然爆裂，水漫了一地。值班的李师傅十分钟就赶到，"
        "关闭总阀并连夜更换了水管，一直忙到凌晨。特写此信表示感谢！\n此致\n敬礼！\n5栋802业主 张先生"
    )
    c = clf.classify(text)
    assert not c.urgent
    assert c.intent is Intent.OTHER
    assert not c.negative


# Letter genres (rules.yaml `genres`): a letter's title, or its statement of purpose, says what it is.
def genre_rules(c: Classification) -> list[str]:
    return [r for r in c.rules if r.startswith("genre.")]


def test_a_title_names_a_genre_by_its_head_noun(clf: Classifier) -> None:
    body = "各位邻居：小区东门的公告栏玻璃碎了好几天，上面的通知都被雨淋湿了，字也看不清，希望物业尽快更换一下玻璃。"
    # 公告栏 is a noticeboard, not a notice: the title's head noun decides.
    c = clf.classify("小区公告栏\n" + body)
    assert genre_rules(c) == []
    thanks = (
        "感谢信——致物业服务中心\n上个月我母亲在小区花园里突然头晕摔倒，巡逻的保安小刘第一时间扶她到岗亭休息，"
        "又打电话通知了我，一直陪到我赶回来。老人家现在身体已无大碍，全家都非常感激。"
    )
    c = clf.classify(thanks)
    assert genre_rules(c) == ["genre.praise:感谢信"]
    assert c.intent is Intent.OTHER
    assert not c.urgent  # a fall recounted in a thank-you letter is over
    assert not c.negative


def test_a_relayed_notice_is_calm_news(clf: Classifier) -> None:
    text = (
        "【转发】停水通知\n各位业主：因市政供水管网改造，12月10日（周四）9:00至18:00小区1-6栋将停水，"
        "请提前储水。如遇水管爆裂等紧急情况请拨打24小时值班电话。给您带来不便，敬请谅解！物业服务中心"
    )
    c = clf.classify(text)
    assert genre_rules(c)
    assert c.intent is Intent.OTHER
    assert not c.urgent  # 水管爆裂 is the notice's advice, nothing is bursting
    assert not c.negative
    assert c.risk == 0


def test_a_grievance_title_makes_a_complaint(clf: Classifier) -> None:
    text = (
        "關於停車場收費嘅聯名信\n致管理處：我哋係第2座一班住戶，管理處上個月起將月租車位由1800元加到2300元，"
        "事前冇任何諮詢，亦冇交代原因。我哋要求暫停加價並召開業主大會討論，否則會向消委會反映。"
    )
    c = clf.classify(text)
    assert c.intent is Intent.COMPLAINT
    assert c.negative
    assert c.risk >= 2  # a joint letter that threatens 消委会 is collective and external


def test_a_live_emergency_outranks_a_letters_genre(clf: Classifier) -> None:
    text = (
        "投诉\n物业：现在5栋2单元楼道里煤气味很大，我们已经开窗了，打了物业电话一直没人接！"
        "快派人来看看，楼里还有老人和小孩！你们值班的人到底去哪里了？"
    )
    c = clf.classify(text)
    assert c.urgent
    assert c.intent is Intent.REPAIR  # the emergency is handled first; the grievance rides along


def test_short_messages_have_no_genre(clf: Classifier) -> None:
    for text in ("感谢信收到了吗", "停水通知\n明天几点停水？", "投诉\n楼上好吵"):
        assert genre_rules(clf.classify(text)) == [], text


# A long letter recounts: its danger words are live only in a sentence that says they are
# happening now (现在, 正在, 还在), or with a call for help anywhere.
DELAY_LETTER = (
    "致物业管理处：\n我是7栋1单元402的业主。去年冬天楼上的暖气管爆裂，水从我家天花板灌下来，当时物业很快关了总阀，"
    "这件事我一直很感激。但是事后说好的赔偿和修复，到现在已经快一年了。天花板的石膏板泡坏以后一直没有更换，"
    "墙面大片起皮发霉，卧室的木地板也变形翘起，孩子只能搬去客厅睡，一家人晚上都休息不好。这一年里我先后找过管家、前台和项目经理，"
    "每次问都说在走保险流程，之后就再也没有下文。我不懂保险公司和物业之间怎么分责任，我只想知道到底什么时候能修。"
    "请物业在月底前给我一个书面答复和具体的维修时间。\n业主 刘女士"
)


def test_a_long_letter_recounting_a_past_emergency_is_not_urgent(clf: Classifier) -> None:
    assert len(DELAY_LETTER) >= clf.settings.urgent_context_chars
    c = clf.classify(DELAY_LETTER)
    assert not c.urgent
    # The defect is described at length, but the letter is about the wait.
    assert c.intent is Intent.COMPLAINT
    assert c.category == "repair_delay"


def test_a_long_letter_reporting_a_live_emergency_is_urgent(clf: Classifier) -> None:
    text = DELAY_LETTER.replace(
        "请物业在月底前",
        "另外，今天早上起卧室天花板正在往下哗哗流水，吊灯里也在滴水，请马上派人来！请物业在月底前",
    )
    assert clf.classify(text).urgent
