"""Suggestions and praise are not repairs (issue 21, item 6): a suggestion becomes a 建议
record (acknowledged, listed, answered in the owner group), praise of a named steward gets a
short thanks and is credited; both appear in the daily digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.opinion.jobs import digest_tick
from handlers.voices.detection import Person, is_suggestion, praised
from nlp.classifier import Classifier
from nlp.normalize import Normalizer
from storage.voices.models import Praise, Suggestion
from tests.harness import Harness

OWNERS, STEWARDS, SUPERVISORS = "lxy-owners-1", "lxy-stewards", "lxy-supervisors"
HK_OWNERS, HK_STEWARDS = "hbhy-owners", "hbhy-stewards"
ROSTER = [Person(1, "王管家"), Person(2, "刘管家"), Person(3, "赵师傅")]

SUGGESTIONS = [
    "建议物业在地下车库增加充电桩",
    "建議喺停車場加裝充電樁",
    "希望可以在小区门口增设快递柜",
    "不如喺大堂放把遮，落雨方便啲",
    "建议小区花园多设几张长椅",
]
NOT_SUGGESTIONS = [
    "建议尽快修好电梯，已经坏了三天",  # a complaint: the classifier says so
    "建议大家出门带伞",  # advice to neighbours
    "不如我们周末去爬山",
    "3栋厨房水管漏水了，麻烦派人来修",
    "希望可以早日修好",
]


@pytest.fixture(scope="module")
def plain() -> Normalizer:
    return Normalizer()


@pytest.mark.parametrize("text", SUGGESTIONS)
def test_suggestions_are_told_from_repairs(text: str, classifier: Classifier, plain: Normalizer) -> None:
    assert is_suggestion(plain.normalize_term(text), classifier.classify(text))


@pytest.mark.parametrize("text", NOT_SUGGESTIONS)
def test_other_messages_are_no_suggestion(text: str, classifier: Classifier, plain: Normalizer) -> None:
    assert not is_suggestion(plain.normalize_term(text), classifier.classify(text))


@pytest.mark.parametrize(
    ("text", "named", "person"),
    [
        ("多谢王管家", "王管家", 1),
        ("辛苦赵师傅了，修得很好", "赵师傅", 3),
        ("谢谢王师傅帮忙", "王管家", 1),  # the one 王 on the roster
        ("感謝陳師傅幫手", "陈师傅", None),  # named, but nobody of that name on the roster
    ],
)
def test_praise_names_the_person(
    text: str, named: str, person: int | None, classifier: Classifier, plain: Normalizer
) -> None:
    found = praised(plain.normalize_term(text), classifier.classify(text), ROSTER)
    assert found is not None
    assert found.named == named
    assert (found.person.id if found.person else None) == person


@pytest.mark.parametrize(
    "text",
    ["谢谢管家", "谢谢大家", "谢谢王管家，但是厨房又漏水了", "谢谢维修师傅", "王管家在吗", "多谢王姐分享"],
)
def test_no_praise_without_a_named_staff_member(text: str, classifier: Classifier, plain: Normalizer) -> None:
    assert praised(plain.normalize_term(text), classifier.classify(text), ROSTER) is None


async def suggestions(harness: Harness) -> list[Suggestion]:
    async with harness.app.sessions() as session:
        return list((await session.scalars(select(Suggestion).order_by(Suggestion.id))).all())


async def praises(harness: Harness) -> list[Praise]:
    async with harness.app.sessions() as session:
        return list((await session.scalars(select(Praise).order_by(Praise.id))).all())


async def test_a_suggestion_is_a_record_not_a_repair(harness: Harness) -> None:
    await harness.say(
        OWNERS, "u-zhang", "建议物业在地下车库增加充电桩，现在电动车越来越多了", sender_name="张先生"
    )
    assert await harness.tickets() == []
    [suggestion] = await suggestions(harness)
    assert suggestion.state == "open"
    ack = harness.sent(OWNERS)[-1]
    assert f"建议 #{suggestion.id}" in ack.text
    assert "月物业工作会议" in ack.text
    note = harness.sent(SUPERVISORS)[-1]
    assert "业主建议" in note.text
    assert "张**" in note.text

    await harness.say(STEWARDS, "wang", "/suggestions")
    listing = harness.sent(STEWARDS)[-1].text
    assert f"#{suggestion.id}" in listing
    assert "充电桩" in listing
    assert "待讨论" in listing

    # A steward may list, not decide; a supervisor answers, and the owner group hears it.
    await harness.say(STEWARDS, "wang", f"/suggestion {suggestion.id} 采纳 已安排在B2增设10个充电桩")
    assert (await suggestions(harness))[0].state == "open"
    await harness.say(SUPERVISORS, "li", f"/suggestion {suggestion.id} 采纳 已安排在B2增设10个充电桩")
    [suggestion] = await suggestions(harness)
    assert (suggestion.state, suggestion.answer, suggestion.answered_by) == (
        "adopted",
        "已安排在B2增设10个充电桩",
        "李主管",
    )
    told = harness.sent(OWNERS)[-1]
    assert "已采纳" in told.text
    assert "B2增设10个充电桩" in told.text
    assert told.out.reply_to == suggestion.source_message_id
    assert "已答复" in harness.sent(SUPERVISORS)[-1].text
    await harness.say(STEWARDS, "wang", "/suggestions")
    assert "没有待讨论" in harness.sent(STEWARDS)[-1].text


async def test_a_bad_answer_gets_the_usage(harness: Harness) -> None:
    await harness.say(SUPERVISORS, "li", "/suggestion 99 采纳")
    assert "找不到建议 #99" in harness.sent(SUPERVISORS)[-1].text
    await harness.say(OWNERS, "u-zhang", "建议物业在地下车库增加充电桩")
    [suggestion] = await suggestions(harness)
    await harness.say(SUPERVISORS, "li", f"/suggestion {suggestion.id} 也许")
    assert "/suggestion 编号" in harness.sent(SUPERVISORS)[-1].text
    # Another community's supervisor cannot answer it.
    await harness.say("hbhy-supervisors", "cheung", f"/suggestion {suggestion.id} 采纳")
    assert (await suggestions(harness))[0].state == "open"


async def test_praise_is_thanked_and_credited_once_a_day(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "多谢王管家，水管修得很好")
    assert await harness.tickets() == []
    [praise] = await praises(harness)
    assert (praise.named, praise.steward_id is not None) == ("王管家", True)
    assert "已转达王管家" in harness.sent(OWNERS)[-1].text
    assert "业主表扬了王管家" in harness.sent(STEWARDS)[-1].text
    answered = len(harness.sent(OWNERS))
    await harness.say(OWNERS, "u-zhang", "真的多谢王管家")
    assert len(await praises(harness)) == 1
    assert len(harness.sent(OWNERS)) == answered  # once a day: no second thanks
    # A thanks to nobody in particular stays a quiet acknowledgement.
    await harness.say(OWNERS, "u-li", "谢谢管家")
    assert len(await praises(harness)) == 1
    assert len(harness.sent(OWNERS)) == answered


async def test_praise_in_a_cantonese_community(harness: Harness) -> None:
    await harness.say(HK_OWNERS, "u-chan", "感謝何姑娘幫手搞掂")
    [praise] = await praises(harness)
    assert praise.named == "何姑娘"
    assert "多謝你嘅讚賞" in harness.sent(HK_OWNERS)[-1].text


async def test_suggestions_and_praise_are_in_the_daily_digest(harness: Harness) -> None:
    await harness.say(OWNERS, "u-zhang", "建议物业在地下车库增加充电桩")
    await harness.say(OWNERS, "u-li", "辛苦赵师傅了，修得很好")
    harness.clock.advance(timedelta(hours=8, minutes=1))  # 18:01 local
    job = harness.app.scheduler.get_job("opinion:digest")
    assert job is not None
    await digest_tick(*job.args)
    await harness.app.sender.drain()
    digest = harness.sent(SUPERVISORS)[-1].text
    assert "业主建议 1 条" in digest
    assert "业主表扬 1 次：赵师傅 1" in digest
