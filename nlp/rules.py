"""The rules file: loading, validation and compilation.

Rules are data (``nlp/data/rules.yaml``): a property manager adds a word by editing YAML, not code.
Every entry is validated when the classifier is built; a bad file raises `RulesError` whose
message names the entry, e.g. ``rules.yaml: categories.plumbing.keywords[3]: weight must be a
number``.

A keyword entry is one of::

    - 漏水                          # a word, weight 1
    - 漏水: 2                       # a word and its weight
    - {word: 漏水, weight: 2}        # the same, long form (optional ``id``)
    - {words: [漏水, 渗水], weight: 2}
    - {pattern: '(\\d+|[几两三四五六七八九十]+)天了?(还|都)?(没|未)', id: persist.days, weight: 3}
    - [漏水, 渗水]                   # a group of words, weight 1

The ``evidence`` section lists what makes a message about the property (a facility, a service, a fee,
parking, noise, a neighbour, security, the property company or its staff): its groups are open
(``evidence.facility``, ``evidence.addressee``...), each word weighing how much it says on its own.
A message whose evidence stays below ``settings.evidence_min`` is `other`, whatever else fired.

Words are written in either script: they are normalized exactly like messages (NFKC, Traditional
-> Simplified, lower case) when loaded. Each entry gets a rule id shown in
`Classification.rules`; words default to ``<section>:<word>``, patterns must name theirs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlp.classification import Intent

__all__ = [
    "CategorySpec",
    "GenreSpec",
    "Rule",
    "RuleSet",
    "RulesError",
    "Settings",
    "load_rules",
    "parse_rules",
]

DEFAULT_RULES_PATH = Path(__file__).with_name("data") / "rules.yaml"

# Sections that hold keyword lists, and the rule-id prefix of each.
MODIFIER_KINDS = (
    "negation",
    "question",
    "request",
    "persistence",
    "degree",
    "resolved",
    "past",
    "hypothetical",
    "present",
    "modal",
    "conditional",
    "alarm",
    "frame",
    "peers",
    "report",
    "rhetorical",
)
# Lists of the urgent section: `keywords` are dangers to the building (fire, gas, flooding, a lift
# entrapment: evidence of the property on their own) and `personal` (someone hurt or collapsed:
# urgent whatever else the message says); `figurative` danger words (爆炸, 火苗: 原地爆炸, 你的爱像
# 火苗) are urgent only in a message about the property or with a call for help, and `assault` (a
# fight) only with a place of the estate named or a call for help.
URGENT_LISTS = ("keywords", "personal", "figurative", "assault")
RISK_KINDS = ("external", "exposure", "authority", "collective", "refusal", "crisis")
SENTIMENT_KINDS = ("negative", "positive")
_ID_PREFIX = {
    "negation": "neg",
    "question": "q",
    "request": "req",
    "persistence": "persist",
    "degree": "deg",
    "resolved": "resolved",
    "past": "past",
    "hypothetical": "hypo",
    "present": "now",
    "modal": "modal",
    "conditional": "cond",
    "alarm": "alarm",
    "frame": "frame",
    "peers": "peer",
    "report": "report",
    "rhetorical": "rhetorical",
}
_RESERVED_ENTRY_KEYS = frozenset({"word", "words", "pattern", "weight", "id", "note", "evidence", "act"})


class RulesError(ValueError):
    """The rules file is invalid. The message names the file and the offending entry."""


@dataclass(frozen=True)
class Settings:
    max_chars: int = 2000
    opencc: str = "hk2s"
    hmm: bool = False
    # jieba's main dictionary keeps only words of at least this frequency (0: all of it). jieba
    # itself offers a small dictionary (dict.txt.small) for the same reasons: memory and speed.
    dictionary_min_freq: int = 0
    match: str = "token"  # "token": keywords must start at a jieba token boundary; "substring"
    add_keywords_to_dictionary: bool = True
    negation_window: int = 2  # max characters between a negator and the word it negates
    modal_window: int = 4  # max characters between a modal word (可能, 随时) and the danger it governs
    degree_window: int = 2
    min_intent_score: float = 1.0
    genre_min_chars: int = 60  # a title or a statement of purpose names a genre only in a text this long
    # In a text this long (a letter), a danger word is live only with a present marker (现在, 正在,
    # 还在) in its own sentence or a call for help (紧急, 救命) anywhere: letters recount, chat reports.
    urgent_context_chars: int = 250
    category_boost: float = 0.5  # share of a single-intent category's score added to its intent
    question_mark_weight: float = 1.0
    sentiment_scale: float = 3.0
    negative_threshold: float = -0.2
    exclaim_run_weight: float = -0.6
    question_run_weight: float = -0.6
    persistence_weight: float = 0.0  # how much 又/一直 adds to complaint (lateness is a category)
    persistence_sentiment: float = 0.8
    urgent_to_repair: float = 2.0
    risk_to_complaint: float = 1.5
    positive_to_other: float = 0.5
    negated_problem_to_other: float = 0.5
    question_cap: float = 2.5
    category_select: str = "score"  # "score": best score; "precedence": first strong one in file order
    category_min_score: float = 1.5
    complaint_sentiment: float = -0.6
    negative_to_complaint: float = 0.4
    model_weight: float = 0.0  # weight of the naive Bayes intent probabilities (0: rules only)
    model_alpha: float = 0.3  # add-alpha smoothing of the model
    model_temperature: float = 1.0  # softmax temperature of the model's probabilities
    model_urgent_min: float = 0.95  # urgent model's least probability to flag an emergency (> 1: off)
    model_skip_margin: float = 3.0  # rules ahead by this much: the model is not consulted
    model_negated_damp: float = 0.3  # model's repair/complaint share when every fault word is negated
    model_category_min: float = 0.0  # category model used when no rule names a category
    model_bigrams: bool = True  # the model also sees character bigrams (not only jieba tokens)
    model_rule_features: bool = True  # the model also sees which kinds of rule fired
    # The evidence gate: a message is `other` unless its evidence of the property (the `evidence`
    # words it names, a live danger to the building, being addressed to the bot) reaches this (0: off).
    evidence_min: float = 0.0
    addressed_evidence: float = 2.0  # a message that @-mentions the bot or replies to a steward
    hazard_evidence: float = 2.0  # a live danger to the building (fire, gas, flooding, entrapment)
    # A question put to the neighbours (有没有人, 谁家, 大家, 求推荐) asks the property company nothing
    # unless its evidence, counted at this share, still reaches evidence_min.
    peers_evidence_share: float = 0.5
    # The model may only choose between intents the rules support with at least this score.
    support_min: float = 0.25
    # An actionable intent with nothing in the message doing it (no fault, grievance or question
    # word: only a topic) needs the model at least this sure (> 1: never).
    model_alone_min: float = 0.9
    model_alone_evidence: float = 1.5  # ...in a message with at least this much evidence of the property
    report_cap: float = 1.5  # the most that words reporting a problem (反映, 问题) add to an intent
    feared_danger: float = (
        2.0  # a danger word governed by a fear or a hazard (怕…砸到人) adds this to safety_hazard
    )
    report_max_chars: int = 80  # ...and only in a message this short (a chat line, a letter's title)
    # The model's weight in a message that reports a problem formally (反映…问题, 请求解决…): it was
    # trained on chat lines, not on letters.
    model_formal_share: float = 1.0
    # `uncertain` when the best actionable intent leads the next by less than this, or when the
    # evidence is below evidence_sure.
    uncertain_margin: float = 1.0
    evidence_sure: float = 2.0


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str  # intent | category | urgent | risk | sentiment | modifier kinds
    target: str  # intent value, category code, risk kind, sentiment polarity, or the modifier kind
    weight: float
    path: str  # where the entry lives in the file, e.g. categories.plumbing.keywords[3]
    word: str | None = None  # normalized
    source: str | None = None  # as written in the file
    pattern: re.Pattern[str] | None = None
    # How much a match shows that the message is about the property (see the `evidence` section):
    # an evidence word's weight; a category keyword's `evidence` (its category's by default).
    evidence: float = 0.0
    # Whether the word states a problem by itself (a category keyword marked ``act: true``:
    # 太吵, 好臭, 被人占了, 电话打不通), so that a statement naming it is a grievance or a fault,
    # not only a topic (狗, 车位, 物业费). Its category's `act` by default.
    act: bool = False


@dataclass(frozen=True)
class CategorySpec:
    code: str
    intents: tuple[Intent, ...]
    label_hans: str
    label_hant: str
    boost: float
    fallback: tuple[Intent, ...] = ()


@dataclass(frozen=True)
class GenreSpec:
    """What kind of document a letter is (表扬信, 公告, 倡议书, 联名信…), read from its title or a
    statement of purpose. It decides the intent; for some genres the problems the letter
    mentions are not live: no urgency (`urgent`), no lexical negativity (`negative`), no
    public-opinion risk (`risk`) when those are false."""

    name: str
    intent: Intent
    urgent: bool = True
    negative: bool = True
    risk: bool = True


@dataclass
class RuleSet:
    path: Path
    settings: Settings
    categories: dict[str, CategorySpec]
    rules: list[Rule] = field(default_factory=list)
    emoticons: dict[str, float] = field(default_factory=dict)
    genres: dict[str, GenreSpec] = field(default_factory=dict)
    # Genre rules, kept out of the lexicon: title words must end a segment of the title (its head
    # noun); title patterns are searched in the title; text rules anywhere in the message.
    genre_title: list[Rule] = field(default_factory=list)
    genre_text: list[Rule] = field(default_factory=list)
    # Filled by `compile`: normalized word -> rules; patterns listed separately.
    lexicon: dict[str, list[Rule]] = field(default_factory=dict)
    patterns: list[Rule] = field(default_factory=list)
    fallback_category: dict[Intent, str] = field(default_factory=dict)

    def words(self) -> list[str]:
        return list(self.lexicon)

    def all_rules(self) -> list[Rule]:
        """Every rule of the file, genre rules included."""
        return [*self.rules, *self.genre_title, *self.genre_text]


def _err(path: Path, where: str, message: str) -> RulesError:
    return RulesError(f"{path.name}: {where}: {message}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _expect_mapping(path: Path, where: str, value: object) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _err(path, where, f"must be a mapping, got {type(value).__name__}")
    for key in value:
        if not isinstance(key, str):
            raise _err(path, where, f"keys must be strings, got {key!r}")
    return value


def _check_keys(path: Path, where: str, value: Mapping[str, Any], allowed: set[str]) -> None:
    for key in value:
        if key not in allowed:
            raise _err(path, f"{where}.{key}", f"unknown key (expected one of: {', '.join(sorted(allowed))})")


def parse_rules(
    data: object,
    path: Path,
    normalize_term: Callable[[str], str],
    normalize_pattern: Callable[[str], str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> RuleSet:
    """Validate a parsed rules document and build a compiled `RuleSet`.

    `overrides` replaces entries of the ``settings`` section (validated the same way); the
    benches use it to compare HMM on/off and matching modes without editing the file.
    """
    top = _expect_mapping(path, "(top level)", data)
    _check_keys(
        path,
        "(top level)",
        top,
        {
            "version",
            "settings",
            "intents",
            "categories",
            "modifiers",
            "urgent",
            "risk",
            "sentiment",
            "genres",
            "evidence",
        },
    )
    version = top.get("version", 1)
    if version != 1:
        raise _err(path, "version", f"unsupported version {version!r} (expected 1)")

    raw_settings = dict(_expect_mapping(path, "settings", top.get("settings", {})))
    raw_settings.update(overrides or {})
    settings = _parse_settings(path, raw_settings)
    categories: dict[str, CategorySpec] = {}
    rules: list[Rule] = []
    seen_ids: dict[str, str] = {}

    def add_list(
        where: str,
        items: object,
        kind: str,
        target: str,
        id_prefix: str,
        into: list[Rule] | None = None,
        evidence: float | None = 0.0,
        act: bool = False,
    ) -> None:
        if items is None:
            return
        if not isinstance(items, list):
            raise _err(path, where, "must be a list of keywords")
        seen_words: dict[str, str] = {}
        for i, item in enumerate(items):
            entry_where = f"{where}[{i}]"
            for rule in _parse_entry(
                path,
                entry_where,
                item,
                kind,
                target,
                id_prefix,
                normalize_term,
                normalize_pattern or (lambda p: p),
                evidence,
                act,
            ):
                if rule.word is not None:
                    if rule.word in seen_words:
                        raise _err(
                            path,
                            rule.path,
                            f"duplicate keyword {rule.source!r} (already at {seen_words[rule.word]})",
                        )
                    seen_words[rule.word] = rule.path
                if rule.id in seen_ids:
                    raise _err(
                        path, rule.path, f"duplicate rule id {rule.id!r} (already at {seen_ids[rule.id]})"
                    )
                seen_ids[rule.id] = rule.path
                (rules if into is None else into).append(rule)

    intents = _expect_mapping(path, "intents", top.get("intents", {}))
    valid_intents = {i.value for i in Intent}
    for name, body in intents.items():
        if name not in valid_intents:
            raise _err(
                path,
                f"intents.{name}",
                f"unknown intent (expected one of: {', '.join(sorted(valid_intents))})",
            )
        b = _expect_mapping(path, f"intents.{name}", body)
        _check_keys(path, f"intents.{name}", b, {"keywords"})
        add_list(f"intents.{name}.keywords", b.get("keywords"), "intent", name, name)

    cats = _expect_mapping(path, "categories", top.get("categories", {}))
    for code, body in cats.items():
        where = f"categories.{code}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", code):
            raise _err(path, where, "category code must be lower_snake_case ASCII")
        b = _expect_mapping(path, where, body)
        _check_keys(
            path, where, b, {"intents", "label", "keywords", "boost", "fallback_for", "evidence", "act"}
        )
        raw_intents = b.get("intents")
        if not isinstance(raw_intents, list) or not raw_intents:
            raise _err(path, f"{where}.intents", "must be a non-empty list of intents")
        cat_intents: list[Intent] = []
        for j, it in enumerate(raw_intents):
            if it not in valid_intents or it == Intent.OTHER.value:
                raise _err(
                    path,
                    f"{where}.intents[{j}]",
                    f"unknown intent {it!r} (expected repair, complaint or inquiry)",
                )
            cat_intents.append(Intent(it))
        label = _expect_mapping(path, f"{where}.label", b.get("label"))
        _check_keys(path, f"{where}.label", label, {"hans", "hant"})
        for script in ("hans", "hant"):
            if not isinstance(label.get(script), str) or not label[script].strip():
                raise _err(path, f"{where}.label.{script}", "must be a non-empty string")
        boost = b.get("boost", settings.category_boost if len(cat_intents) == 1 else 0.0)
        if not _is_number(boost):
            raise _err(path, f"{where}.boost", "must be a number")
        fallback_raw = b.get("fallback_for", [])
        if not isinstance(fallback_raw, list):
            raise _err(path, f"{where}.fallback_for", "must be a list of intents")
        fallback: list[Intent] = []
        for j, it in enumerate(fallback_raw):
            if it not in [c.value for c in cat_intents]:
                raise _err(
                    path, f"{where}.fallback_for[{j}]", f"{it!r} is not one of this category's intents"
                )
            fallback.append(Intent(it))
        categories[code] = CategorySpec(
            code=code,
            intents=tuple(cat_intents),
            label_hans=label["hans"].strip(),
            label_hant=label["hant"].strip(),
            boost=float(boost),
            fallback=tuple(fallback),
        )
        cat_evidence = b.get("evidence", 1.0)
        if not _is_number(cat_evidence) or cat_evidence < 0:
            raise _err(path, f"{where}.evidence", "must be a non-negative number")
        cat_act = b.get("act", False)
        if not isinstance(cat_act, bool):
            raise _err(path, f"{where}.act", "must be true or false")
        add_list(
            f"{where}.keywords",
            b.get("keywords"),
            "category",
            code,
            f"cat.{code}",
            evidence=float(cat_evidence),
            act=cat_act,
        )

    mods = _expect_mapping(path, "modifiers", top.get("modifiers", {}))
    _check_keys(path, "modifiers", mods, set(MODIFIER_KINDS))
    for kind in MODIFIER_KINDS:
        add_list(f"modifiers.{kind}", mods.get(kind), kind, kind, _ID_PREFIX[kind])

    urgent = _expect_mapping(path, "urgent", top.get("urgent", {}))
    _check_keys(path, "urgent", urgent, set(URGENT_LISTS))
    for name in URGENT_LISTS:
        target = "urgent" if name == "keywords" else name
        add_list(f"urgent.{name}", urgent.get(name), "urgent", target, "urgent")

    evidence = _expect_mapping(path, "evidence", top.get("evidence", {}))
    for group, items in evidence.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", group):
            raise _err(path, f"evidence.{group}", "group name must be lower_snake_case ASCII")
        add_list(f"evidence.{group}", items, "evidence", group, f"evidence.{group}", evidence=None)

    risk = _expect_mapping(path, "risk", top.get("risk", {}))
    _check_keys(path, "risk", risk, set(RISK_KINDS))
    for kind in RISK_KINDS:
        add_list(f"risk.{kind}", risk.get(kind), "risk", kind, f"risk.{kind}")

    senti = _expect_mapping(path, "sentiment", top.get("sentiment", {}))
    _check_keys(path, "sentiment", senti, {*SENTIMENT_KINDS, "emoticons"})
    add_list("sentiment.negative", senti.get("negative"), "sentiment", "negative", "sent-")
    add_list("sentiment.positive", senti.get("positive"), "sentiment", "positive", "sent+")
    emoticons: dict[str, float] = {}
    emo = _expect_mapping(path, "sentiment.emoticons", senti.get("emoticons", {}))
    for key, value in emo.items():
        if not key.strip():
            raise _err(path, "sentiment.emoticons", "empty emoticon")
        if not _is_number(value):
            raise _err(path, f"sentiment.emoticons.{key}", "weight must be a number")
        emoticons[key] = float(value)

    genres: dict[str, GenreSpec] = {}
    genre_title: list[Rule] = []
    genre_text: list[Rule] = []
    for name, body in _expect_mapping(path, "genres", top.get("genres", {})).items():
        where = f"genres.{name}"
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise _err(path, where, "genre name must be lower_snake_case ASCII")
        b = _expect_mapping(path, where, body)
        _check_keys(path, where, b, {"intent", "urgent", "negative", "risk", "title", "text"})
        if b.get("intent") not in valid_intents:
            raise _err(path, f"{where}.intent", f"must be one of: {', '.join(sorted(valid_intents))}")
        flags: dict[str, bool] = {}
        for flag in ("urgent", "negative", "risk"):
            value = b.get(flag, True)
            if not isinstance(value, bool):
                raise _err(path, f"{where}.{flag}", "must be true or false")
            flags[flag] = value
        genres[name] = GenreSpec(name=name, intent=Intent(b["intent"]), **flags)
        if b.get("title") is None and b.get("text") is None:
            raise _err(path, where, "needs 'title' or 'text' keywords")
        add_list(f"{where}.title", b.get("title"), "genre", name, f"genre.{name}", genre_title)
        add_list(f"{where}.text", b.get("text"), "genre", name, f"genre.{name}", genre_text)

    ruleset = RuleSet(
        path=path,
        settings=settings,
        categories=categories,
        rules=rules,
        emoticons=emoticons,
        genres=genres,
        genre_title=genre_title,
        genre_text=genre_text,
    )
    for code, spec in categories.items():
        for it in spec.fallback:
            if it in ruleset.fallback_category:
                raise _err(
                    path,
                    f"categories.{code}.fallback_for",
                    f"{it.value} already falls back to {ruleset.fallback_category[it]!r}",
                )
            ruleset.fallback_category[it] = code
    _compile(ruleset)
    return ruleset


def _parse_settings(path: Path, value: object) -> Settings:
    raw = _expect_mapping(path, "settings", value)
    defaults = Settings()
    allowed = set(Settings.__dataclass_fields__)
    _check_keys(path, "settings", raw, allowed)
    kwargs: dict[str, Any] = {}
    for key, v in raw.items():
        default = getattr(defaults, key)
        where = f"settings.{key}"
        if isinstance(default, bool):
            if not isinstance(v, bool):
                raise _err(path, where, "must be true or false")
        elif isinstance(default, int):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise _err(path, where, "must be a non-negative integer")
        elif isinstance(default, float):
            if not _is_number(v):
                raise _err(path, where, "must be a number")
            v = float(v)
        elif isinstance(default, str) and not isinstance(v, str):
            raise _err(path, where, "must be a string")
        kwargs[key] = v
    s = Settings(**kwargs)
    if s.max_chars < 1:
        raise _err(path, "settings.max_chars", "must be at least 1")
    if s.match not in ("token", "token_strict", "substring"):
        raise _err(path, "settings.match", "must be 'token', 'token_strict' or 'substring'")
    if s.category_select not in ("score", "precedence"):
        raise _err(path, "settings.category_select", "must be 'score' or 'precedence'")
    if s.sentiment_scale <= 0:
        raise _err(path, "settings.sentiment_scale", "must be positive")
    return s


def _parse_entry(
    path: Path,
    where: str,
    item: object,
    kind: str,
    target: str,
    id_prefix: str,
    normalize_term: Callable[[str], str],
    normalize_pattern: Callable[[str], str],
    default_evidence: float | None = 0.0,
    default_act: bool = False,
) -> list[Rule]:
    """The rules of one keyword entry. `default_evidence` is the evidence its matches carry unless
    the entry says otherwise (``evidence: 0.5``, or negative for a subject that is not the
    property's: ``evidence: -1``); None means "the entry's weight" (the evidence section)."""
    weight: object = 1.0
    evidence: object = default_evidence
    act: object = default_act
    explicit_id: object = None
    words: list[tuple[str, object]] = []  # (where, source)
    pattern_src: str | None = None
    if isinstance(item, int) and not isinstance(item, bool):
        item = str(item)  # a hotline number written bare in YAML: - 12345
    if isinstance(item, str):
        words.append((where, item))
    elif isinstance(item, list):  # a group of words, weight 1: - [煤气味, 燃气味]
        if not item:
            raise _err(path, where, "empty list of keywords")
        words.extend((f"{where}[{j}]", w) for j, w in enumerate(item))
    elif isinstance(item, Mapping):
        keys = set(item)
        if len(keys) == 1 and not keys & _RESERVED_ENTRY_KEYS:
            (word, weight) = next(iter(item.items()))
            if not isinstance(word, str):
                raise _err(path, where, f"keyword must be a string, got {word!r}")
            words.append((where, word))
        else:
            unknown = keys - _RESERVED_ENTRY_KEYS
            if unknown:
                raise _err(
                    path,
                    where,
                    f"unknown key {sorted(map(str, unknown))[0]!r} "
                    "(expected word, words, pattern, weight, id, note, evidence, act)",
                )
            forms = [k for k in ("word", "words", "pattern") if k in item]
            if len(forms) != 1:
                raise _err(path, where, "needs exactly one of 'word', 'words' or 'pattern'")
            weight = item.get("weight", 1.0)
            evidence = item.get("evidence", default_evidence)
            act = item.get("act", default_act)
            explicit_id = item.get("id")
            if "word" in item:
                words.append((where, item["word"]))
            elif "words" in item:
                ws = item["words"]
                if not isinstance(ws, list) or not ws:
                    raise _err(path, f"{where}.words", "must be a non-empty list of strings")
                words.extend((f"{where}.words[{j}]", w) for j, w in enumerate(ws))
                if explicit_id is not None:
                    raise _err(path, f"{where}.id", "an id can only be given to a single word or a pattern")
            else:
                p = item["pattern"]
                if not isinstance(p, str) or not p:
                    raise _err(path, f"{where}.pattern", "must be a non-empty string")
                pattern_src = p
    else:
        raise _err(path, where, f"must be a keyword string or a mapping, got {type(item).__name__}")

    if not _is_number(weight):
        raise _err(path, where, "weight must be a number")
    w = float(weight)  # type: ignore[arg-type]
    if evidence is not None and not _is_number(evidence):
        raise _err(path, where, "evidence must be a number")
    ev = w if evidence is None else float(evidence)  # type: ignore[arg-type]
    if not isinstance(act, bool):
        raise _err(path, where, "act must be true or false")
    if act and kind != "category":
        raise _err(path, where, "act is for category keywords (a word that states a problem)")
    if kind == "degree" and w <= 0:
        raise _err(path, where, "degree weight is a multiplier and must be positive")
    if explicit_id is not None and (not isinstance(explicit_id, str) or not explicit_id.strip()):
        raise _err(path, f"{where}.id", "must be a non-empty string")

    if pattern_src is not None:
        if explicit_id is None:
            raise _err(path, where, "a pattern needs an 'id'")
        try:
            # Patterns are matched against normalized text; convert their literal characters too
            # (script only: lower-casing would turn \D into \d).
            compiled = re.compile(normalize_pattern(pattern_src))
        except re.error as exc:
            raise _err(path, f"{where}.pattern", f"invalid regular expression: {exc}") from None
        if compiled.search("") is not None:
            raise _err(path, f"{where}.pattern", "pattern matches the empty string")
        return [
            Rule(
                id=str(explicit_id),
                kind=kind,
                target=target,
                weight=w,
                path=where,
                pattern=compiled,
                source=pattern_src,
                evidence=ev,
                act=act,
            )
        ]

    out: list[Rule] = []
    for w_where, source in words:
        if isinstance(source, int) and not isinstance(source, bool):
            source = str(source)
        if not isinstance(source, str) or not source.strip():
            raise _err(path, w_where, "keyword must be a non-empty string")
        norm = normalize_term(source)
        if not norm:
            raise _err(path, w_where, f"keyword {source!r} is empty after normalization")
        rid = str(explicit_id) if explicit_id is not None else f"{id_prefix}:{norm}"
        out.append(
            Rule(
                id=rid,
                kind=kind,
                target=target,
                weight=w,
                path=w_where,
                word=norm,
                source=source,
                evidence=ev,
                act=act,
            )
        )
    return out


def _compile(ruleset: RuleSet) -> None:
    lexicon: dict[str, list[Rule]] = {}
    for rule in ruleset.rules:
        if rule.pattern is not None:
            ruleset.patterns.append(rule)
        elif rule.word is not None:
            lexicon.setdefault(rule.word, []).append(rule)
    ruleset.lexicon = lexicon


def load_rules(
    path: Path,
    normalize_term: Callable[[str], str],
    normalize_pattern: Callable[[str], str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> RuleSet:
    """Read, validate and compile a rules file. Raises `RulesError` on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path.name}: cannot read rules file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RulesError(f"{path.name}: not valid UTF-8") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(parse)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesError(f"{path.name}: {where}: invalid YAML: {problem}") from None
    if data is None:
        raise RulesError(f"{path.name}: (top level): the rules file is empty")
    return parse_rules(data, path, normalize_term, normalize_pattern, overrides)
