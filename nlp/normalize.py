"""Text normalization: one owner message in, one matchable string plus signals out.

The classifier never matches on the raw text. It matches on a *normalized* form:

* bounded: only the first ``max_chars`` characters are looked at, so a 100 kB paste costs the same
  as a long message;
* cleaned: control characters, zero-width characters and lone surrogates removed, runs of
  whitespace collapsed to one space;
* NFKC: full-width letters, digits and punctuation become half-width (``１２０３`` -> ``1203``,
  ``！`` -> ``!``);
* emoticons (WeChat ``[怒]``, ``[发怒]``; emoji such as 😡 🤬) are *removed* from the text and kept
  as signals that feed sentiment;
* repeated punctuation (``！！！``, ``？？？``, ``?!?``) folded to a single mark and kept as signals;
* Traditional -> Simplified (OpenCC ``hk2s`` plus a small fold table for variants it leaves
  alone, e.g. 著 -> 着), so one rules file serves WeCom (Simplified) and Telegram (Traditional and
  Cantonese) owners;
* lower-cased (``Lift`` -> ``lift``).

The original text is never modified; ``Normalized.display`` keeps the cleaned but unconverted text
(half-width, original script) for unit addresses and explanations.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple, Protocol

import opencc

DEFAULT_MAX_CHARS = 2000
# A letter's title is its first line when that line is at most this long and more text follows.
TITLE_MAX_CHARS = 48
DEFAULT_OPENCC_CONFIG = "hk2s"

# Characters removed outright: C0/C1 controls (except tab/newline which become spaces), zero-width
# and bidi controls, BOM, lone surrogates (they cannot be encoded to UTF-8 and would break OpenCC),
# and the private use area.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff"
    + chr(0xD800)  # lone surrogates, written with chr(): mypyc cannot compile them as literals
    + "-"
    + chr(0xDFFF)
    + "\ue000-\uf8ff\ufff0-\uffff]"
)
_SPACE = re.compile(r"\s+")
# Emoji and pictographs: the main emoji blocks, dingbats/misc symbols, variation selectors, ZWJ
# already removed above, skin-tone modifiers and tag characters.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
    "\ufe00-\ufe0f\U000e0000-\U000e007f\u3030\u303d\u3297\u3299]"
)
# WeChat / WeCom text emoticons: [怒], [发怒], [捂脸] ... (short, bracketed, no digits).
_BRACKET_EMOTICON = re.compile(r"\[([^\[\]\d]{1,4})\]")
# Runs of the same kind of punctuation (after NFKC, ！ is ! and ？ is ?).
_EXCLAIM_RUN = re.compile(r"[!！]{2,}")
_QUESTION_RUN = re.compile(r"[?？][?？!！]+|[!！][?？][?？!！]*")
_ELLIPSIS_RUN = re.compile(r"(?:\.{3,}|。{2,}|…+)")
_OTHER_PUNCT_RUN = re.compile(r"([,，、~～\-_=*#])\1{2,}")

# Variants OpenCC's hk2s/t2s leave untouched but owners use interchangeably in Traditional text.
# Applied after OpenCC; safe because rules are written (and normalized) with the same table.
_FOLD = str.maketrans(
    {
        "著": "着",
        "衞": "卫",
        "裏": "里",
        "綫": "线",
        "啓": "启",
        "眞": "真",
        "爲": "为",
        "僞": "伪",
        "麪": "面",
        "銹": "锈",
        "邨": "村",
        "𨋢": "升",  # HK colloquial character for "lift" (𨋢 = lip1) maps to 升 so 升降机 rules still apply
    }
)


_FOLD_CHARS = re.compile("[" + "".join(chr(k) for k in _FOLD) + "]")
# Whitespace that is not already a single plain space (runs, tabs, newlines, NBSP ...).
_SPACE_NOT_SINGLE = re.compile(r"\s{2,}|[^\S ]")


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


@lru_cache(maxsize=4)
def _opencc(config: str) -> _Converter:
    converter: _Converter = opencc.OpenCC(config)
    return converter


class Normalized(NamedTuple):
    """A message ready for matching (immutable).

    ``text`` is what rules see (Simplified, half-width, lower-case, emoticons removed). ``display``
    is the same message cleaned and bounded but in its original script: ``text`` and ``display``
    have the same length whenever ``aligned`` is true, so a span found in one can be cut from the
    other.
    """

    text: str
    display: str
    truncated: bool = False
    traditional: bool = False
    aligned: bool = True
    exclaim_runs: int = 0
    question_runs: int = 0
    ellipsis_runs: int = 0
    question_marks: int = 0
    emoticons: tuple[str, ...] = ()
    # The first line of a multi-line message, normalized like ``text``, when it is short enough
    # to be a title (表扬信, 关于…的联名信, 轉貼管委會公告) or a salutation; "" otherwise.
    title: str = ""


class Normalizer:
    """Builds `Normalized` values. Construct once (OpenCC instance), call many times."""

    def __init__(
        self,
        emoticons: Mapping[str, float] | None = None,
        *,
        max_chars: int = DEFAULT_MAX_CHARS,
        opencc_config: str = DEFAULT_OPENCC_CONFIG,
    ) -> None:
        if max_chars <= 0:
            raise ValueError("max_chars must be positive")
        self.max_chars = max_chars
        self.opencc_config = opencc_config
        self._cc = _opencc(opencc_config)
        self._unchanged: dict[str, bool] = {}  # per character: OpenCC leaves it alone (see _plain)
        # Known emoticons: bracketed names without brackets, and single emoji characters. Emoji are
        # matched after NFKC, so keys are normalized the same way.
        self._emoticons: dict[str, float] = {}
        for key, value in (emoticons or {}).items():
            k = unicodedata.normalize("NFKC", key).strip()
            if k.startswith("[") and k.endswith("]"):
                k = k[1:-1]
            k = k.replace("\ufe0f", "")
            if k:
                self._emoticons[k] = float(value)

    def emoticon_weight(self, name: str) -> float:
        return self._emoticons.get(name, 0.0)

    def to_simplified(self, text: str) -> str:
        """Traditional -> Simplified conversion used for both messages and rule keywords."""
        out = text if self._plain(text) else self._cc.convert(text)
        return out.translate(_FOLD) if _FOLD_CHARS.search(out) else out

    def _plain(self, text: str) -> bool:
        """Whether OpenCC would leave every character of `text` alone, each on its own: then the
        conversion is skipped (most messages on WeCom are Simplified already). Characters are
        looked up once each and remembered; ASCII and punctuation below U+3000 never change."""
        cache = self._unchanged
        for ch in text:
            if ch < "\u3000":
                continue
            same = cache.get(ch)
            if same is None:
                same = self._cc.convert(ch) == ch
                cache[ch] = same
            if not same:
                return False
        return True

    def normalize_term(self, term: str) -> str:
        """Normalize a rule keyword or dictionary word exactly like message text is normalized."""
        t = unicodedata.normalize("NFKC", _CONTROL.sub("", term))
        t = _SPACE.sub(" ", t).strip()
        return self.to_simplified(t).lower()

    def __call__(self, raw: str) -> Normalized:
        truncated = len(raw) > self.max_chars
        text = raw[: self.max_chars] if truncated else raw
        text = _CONTROL.sub("", text)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)

        emoticons: list[str] = []
        if "[" in text:
            text = _BRACKET_EMOTICON.sub(lambda m: self._take_bracket(m, emoticons), text)
        if _EMOJI.search(text):
            text = _EMOJI.sub(lambda m: self._take_emoji(m, emoticons), text)

        title = ""
        if "\n" in text:
            head, _, rest = text.strip().partition("\n")
            head = _SPACE.sub(" ", head).strip()
            if head and len(head) <= TITLE_MAX_CHARS and rest.strip():
                title = self.to_simplified(head).lower()

        exclaim_runs = question_runs = ellipsis_runs = 0
        if "!" in text or "?" in text:
            text, question_runs = _QUESTION_RUN.subn("?", text)
            text, exclaim_runs = _EXCLAIM_RUN.subn("!", text)
        if "." in text or "。" in text or "…" in text:
            text, ellipsis_runs = _ELLIPSIS_RUN.subn("…", text)
        if _OTHER_PUNCT_RUN.search(text):
            text = _OTHER_PUNCT_RUN.sub(r"\1", text)
        if _SPACE_NOT_SINGLE.search(text):
            text = _SPACE.sub(" ", text)
        text = text.strip()

        simplified = self.to_simplified(text)
        aligned = len(simplified) == len(text)
        matchable = simplified.lower()
        if len(matchable) != len(simplified):  # a few exotic letters change length when lowered
            aligned = False
        return Normalized(
            text=matchable,
            display=text,
            truncated=truncated,
            traditional=simplified != text,
            aligned=aligned,
            exclaim_runs=exclaim_runs,
            question_runs=question_runs,
            ellipsis_runs=ellipsis_runs,
            question_marks=text.count("?"),
            emoticons=tuple(emoticons),
            title=title,
        )

    def _take_bracket(self, m: re.Match[str], found: list[str]) -> str:
        name = m.group(1)
        if name in self._emoticons:
            found.append(f"[{name}]")
            return " "
        # Unknown bracketed text: simplified name may be known ([發怒] written in Traditional).
        simple = self.to_simplified(name)
        if simple in self._emoticons:
            found.append(f"[{simple}]")
            return " "
        return m.group(0)

    def _take_emoji(self, m: re.Match[str], found: list[str]) -> str:
        ch = m.group(0)
        if ch in self._emoticons:
            found.append(ch)
        return " "

    def emoticon_score(self, norm: Normalized) -> float:
        total = 0.0
        for e in norm.emoticons:
            key = e[1:-1] if e.startswith("[") else e
            total += self._emoticons.get(key, 0.0)
        return total
