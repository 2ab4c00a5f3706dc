"""Every message key rendered for a Traditional community holds no Simplified-only character;
words that come from elsewhere (the classifier's, kept in Simplified) are shown in the script."""

from __future__ import annotations

from pathlib import Path

import opencc
import pytest

from bot.adapters.local.channel import LocalChannel
from bot.app.root import build_app
from bot.app.settings import EXAMPLE_COMMUNITY_FILE, Settings
from bot.core.texts import Texts
from handlers.opinion.words import Words
from nlp.classifier import Classifier

# A character no Traditional standard keeps (OpenCC's s2t, s2tw and s2hk all change it): 满, 员,
# 传, 议. 群 (羣 to s2t) and 温 (kept in Hong Kong) are Traditional.
STANDARDS = [opencc.OpenCC(config) for config in ("s2t", "s2tw", "s2hk")]


def simplified_only(text: str) -> list[str]:
    return [c for c in dict.fromkeys(text) if all(s.convert(c) != c for s in STANDARDS)]


def test_the_check_finds_simplified_characters() -> None:
    assert simplified_only("非常满意，传媒、议员，住户") == ["满", "传", "议", "员"]
    assert simplified_only("非常滿意，傳媒、議員，本群，溫度") == []


@pytest.fixture(scope="module")
def texts(tmp_path_factory: pytest.TempPathFactory) -> Texts:
    db = Path(tmp_path_factory.mktemp("script")) / "steward.db"
    app = build_app(
        Settings(database_url=f"sqlite+aiosqlite:///{db}", community_file=EXAMPLE_COMMUNITY_FILE),
        channels={"local": LocalChannel()},
    )
    return app.services.texts


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hant-TW"])
def test_every_message_key_renders_in_traditional(texts: Texts, lang: str) -> None:
    assert len(texts.hans) > 300  # every feature's texts are registered
    found = {key: simplified_only(texts.template(key, lang)) for key in sorted(texts.hans)}
    assert {key: chars for key, chars in found.items() if chars} == {}


def test_alert_reasons_are_shown_in_the_communitys_script(texts: Texts, classifier: Classifier) -> None:
    rules = ["risk.external:传媒", "risk.external:议员", "risk.refusal:stop_paying", "sent-:垃圾"]
    hant = Words(texts, classifier, "zh-Hant").reasons(rules)
    assert hant == ["外部渠道：傳媒、議員", "拒交費用：不交費", "負面用語：垃圾"]
    assert all(not simplified_only(line) for line in hant)
    assert Words(texts, classifier, "zh-Hans").reasons(rules)[0] == "外部渠道：传媒、议员"
