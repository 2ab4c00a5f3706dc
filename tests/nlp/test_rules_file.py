"""A bad rules file fails to load with a message naming the entry; a good edit needs no code."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlp import Classifier, Intent, RulesError
from nlp.rules import DEFAULT_RULES_PATH

MINIMAL = """
version: 1
intents:
  repair:
    keywords: [坏了]
categories:
  plumbing:
    intents: [repair]
    label: {hans: 给排水, hant: 給排水}
    keywords:
      - 水管
      - 漏水: 2
      - {word: 马桶, weight: 1.5}
      - {words: [地漏, 下水道], weight: 1}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str) -> Classifier:
    return Classifier.load(write(tmp_path, text))


def test_minimal_file_loads(tmp_path: Path) -> None:
    clf = load(tmp_path, MINIMAL)
    c = clf.classify("厨房水管坏了")
    assert c.intent is Intent.REPAIR
    assert c.category == "plumbing"
    assert "cat.plumbing:水管" in c.rules


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("      - {word: 马桶, weight: 1.5}", "      - {word: 马桶, weight: heavy}"),
            "categories.plumbing.keywords[2]: weight must be a number",
        ),
        (
            ("      - 漏水: 2", "      - 漏水: [2]"),
            "categories.plumbing.keywords[1]: weight must be a number",
        ),
        (("      - 水管", "      - {wrd: 水管}"), "categories.plumbing.keywords[0]: weight must be a number"),
        (
            ("      - 水管", "      - {word: 水管, colour: red}"),
            "categories.plumbing.keywords[0]: unknown key 'colour'",
        ),
        (
            ("      - 水管", "      - ''"),
            "categories.plumbing.keywords[0]: keyword must be a non-empty string",
        ),
        (("      - 水管", "      - 漏水"), "categories.plumbing.keywords[1]: duplicate keyword '漏水'"),
        (("      - 水管", "      - 漏水"), "already at categories.plumbing.keywords[0]"),
        (
            ("    intents: [repair]", "    intents: [fix]"),
            "categories.plumbing.intents[0]: unknown intent 'fix'",
        ),
        (
            ("    label: {hans: 给排水, hant: 給排水}", "    label: {hans: 给排水}"),
            "categories.plumbing.label.hant: must be a non-empty string",
        ),
        (("  repair:\n    keywords", "  mend:\n    keywords"), "intents.mend: unknown intent"),
        (
            ("      - 水管", "      - {pattern: '(坏', id: broken}"),
            "categories.plumbing.keywords[0].pattern: invalid regular expression",
        ),
        (
            ("      - 水管", "      - {pattern: '坏了'}"),
            "categories.plumbing.keywords[0]: a pattern needs an 'id'",
        ),
        (("      - 水管", "      - {pattern: 'x*', id: empty}"), "matches the empty string"),
        (("      - {words: [地漏, 下水道], weight: 1}", "      - {words: [地漏, 7], weight: 1}"), None),
        (("version: 1", "version: 2"), "version: unsupported version 2"),
        (("version: 1", "version: 1\nsettings: {hmm: maybe}"), "settings.hmm: must be true or false"),
        (
            ("version: 1", "version: 1\nsettings: {max_chars: -5}"),
            "settings.max_chars: must be a non-negative integer",
        ),
        (("version: 1", "version: 1\nsettings: {turbo: true}"), "settings.turbo: unknown key"),
        (
            ("version: 1", "version: 1\nmodifiers: {negation: 不}"),
            "modifiers.negation: must be a list of keywords",
        ),
        (
            ("version: 1", "version: 1\nsentiment: {emoticons: {'[怒]': angry}}"),
            "sentiment.emoticons.[怒]: weight must be a number",
        ),
        (("version: 1", "version: 1\nextras: {}"), "(top level).extras: unknown key"),
        (
            ("version: 1", "version: 1\ngenres: {thanks: {intent: praise, title: [感谢信]}}"),
            "genres.thanks.intent: must be one of",
        ),
        (
            ("version: 1", "version: 1\ngenres: {Thanks: {intent: other, title: [感谢信]}}"),
            "genres.Thanks: genre name must be lower_snake_case",
        ),
        (
            ("version: 1", "version: 1\ngenres: {thanks: {intent: other}}"),
            "genres.thanks: needs 'title' or 'text' keywords",
        ),
        (
            ("version: 1", "version: 1\ngenres: {thanks: {intent: other, urgent: no_way, title: [谢]}}"),
            "genres.thanks.urgent: must be true or false",
        ),
        (
            ("version: 1", "version: 1\ngenres: {thanks: {intent: other, title: [感谢信], tone: warm}}"),
            "genres.thanks.tone: unknown key",
        ),
        (
            ("version: 1", "version: 1\ngenres: {thanks: {intent: other, text: [{pattern: '(特此'}]}}"),
            "genres.thanks.text[0]",
        ),
    ],
)
def test_bad_entries_are_named(tmp_path: Path, edit: tuple[str, str], message: str | None) -> None:
    old, new = edit
    assert old in MINIMAL
    text = MINIMAL.replace(old, new, 1)
    if message is None:  # a bare number is accepted as a keyword (hotlines: - 12345)
        load(tmp_path, text)
        return
    with pytest.raises(RulesError) as info:
        load(tmp_path, text)
    assert str(info.value).startswith("rules.yaml: ")
    assert message in str(info.value)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"rules.yaml: line \d+: invalid YAML"):
        load(tmp_path, MINIMAL + "\n  - [unclosed\n")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="empty"):
        load(tmp_path, "")
    with pytest.raises(RulesError, match="cannot read"):
        Classifier.load(tmp_path / "nope.yaml")


