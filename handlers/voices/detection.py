"""Telling a suggestion or a word of praise from a repair (pure: text and the classifier's
verdict in, a verdict out).

Runs after the classifier, on messages it called `other` (nothing to fix, answer or watch):
the classifier already knows a proposal with no grievance (its `other.proposal` rule); this
adds the evidence classes that make it the property's business, and finds the person thanked.

- **Suggestion**: a suggestion verb (建议 / 建議 / 希望可以 / 不如 / 可唔可以 …) followed within
  a clause by a proposal (增加 / 加装 / 设置 / 放 / 延长 …), about the property (the
  classifier's own proposal rule, or some evidence of a facility, an addressee or a category
  of the property in the same message). A proposal next to a fault (「建议尽快修电梯，坏了三
  天」) is a complaint already: the classifier did not call it `other`. A message the
  classifier was unsure of (`uncertain`) with its proposal rule is a suggestion too.
- **Praise**: a thanks word (谢谢 / 多谢 / 感谢 / 辛苦 / 点赞 …) and a named member of staff:
  a roster name (王管家), or a surname and a staff title (王师傅, 陈师傅, 何姑娘). A thanks to
  nobody in particular (「谢谢管家」) stays a quiet acknowledgement.

`bench/voices.py` measures both on real chatter (LCCC) and on the labelled corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from nlp.classification import Classification, Intent

SUGGEST = re.compile(
    r"(建议|提议|倡议|希望可以|希望能|希望物业|希望管理|恳请|不如|可否|可不可以|可唔可以|能否|能不能|"
    r"好唔好|是否可以|最好可以|应该增|应该加|应该设)"
    r"[^。!?；;]{0,24}?"
    r"(增设|增加|增开|加装|加设|加建|新建|修建|兴建|建设|建个|开通|设立|设置|配置|配备|安装|装个|装一个|"
    r"装多|多装|多设|多放|放个|放一个|放把|放张|放几|开放|延长|改为|改成|换成|改善|优化|添置|购置|搞个|"
    r"整个|加个|加多|多啲|安排|规划|引入|开设|提供|种)"
)
# Evidence that the proposal is about the property (the classifier's rule ids).
PROPERTY = ("other.proposal", "evidence.facility", "evidence.addressee", "cat.")
# Generic categories say nothing about a place or a system.
GENERIC = ("cat.service", "cat.other_", "cat.contact")

THANKS = re.compile(r"(谢谢|多谢|感谢|感激|唔该|辛苦|点赞|赞|表扬|好评|有心|劳烦晒|麻烦晒)")
TITLES = ("管家", "师傅", "姑娘", "经理", "主管", "保安", "阿姨", "姐", "哥", "叔")
# Common surnames (百家姓 as met in staff rosters): a title after one of these is a person.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃"
    "武戴莫孔向汤区麦甘欧温伍关岑冼霍"
)
INFORMAL = frozenset({"姐", "哥", "叔", "阿姨"})
_TITLED = re.compile(r"([\u4e00-\u9fff])(" + "|".join(TITLES) + ")")


@dataclass(frozen=True)
class Person:
    """Someone on a community's roster, as the detector needs them."""

    id: int
    name: str  # normalized like the message (Simplified)


@dataclass(frozen=True)
class Praised:
    named: str  # the roster name when matched, else the name as written
    person: Person | None


def _about_the_property(rules: Iterable[str]) -> bool:
    return any(r.startswith(PROPERTY) and not r.startswith(GENERIC) for r in rules)


def is_suggestion(text: str, classification: Classification) -> bool:
    """`text`: normalized (Simplified, half-width, lower case)."""
    if classification.urgent or classification.risk >= 2:
        return False
    proposal = "other.proposal" in classification.rules
    if classification.intent is not Intent.OTHER:
        # The classifier was unsure a proposal was a grievance (「建议增加充电桩，电动车越来越
        # 多了」: its model leaned to a complaint): the proposal rule settles it.
        return proposal and classification.uncertain
    if classification.negative or classification.risk:
        return False
    if proposal:
        return True
    return SUGGEST.search(text) is not None and _about_the_property(classification.rules)


def praised(text: str, classification: Classification, roster: Sequence[Person]) -> Praised | None:
    """The member of staff a thank-you names, if it is one. `text`: normalized."""
    if classification.intent is not Intent.OTHER or classification.negative or classification.risk:
        return None
    if THANKS.search(text) is None:
        return None
    rest = THANKS.sub(" ", text)  # 谢 is a surname too: 「谢谢管家」 names nobody
    for person in roster:
        if person.name and person.name in rest:
            return Praised(person.name, person)
    for match in _TITLED.finditer(rest):
        surname, title = match.group(1), match.group(2)
        if surname not in SURNAMES:
            continue
        if title in INFORMAL:
            continue  # 王姐: a neighbour as likely as staff, unless the roster has that very name
        same = [p for p in roster if p.name.startswith(surname)]
        if len(same) == 1:
            return Praised(same[0].name, same[0])  # 王师傅 for 王管家: the one 王 on the roster
        if same:
            return Praised(surname + title, None)  # two of that surname: not guessed
        return Praised(surname + title, None)
    return None
