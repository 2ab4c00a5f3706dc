"""Templates: checked when saved (an unknown variable is an error naming it), rendered per
target group in the community's language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import DomainError
from handlers.broadcasts.templates import VARIABLES, check_template, render_template
from tests.broadcasts.conftest import Rig

SUPERVISORS = "lxy-supervisors"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("{community}{buliding}停水", "{buliding}"),
        ("尊敬的{owner}", "{owner}"),
        ("{community.__class__}", "{community.__class__}"),
        ("{contacts[0]}", "{contacts[0]}"),
        ("{date!r}", "{date!r}"),
        ("{date:>20}", "{date:>20}"),
        ("{0}", "{0}"),
        ("{}", "{}"),
    ],
)
def test_unknown_or_unsafe_variables_are_named(body: str, named: str) -> None:
    with pytest.raises(DomainError) as caught:
        check_template(body)
    assert caught.value.key == "bc.err.template_var"
    assert caught.value.values["name"] == named
    assert "{community}" in caught.value.values["known"]


@pytest.mark.parametrize(
    ("body", "key"),
    [("停水{", "bc.err.template_syntax"), ("}", "bc.err.template_syntax"), (" ", "bc.err.template_empty")],
)
def test_broken_templates(body: str, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        check_template(body)
    assert caught.value.key == key


def test_render_fills_known_variables_and_keeps_literal_braces() -> None:
    body = "【{community}】{building}业主：{text} 联系：{contacts} {{勿回复}}"
    assert check_template(body) == {"community", "building", "text", "contacts"}
    out = render_template(
        body, {"community": "绿溪园", "building": "1-3栋", "text": "周六消杀", "contacts": "王管家"}
    )
    assert out == "【绿溪园】1-3栋业主：周六消杀 联系：王管家 {勿回复}"


@given(st.text(max_size=60))
def test_any_text_is_either_a_valid_template_or_a_domain_error(body: str) -> None:
    try:
        used = check_template(body)
    except DomainError:
        return
    assert used <= set(VARIABLES)
    render_template(body, dict.fromkeys(VARIABLES, "x"))


async def test_a_template_is_checked_when_saved_and_rendered_per_group(rig: Rig) -> None:
    await rig.say(SUPERVISORS, "li", "/notice template 消杀 {community}{buliding}周六消杀")
    assert "模板中有未知变量 {buliding}" in rig.last(SUPERVISORS)
    await rig.say(SUPERVISORS, "li", "/notice templates")
    assert "还没有模板" in rig.last(SUPERVISORS)

    body = "【{community}·{building}】{date}{weekday}通知：{text}\n如有疑问请联系{contacts}"
    await rig.say(SUPERVISORS, "li", f"/notice template 消杀 {body}")
    assert "模板「消杀」已保存" in rig.last(SUPERVISORS)
    await rig.say(SUPERVISORS, "li", "/notice --template 消杀 本周六上午花园消杀，请看管好宠物")
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    group_1 = rig.last("lxy-owners-1")
    group_2 = rig.last("lxy-owners-2")
    assert (
        group_1
        == "【绿溪园·1-3栋】11月23日星期一通知：本周六上午花园消杀，请看管好宠物\n如有疑问请联系王管家、赵师傅、李主管"
    )
    assert group_2.startswith("【绿溪园·4-6栋】")
    assert "刘管家、赵师傅、李主管" in group_2

    # An operator's template is shared by every community; for the Hong Kong community it is
    # rendered in Traditional Chinese. (lxy's own template is lxy's alone.)
    await rig.say("admin-dm", "admin", f"/notice template 消杀 {body}", private=True)
    await rig.say(
        "admin-dm", "admin", "/notice --community hbhy --template 消杀 本週六上午花園消殺", private=True
    )
    await rig.press("admin-dm", "bc:ok:", "admin")
    assert rig.last("hbhy-owners").startswith("【海濱花園·全體】11月23日星期一通知：本週六上午花園消殺")
    assert "如有疑問請聯繫何姑娘、張經理" in rig.last("hbhy-owners")


async def test_a_supervisor_reaches_only_their_own_communitys_templates(rig: Rig) -> None:
    """Issue 18: a supervisor of one community could overwrite and list another's templates.
    Now each community's templates are its own: another community's supervisor saving the
    same name makes their own, lists only theirs, and cannot send with the other's."""
    await rig.say(SUPERVISORS, "li", "/notice template 消杀 绿溪园本周六消杀：{text}")
    await rig.say("hbhy-supervisors", "cheung", "/notice templates")
    assert "還沒有模板" in rig.last("hbhy-supervisors")
    await rig.say("hbhy-supervisors", "cheung", "/notice --template 消杀 請看管好寵物")
    assert "消杀" in rig.last("hbhy-supervisors")
    assert "绿溪园本周六" not in rig.last("hbhy-supervisors")
    await rig.say("hbhy-supervisors", "cheung", "/notice template 消杀 海濱花園消殺：{text}")
    assert "已保存" in rig.last("hbhy-supervisors")
    await rig.say(SUPERVISORS, "li", "/notice templates")
    assert "绿溪园本周六消杀" in rig.last(SUPERVISORS)
    assert "海濱花園" not in rig.last(SUPERVISORS)
    await rig.say(SUPERVISORS, "li", "/notice --template 消杀 请看管好宠物")
    await rig.press(SUPERVISORS, "bc:ok:", "li")
    assert rig.last("lxy-owners-1") == "绿溪园本周六消杀：请看管好宠物"