def test_bad_userdict_is_reported(tmp_path: Path) -> None:
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("漏水 lots n\n", encoding="utf-8")
    with pytest.raises(RulesError, match=r"userdict\.txt: line 1: frequency must be an integer"):
        Classifier.load(write(tmp_path, MINIMAL), userdict)


def test_settings_override_is_validated() -> None:
    with pytest.raises(RulesError, match=r"settings\.match"):
        Classifier.load(settings={"match": "fuzzy"})


def test_a_manager_adds_a_word_without_code(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    data["settings"]["model_weight"] = 0  # the rules alone: what the manager's word changes
    before = Classifier.load(write(tmp_path, yaml.safe_dump(data, allow_unicode=True)))
    message = "地下室的集水井抽水泵嗡嗡嗡"
    assert before.classify(message).category != "plumbing"
    # Written in Traditional on purpose: keywords are normalized like messages.
    data["categories"]["plumbing"]["keywords"].append({"word": "集水井", "weight": 2})
    data["intents"]["repair"]["keywords"].append("嗡嗡嗡")
    after = Classifier.load(write(tmp_path, yaml.safe_dump(data, allow_unicode=True)))
    c = after.classify(message)
    assert c.intent is Intent.REPAIR
    assert c.category == "plumbing"
    assert "cat.plumbing:集水井" in c.rules


def test_traditional_keyword_matches_simplified_message(tmp_path: Path) -> None:
    clf = load(tmp_path, MINIMAL.replace("keywords: [坏了]", "keywords: [壞咗]"))
    assert clf.classify("水管坏咗").intent is Intent.REPAIR


def test_explicit_rule_ids_and_patterns(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "    keywords: [坏了]",
        "    keywords:\n      - 坏了\n      - {pattern: '漏了?\\s*([0-9]+|[几两三])\\s*天', id: repair.leaking_for_days, weight: 2}",
    )
    c = load(tmp_path, text).classify("水管漏了三天")
    assert "repair.leaking_for_days" in c.rules


def test_category_labels(clf: Classifier) -> None:
    assert clf.category_label("elevator") == "电梯"
    assert clf.category_label("elevator", traditional=True) == "電梯"
    assert clf.category_label("repair_delay", traditional=True) == "維修拖延"
    with pytest.raises(KeyError):
        clf.category_label("teleporter")


def test_every_category_has_both_labels(clf: Classifier) -> None:
    for code in clf.categories():
        assert clf.category_label(code)
        assert clf.category_label(code, traditional=True)


def test_packaged_categories_cover_the_contract(clf: Classifier) -> None:
    cats = clf.categories()
    expected = {
        Intent.REPAIR: {
            "plumbing",
            "electrical",
            "elevator",
            "access",
            "fire_safety",
            "gas",
            "structure",
            "public_facility",
            "other_repair",
        },
        Intent.COMPLAINT: {
            "noise",
            "sanitation",
            "neighbour",
            "parking",
            "pets",
            "service",
            "fees",
            "repair_delay",
            "safety_hazard",
            "contamination",
            "renovation",
            "security",
            "other_complaint",
        },
        Intent.INQUIRY: {
            "fees",
            "outage",
            "renovation",
            "parking",
            "delivery",
            "procedure",
            "ticket_status",
            "contact",
            "other_inquiry",
        },
    }
    for intent, codes in expected.items():
        assert {c for c, intents in cats.items() if intent in intents} == codes


def test_a_genre_is_added_without_code(tmp_path: Path) -> None:
    letter = (
        "邀请函\n" + "本周六上午十点在会所举办中秋游园会，欢迎大家参加。" * 3 + "会所门口的水管坏了，请绕行。"
    )
    assert load(tmp_path, MINIMAL).classify(letter).intent is Intent.REPAIR
    clf = load(tmp_path, MINIMAL + "genres:\n  invitation:\n    intent: other\n    title: [邀请函]\n")
    c = clf.classify(letter)
    assert c.intent is Intent.OTHER
    assert "genre.invitation:邀请函" in c.rules
    # A short message is never a letter, whatever its first line says.
    assert clf.classify("邀请函\n水管坏了").intent is Intent.REPAIR
