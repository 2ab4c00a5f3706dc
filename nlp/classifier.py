"""The classifier: normalization -> jieba segmentation -> lexicon matching -> decisions.

Build once with `Classifier.load()` (a private jieba tokenizer with the domain dictionary, the
rules compiled once), then call `classify()` as often as needed; it is pure and allocation-light.

Matching works on the normalized text. A keyword matches where it starts at a jieba token
boundary (``settings.match: token``), so 门 does not fire inside 部门 but 漏水 fires in 厨房漏水了.
Among overlapping matches the longest wins and the ones it contains are dropped, so a phrase such
as 没人来修 (a complaint) is not also read as the negator 没 plus the repair word 修. Negators
(不/没/未/别/冇/唔...) cancel the content word that follows within ``negation_window``
characters in the same clause (电梯没坏 is not a repair), and flip sentiment (不满意).
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain
from pathlib import Path
from typing import Any

import ahocorasick
import jieba

from nlp.classification import Classification, Intent, Risk, UnitAddress, mask_digits
from nlp.model import (
    DEFAULT_TRAIN_PATH,
    Feature,
    JointModel,
    NaiveBayes,
    TrainingExample,
    load_examples,
    message_features,
)
from nlp.normalize import Normalized, Normalizer
from nlp.rules import DEFAULT_RULES_PATH, GenreSpec, Rule, RulesError, RuleSet, load_rules
from nlp.units import parse_unit

__all__ = ["DEFAULT_USERDICT_PATH", "Analysis", "Classifier", "Hit"]

log = logging.getLogger(__name__)

DEFAULT_USERDICT_PATH = Path(__file__).with_name("data") / "userdict.txt"

_CLAUSE_BREAKS = frozenset(",，。.!！?？;；、\n~…:：")
_SENTENCE_BREAKS = frozenset("。!！?？;；\n")
_INTENT_ORDER = (Intent.COMPLAINT, Intent.REPAIR, Intent.INQUIRY, Intent.OTHER)  # tie-break order
_CONTENT_KINDS = frozenset({"intent", "category", "urgent", "sentiment", "risk"})
# Kinds whose rules survive inside a longer, topical match of another kind.
_SURVIVOR_KINDS = frozenset({"category", "urgent", "risk", "question", "evidence"})
_TOPICAL_KINDS = frozenset({"category", "urgent", "risk", "sentiment", "evidence"})
_INTENTS = {i.value: i for i in Intent}
# Module constants: an enum member looked up by attribute costs a little on every use.
_REPAIR, _COMPLAINT, _INQUIRY, _OTHER = Intent.REPAIR, Intent.COMPLAINT, Intent.INQUIRY, Intent.OTHER
_ESCALATION = frozenset({"external", "exposure", "collective", "refusal"})
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# A title's segments: a genre word must end one (its head noun: 关于…的联名信, 感谢信——致…).
_TITLE_SEGMENTS = re.compile(r"[\s,.:;!?、。—\-–~()\[\]【】<>《》「」『』\"'“”‘’|/·…]+")
_GENRE_KINDS = frozenset({"genre"})
_ACTIONABLE = (Intent.COMPLAINT, Intent.REPAIR, Intent.INQUIRY)
_HAZARD = "safety_hazard"  # the category of a danger the writer fears (怕砸到人, 随时会着火)
_EVIDENCE_KINDS = frozenset({"evidence"})
_NO_FEATURES: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


class _Entry:
    """One lexicon word with what `_match` needs precomputed."""

    __slots__ = (
        "alnum_edges",
        "features",
        "kinds",
        "pattern_mask",
        "rules",
        "size",
        "survivors",
        "topical",
        "word",
    )

    def __init__(self, word: str, rules: list[Rule]) -> None:
        self.word = word
        self.rules = rules
        # The patterns this word is a required part of (its bit per pattern): found by the same pass.
        self.pattern_mask = 0
        self.size = len(word)
        self.kinds = frozenset(r.kind for r in rules)
        self.features = _rule_features(rules)
        self.topical = self.kinds <= _TOPICAL_KINDS
        self.alnum_edges = word[0] in _ALNUM or word[-1] in _ALNUM
        # The rules of this word that still count inside a longer topical word, by the kinds of
        # that word (computed once per pair of kinds).
        self.survivors: dict[
            frozenset[str],
            tuple[list[Rule], frozenset[str], tuple[tuple[str, ...], tuple[str, ...]]] | None,
        ] = {}

    def survivors_in(
        self, outer: _Entry
    ) -> tuple[list[Rule], frozenset[str], tuple[tuple[str, ...], tuple[str, ...]]] | None:
        """This word's rules that count inside `outer` (困人 inside 电梯困人 is urgent)."""
        key = outer.kinds
        if key in self.survivors:
            return self.survivors[key]
        if key == _EVIDENCE_KINDS:
            # An evidence word (投诉到, 物业管理) only says what the message is about: the readings of
            # the words inside it still count (投诉 is a grievance), but not as chit-chat (附近居民
            # is no 附近).
            kept = [
                r
                for r in self.rules
                if r.kind != "evidence" and not (r.kind == "intent" and r.target == "other")
            ]
        else:
            kept = [r for r in self.rules if r.kind in _SURVIVOR_KINDS and r.kind not in key]
        found = (kept, frozenset(r.kind for r in kept), _rule_features(kept)) if kept else None
        self.survivors[key] = found
        return found


def _rule_features(rules: list[Rule]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The model features naming the kinds of `rules`: as they fire, and negated."""
    return (
        tuple(f"@{r.kind}:{r.target}" for r in rules),
        tuple(f"!{r.kind}:{r.target}" for r in rules),
    )


def _unframed(hits: list[Hit]) -> list[Hit]:
    """The hits outside every frame (a letter's salutation 尊敬的物业管理处： or closing 此致 敬礼),
    frames included: what lies inside one is politeness, not what the letter is about. The
    unit address is read apart, from the whole text (a signature's 3栋602 still counts). Only
    the evidence inside a frame stays: a letter addressed to the 物业 is about the property."""
    frames = [(h.start, h.end) for h in hits if "frame" in h.kinds]
    if not frames:
        return hits
    out: list[Hit] = []
    for h in hits:
        if "frame" in h.kinds or not any(start <= h.start and h.end <= end for start, end in frames):
            out.append(h)
        elif "evidence" in h.kinds:
            kept = [r for r in h.rules if r.kind == "evidence"]
            out.append(Hit(h.start, h.end, h.text, kept, _EVIDENCE_KINDS, _rule_features(kept)))
    return out


def _a_not_a(t: str, start: int, end: int) -> bool:
    """Whether the negator at t[start:end] sits in an A-not-A question (停唔停, 可以不可以)."""
    return any(start >= k and end + k <= len(t) and t[start - k : start] == t[end : end + k] for k in (1, 2))


def _hit_order(h: Hit) -> tuple[int, int]:
    return h.start, -h.end


@dataclass(slots=True)
class Hit:
    start: int
    end: int
    text: str
    rules: list[Rule]
    kinds: frozenset[str]  # the kinds of `rules`
    features: tuple[tuple[str, ...], tuple[str, ...]]  # `_rule_features(rules)`
    negated_by: str | None = None


@dataclass
class Analysis:
    """Everything `classify` computed, kept for `explain` and the benches."""

    normalized: Normalized
    tokens: list[str]
    hits: list[Hit]
    intent_scores: dict[Intent, float]
    category_scores: dict[str, float]
    lexical_sentiment: float
    classification: Classification
    notes: list[str] = field(default_factory=list)
    evidence_weight: float = 0.0  # the weight of what names the property (settings.evidence_min)
    cues: dict[Intent, float] = field(default_factory=dict)  # each intent's act, apart from its topic
    model_probs: dict[Intent, float] = field(default_factory=dict)  # the model's, when consulted


class Classifier:
    """Rule-based, explainable classifier for owner messages. Thread-safe after `load`."""

    def __init__(
        self,
        rules: RuleSet,
        normalizer: Normalizer,
        tokenizer: jieba.Tokenizer,
        model: NaiveBayes | None = None,
        category_model: NaiveBayes | None = None,
        urgent_model: NaiveBayes | None = None,
    ) -> None:
        self.rules = rules
        self.settings = rules.settings
        self._normalizer = normalizer
        self._tokenizer = tokenizer
        self._model = model
        self._model_intents = tuple(Intent(c) for c in model.classes) if model is not None else ()
        self._category_model = category_model
        self._urgent_model = urgent_model
        # What classification consults: the intent and urgent models merged (one lookup per
        # feature for both), the category model apart (asked for about one message in ten).
        joint = [m for m in (model, urgent_model) if m is not None]
        self._joint = JointModel(joint) if joint else None
        self._urgent_index = len(joint) - 1
        self._category_joint = JointModel([category_model]) if category_model is not None else None
        self._hmm = rules.settings.hmm
        self._token_mode = rules.settings.match in ("token", "token_strict")
        # Matching: every occurrence of every lexicon word, overlapping ones included, found in
        # one pass in C by an Aho-Corasick automaton over the normalized text.
        entries = {word: _Entry(word, word_rules) for word, word_rules in rules.lexicon.items()}
        self._strict = rules.settings.match == "token_strict"
        # Pattern pre-filter. Most patterns need one of a few words (经常|频繁|长期…, 多久): an
        # automaton of those words names the candidates, in one pass. The others need some
        # characters (one of each required set): every required set has a bit, characters map to
        # bits, and such a pattern is searched only if all its bits are present in the message;
        # their candidates come from one "anchor" set per pattern (its rarest by jieba's
        # dictionary frequencies).
        self._patterns: list[
            tuple[Rule, re.Pattern[str], int, frozenset[str], tuple[tuple[str, ...], tuple[str, ...]]]
        ] = []
        bits: dict[str, int] = {}
        anchors: dict[str, int] = {}
        literal_anchors: dict[str, int] = {}
        always = 0  # patterns that need no particular character
        bit = 1
        for index, r in enumerate(rules.patterns):
            assert r.pattern is not None
            need = 0
            required = _required_chars(r.pattern)
            literals = _required_literals(r.pattern)
            for chars in required if not literals else ():
                # (A pattern found by a word it needs is searched then: its characters are not
                # tracked, which keeps this pre-filter small.)
                for ch in chars:
                    bits[ch] = bits.get(ch, 0) | bit
                need |= bit
                bit <<= 1
            if literals:
                # A word the match must contain (经常|频繁|长期…): found with the lexicon, in C.
                for word in literals:
                    literal_anchors[word] = literal_anchors.get(word, 0) | (1 << index)
            elif required:
                freq = tokenizer.FREQ
                for ch in min(required, key=lambda chars: sum(freq.get(c, 0) or 0 for c in chars)):
                    anchors[ch] = anchors.get(ch, 0) | (1 << index)
            else:
                always |= 1 << index
            self._patterns.append((r, r.pattern, need, frozenset([r.kind]), _rule_features([r])))
        self._pattern_chars = {ch: (b, anchors.get(ch, 0)) for ch, b in bits.items()}
        self._pattern_char_set = frozenset(bits)
        self._always_patterns = always
        # A word a pattern needs is found by the lexicon's automaton, in the same pass (an entry with
        # no rules when the word is not a keyword itself).
        for word, mask in literal_anchors.items():
            if word not in entries:
                entries[word] = _Entry(word, [])
            entries[word].pattern_mask |= mask
        automaton = ahocorasick.Automaton()
        for word, entry in entries.items():
            automaton.add_word(word, entry)
        if len(automaton):
            automaton.make_automaton()
        self._automaton = automaton
        # Letter framing (a salutation, a closing formula): its hits hide the ones inside them.
        self._has_frames = any(r.kind == "frame" for r in rules.rules)
        # Letter genres: title head nouns longest first (感谢信 before 信), then the patterns.
        self._genre_title_words = sorted(
            (r for r in rules.genre_title if r.word is not None), key=lambda r: -len(r.word or "")
        )
        self._genre_title_patterns = [r for r in rules.genre_title if r.pattern is not None]
        self._genre_text = list(rules.genre_text)
        # Category precedence is the order of the rules file (see docs/LABELLING.md section 2).
        self._precedence = {code: i for i, code in enumerate(rules.categories)}
        self._categories_of = {
            intent: frozenset(code for code, spec in rules.categories.items() if intent in spec.intents)
            for intent in Intent
        }

    # ------------------------------------------------------------------ construction

    @classmethod
    def load(
        cls,
        rules_path: Path | None = None,
        userdict_path: Path | None = None,
        *,
        settings: Mapping[str, object] | None = None,
        train_path: Path | None = None,
    ) -> Classifier:
        """Build a classifier: compile the rules and initialise a private jieba tokenizer.

        `settings` overrides entries of the rules file's ``settings`` section (for benches and
        experiments). Raises `RulesError` if the rules file or the user dictionary is invalid.
        """
        rules_path = rules_path or DEFAULT_RULES_PATH
        userdict_path = userdict_path or DEFAULT_USERDICT_PATH
        # Keywords are normalized by the same Normalizer as messages; its OpenCC configuration is
        # itself a setting, so rebuild once if the file asks for a non-default one.
        normalizer = Normalizer()
        ruleset = load_rules(rules_path, normalizer.normalize_term, _PatternNormalizer(normalizer), settings)
        s = ruleset.settings
        if s.opencc != normalizer.opencc_config:
            try:
                normalizer = Normalizer(opencc_config=s.opencc)
            except Exception as exc:  # OpenCC raises a plain RuntimeError for unknown configs
                raise RulesError(
                    f"{rules_path.name}: settings.opencc: cannot load {s.opencc!r}: {exc}"
                ) from None
            ruleset = load_rules(
                rules_path, normalizer.normalize_term, _PatternNormalizer(normalizer), settings
            )
        normalizer = Normalizer(ruleset.emoticons, max_chars=s.max_chars, opencc_config=s.opencc)

        logging.getLogger("jieba").setLevel(logging.WARNING)  # jieba logs its cache loading at DEBUG
        if s.dictionary_min_freq > 0:
            try:
                tokenizer = jieba.Tokenizer(_trimmed_dictionary(s.dictionary_min_freq))
            except OSError as exc:
                log.warning("jieba's dictionary could not be trimmed (%s): the full one is used", exc)
                tokenizer = jieba.Tokenizer()
        else:
            tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word, freq, tag in _read_userdict(userdict_path, normalizer):
            tokenizer.add_word(word, freq, tag)
        if s.add_keywords_to_dictionary:
            for word in ruleset.lexicon:
                if len(word) > 1 and " " not in word and not tokenizer.FREQ.get(word):
                    tokenizer.add_word(word)
        log.debug("classifier loaded: %d words, %d patterns", len(ruleset.lexicon), len(ruleset.patterns))
        clf = cls(ruleset, normalizer, tokenizer)
        if s.model_weight > 0:
            train_path = train_path or DEFAULT_TRAIN_PATH
            try:
                examples = load_examples(train_path)
            except OSError as exc:
                raise RulesError(
                    f"{train_path.name}: cannot read training data: {exc.strerror or exc}"
                ) from None
            except ValueError as exc:
                raise RulesError(str(exc)) from None
            clf = clf.retrained(examples)
        return clf

    def retrained(self, examples: Sequence[TrainingExample]) -> Classifier:
        """A classifier with the same rules and tokenizer and a model trained on `examples`.

        Deterministic: the same examples give the same model. Used by `load` and by the
        cross-validation in bench/accuracy.py. An empty list gives a rules-only classifier.
        """
        if not examples:
            return type(self)(self.rules, self._normalizer, self._tokenizer)
        s = self.settings
        docs = [self._features(e.text) for e in examples]
        intents = [i.value for i in _INTENT_ORDER]
        model = NaiveBayes.train(docs, [e.intent for e in examples], intents, alpha=s.model_alpha)
        cat_docs = [d for d, e in zip(docs, examples, strict=True) if e.category in self.rules.categories]
        cat_labels = [str(e.category) for e in examples if e.category in self.rules.categories]
        category_model = (
            NaiveBayes.train(
                cat_docs, cat_labels, list(self.rules.categories), alpha=s.model_alpha, min_count=2
            )
            if cat_docs
            else None
        )
        urgent_labels = ["urgent" if e.urgent else "calm" for e in examples]
        urgent_model = (
            NaiveBayes.train(docs, urgent_labels, ["urgent", "calm"], alpha=s.model_alpha)
            if s.model_urgent_min <= 1.0 and "urgent" in urgent_labels
            else None
        )
        return type(self)(self.rules, self._normalizer, self._tokenizer, model, category_model, urgent_model)

    def _features(self, text: str) -> list[Feature]:
        norm = self._normalizer(text)
        tokens = self._cut(norm.text)
        hits = self._match(norm.text, tokens)
        self._apply_negation(norm.text, hits)
        return self._model_features(norm, tokens, hits)

    def _model_features(self, norm: Normalized, tokens: list[str], hits: list[Hit]) -> list[Feature]:
        """Tokens, bigrams and signals, plus the kinds of rule that fired (``@category:noise``), so
        the model learns what a whole lexicon means, not only its words seen in training."""
        feats = message_features(
            norm.text, tokens, norm.question_marks > 0, norm.emoticons, self.settings.model_bigrams
        )
        feats.extend(self._rule_features(hits))
        return feats

    def _rule_features(self, hits: list[Hit]) -> list[str]:
        """The model features naming the kinds of rule that fired, as is or negated."""
        if not self.settings.model_rule_features:
            return []
        out: list[str] = []
        for h in hits:
            out.extend(h.features[h.negated_by is not None])
        return out

    def _model_sums(
        self, model: JointModel, norm: Normalized, tokens: list[str], rule_feats: list[str]
    ) -> list[float]:
        """`model`'s sums over `_model_features` (without building the set)."""
        return model.message_sums(
            norm.text,
            tokens,
            norm.question_marks > 0,
            norm.emoticons,
            rule_feats,
            self.settings.model_bigrams,
        )

    # ------------------------------------------------------------------ public API

    @property
    def has_model(self) -> bool:
        """Whether a statistical model takes part (settings.model_weight > 0 and training data)."""
        return self._model is not None

    def classify(self, text: str, *, addressed: bool = False) -> Classification:
        """What `text` means. `addressed`: the message @-mentions the bot or replies to a steward,
        which is itself evidence that it is about the property."""
        return self.analyse(text, addressed=addressed).classification

    def category_label(self, code: str, traditional: bool = False) -> str:
        spec = self.rules.categories.get(code)
        if spec is None:
            raise KeyError(code)
        return spec.label_hant if traditional else spec.label_hans

    def categories(self) -> dict[str, tuple[Intent, ...]]:
        return {code: spec.intents for code, spec in self.rules.categories.items()}

    def tokens(self, text: str) -> list[str]:
        return self._cut(self._normalizer(text).text)

    def _cut(self, text: str) -> list[str]:
        """jieba's segmentation of normalized text (``tokenizer.cut(text, HMM=settings.hmm)``)."""
        if not text:
            return []
        # jieba itself, not a re-implementation of its algorithm: a faster copy would make the
        # speed bar (classify against bare jieba.lcut) compare jieba with itself, and would
        # have to track jieba's releases by hand.
        tokens: list[str] = self._tokenizer.lcut(text, HMM=self._hmm)
        return tokens

    def explain(self, text: str, *, addressed: bool = False) -> str:
        a = self.analyse(text, addressed=addressed)
        c = a.classification
        n = a.normalized
        lines: list[str] = []
        display, matchable = n.display, n.text
        if c.unit is not None:  # the explanation may end up in a log: never show a full unit
            display = display.replace(c.unit.raw, c.unit.masked())
            matchable = mask_digits(matchable)
        shown = display if len(display) <= 200 else display[:200] + "…"
        lines.append(f"message:    {shown}")
        if n.text != n.display:
            lines.append(f"normalized: {matchable if len(matchable) <= 200 else matchable[:200] + '…'}")
        flags = []
        if n.truncated:
            flags.append(f"truncated to {self.settings.max_chars} chars")
        if n.traditional:
            flags.append("traditional script")
        if n.exclaim_runs:
            flags.append(f"!!! x{n.exclaim_runs}")
        if n.question_runs:
            flags.append(f"??? x{n.question_runs}")
        if n.emoticons:
            flags.append("emoticons " + " ".join(n.emoticons))
        if flags:
            lines.append(f"signals:    {'; '.join(flags)}")
        tokens = a.tokens if len(a.tokens) <= 60 else [*a.tokens[:60], "…"]
        if c.unit is not None:
            tokens = [mask_digits(t) for t in tokens]
        lines.append(f"tokens:     {' / '.join(tokens)}")
        lines.append("matches:")
        if not a.hits:
            lines.append("  (none)")
        for h in a.hits:
            ids = ", ".join(r.id for r in h.rules)
            neg = f"  [negated by {h.negated_by}]" if h.negated_by else ""
            lines.append(f"  {h.text!r} @{h.start}: {ids}{neg}")
        scores = "  ".join(f"{i.value}={a.intent_scores[i]:.2f}" for i in _INTENT_ORDER)
        lines.append(f"scores:     {scores}")
        if a.category_scores:
            cats = "  ".join(
                f"{k}={v:.2f}" for k, v in sorted(a.category_scores.items(), key=lambda kv: -kv[1])
            )
            lines.append(f"categories: {cats}")
        label = ""
        if c.category is not None:
            label = f" ({self.category_label(c.category, n.traditional)})"
        lines.append(f"intent:     {c.intent.value}")
        lines.append(f"category:   {c.category}{label}")
        lines.append(f"urgent:     {'YES' if c.urgent else 'no'}")
        lines.append(f"unit:       {c.unit.masked() if c.unit else '-'}")
        lines.append(f"sentiment:  {c.sentiment:+.2f} ({'negative' if c.negative else 'not negative'})")
        lines.append(f"risk:       {c.risk} ({_RISK_NAMES[c.risk]})")
        lines.append(f"evidence:   {', '.join(c.evidence) if c.evidence else '-'}")
        lines.append(f"uncertain:  {c.uncertain_reason if c.uncertain else 'no'}")
        for note in a.notes:
            lines.append(f"note:       {note}")
        lines.append(f"rules:      {', '.join(c.rules) if c.rules else '-'}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ the pipeline

    def analyse(self, text: str, *, addressed: bool = False) -> Analysis:
        if not isinstance(text, str):
            raise TypeError(f"classify() expects str, got {type(text).__name__}")
        norm = self._normalizer(text)
        t = norm.text
        tokens = self._cut(t)
        hits = self._match(t, tokens)
        if self._has_frames:
            hits = _unframed(hits)
        self._apply_negation(t, hits)
        genre = self._genre(norm) if self._genre_title_words or self._genre_text else None
        return self._decide(norm, tokens, hits, genre, addressed)

    def _genre(self, norm: Normalized) -> Hit | None:
        """The letter's genre: a title whose head noun names one (感谢信, 关于…的联名信, 轉貼…公告),
        else a title pattern (【转】, 协寻…), else a statement of purpose anywhere (特此感谢)."""
        t = norm.text
        if len(t) < self.settings.genre_min_chars:
            return None
        title = norm.title
        if title:
            at = 0
            for seg in _TITLE_SEGMENTS.split(title):
                if not seg:
                    continue
                at = title.find(seg, at)
                for r in self._genre_title_words:
                    word = r.word or ""
                    if seg.endswith(word):
                        end = at + len(seg)
                        return Hit(end - len(word), end, word, [r], _GENRE_KINDS, _NO_FEATURES)
                at += len(seg)
            for r in self._genre_title_patterns:
                m = r.pattern.search(title) if r.pattern is not None else None
                if m is not None:
                    return Hit(m.start(), m.end(), m.group(0), [r], _GENRE_KINDS, _NO_FEATURES)
        best: Hit | None = None
        for r in self._genre_text:
            if r.pattern is not None:
                m = r.pattern.search(t)
                start, end = (m.start(), m.end()) if m is not None else (-1, -1)
            else:
                word = r.word or ""
                start = t.find(word)
                end = start + len(word)
            if start >= 0 and (best is None or start < best.start):
                best = Hit(start, end, t[start:end], [r], _GENRE_KINDS, _NO_FEATURES)
        return best

    def _match(self, t: str, tokens: list[str]) -> list[Hit]:
        n = len(t)
        token_mode = self._token_mode
        strict = self._strict
        starts: dict[int, str] = {}
        ends: set[int] = set()
        if token_mode:
            offsets = list(accumulate(map(len, tokens)))
            ends.update(offsets)
            starts = dict(zip(chain((0,), offsets), tokens, strict=False))  # one more offset than tokens
        found: list[tuple[int, int, str, _Entry, bool]] = []  # start, -end, word, entry, aligned
        anchored = 0  # the patterns a word they need was found for
        if self._automaton.kind == ahocorasick.AHOCORASICK:
            for last, e in self._automaton.iter(t):
                if e.pattern_mask:
                    anchored |= e.pattern_mask
                    if not e.rules:
                        continue
                end = last + 1
                i = end - e.size
                w = e.word
                # Latin letters and digits need word boundaries: 12345 is not in 13812345678.
                if e.alnum_edges and (
                    (w[0] in _ALNUM and i > 0 and t[i - 1] in _ALNUM)
                    or (w[-1] in _ALNUM and end < n and t[end] in _ALNUM)
                ):
                    continue
                if not token_mode:
                    aligned = True
                elif e.size == 1:
                    # A one-character keyword (吵, 狗, 门) must be a whole token: 门 is not 门口.
                    aligned = starts.get(i) == w
                elif strict:
                    aligned = i in starts and end in ends
                else:
                    # Starts or ends on a token boundary: 漏水 in 漏水了, 演习 in 消防演习,
                    # but not 水管 in the middle of 下水管道.
                    aligned = i in starts or end in ends
                found.append((i, -end, w, e, aligned))
            # By start, then longest first (the automaton reports by end). (start, -end, word) is
            # unique, so the entries themselves are never compared.
            found.sort()
        # Longest match wins. A match must start on a token boundary unless it lies inside a longer
        # match; inside a *topical* match (category / urgent / risk words only) the rules of kinds
        # the outer match lacks still count: 困人 inside 电梯困人 is urgent, 物业费 inside 不交物业费
        # is about fees. Inside a functional phrase (没人来修, 打不着火, 修好了吗) the parts are
        # ignored.
        hits: list[Hit] = []
        container_end = -1
        outer: _Entry | None = None
        for i, neg_end, w, e, aligned in found:
            end = -neg_end
            if end > container_end:
                if aligned:
                    hits.append(Hit(i, end, w, e.rules, e.kinds, e.features))
                    container_end = end
                    outer = e
                continue
            if outer is None or not outer.topical:
                continue
            inner = e.survivors_in(outer)
            if inner is not None:
                hits.append(Hit(i, end, w, inner[0], inner[1], inner[2]))
        unsorted = False
        if self._patterns:
            present = 0
            candidates = self._always_patterns | anchored
            pattern_chars = self._pattern_chars
            for ch in self._pattern_char_set.intersection(t):
                b, a = pattern_chars[ch]
                present |= b
                candidates |= a
            patterns = self._patterns
            while candidates:
                low = candidates & -candidates
                candidates ^= low
                rule, pattern, need, kinds, features = patterns[low.bit_length() - 1]
                if present & need != need:
                    continue  # cannot match: a character it needs is missing
                m = pattern.search(t)
                if m is not None:
                    hits.append(Hit(m.start(), m.end(), m.group(0), [rule], kinds, features))
                    unsorted = True
        if unsorted:  # the lexicon's hits come out by start, longest first; patterns' do not
            hits.sort(key=_hit_order)
        return hits

    def _apply_negation(self, t: str, hits: list[Hit]) -> None:
        window = self.settings.negation_window
        last_neg: Hit | None = None
        bridge_end = -1  # end of degree words right after the negator (不太吵, 没怎么)
        for h in hits:
            kinds = h.kinds
            if "negation" in kinds and not kinds & _CONTENT_KINDS:
                if _a_not_a(t, h.start, h.end):
                    continue  # 停唔停水, 交不交: a question, not a negation
                last_neg = h
                bridge_end = h.end
                continue
            if last_neg is None or h.rules[0].pattern is not None:
                continue
            if "degree" in kinds and h.start - bridge_end <= window:
                bridge_end = h.end
                continue
            if not kinds & _CONTENT_KINDS:
                continue
            gap = h.start - bridge_end
            if 0 <= gap <= window and not any(ch in _CLAUSE_BREAKS for ch in t[last_neg.end : h.start]):
                h.negated_by = last_neg.text

    def _decide(
        self,
        norm: Normalized,
        tokens: list[str],
        hits: list[Hit],
        genre: Hit | None = None,
        addressed: bool = False,
    ) -> Analysis:
        s = self.settings
        cats = self.rules.categories
        scores = dict.fromkeys(_INTENT_ORDER, 0.0)
        cat_scores: dict[str, float] = {}
        fired: list[str] = []
        notes: list[str] = []
        senti = 0.0
        question = 0.0
        persist = 0.0
        urgent_hits: list[tuple[Hit, Rule]] = []
        crisis_hits: list[tuple[Hit, Rule]] = []
        modal_hits: list[Hit] = []
        now_hits: list[Hit] = []
        counted: set[str] = set()
        negated_problem = live_problem = False
        risk_ids: dict[str, list[str]] = {}
        mods: set[str] = set()
        degree_ends: list[tuple[int, float]] = []
        evidence: dict[str, float] = {}  # evidence rule id -> weight: what names the property
        # What the message does, apart from its topic: report a fault, voice a grievance, ask.
        cue = dict.fromkeys(_ACTIONABLE, 0.0)
        reported = 0.0  # the weight of words reporting a problem (反映, 请求解决, 问题)
        grievance_topic = 0.0  # words that state a grievance (太吵, 还没修, 飞线充电, 被人占)
        asked_topic = 0.0  # words of a topic also asked about (车位, 物业费, 装修): an inquiry's subject
        rhetorical = False  # a rhetorical question: a grievance, not a question

        for h in hits:
            if "degree" in h.kinds:
                degree_ends.extend([(h.end, r.weight) for r in h.rules if r.kind == "degree"])

        for h in hits:
            mult = 1.0
            if degree_ends:
                for end, w in degree_ends:
                    if 0 <= h.start - end <= s.degree_window:
                        mult = max(mult, w)
            for r in h.rules:
                kind = r.kind
                if h.negated_by is not None and kind in _CONTENT_KINDS:
                    if r.evidence:
                        evidence[r.id] = r.evidence  # 电梯没坏 is still about the lift
                    if kind == "sentiment":
                        # 不满意 / 不好: a negated sentiment word counts with the opposite sign.
                        sign = 1.0 if r.target == "negative" else -1.0
                        senti += sign * r.weight * 0.8
                        fired.append(f"not:{r.id}")
                    elif kind == "risk":
                        if r.target == "crisis":  # 没有着火 is no crisis
                            fired.append(f"not:{r.id}")
                            continue
                        risk_ids.setdefault(r.target, []).append(r.id)  # 不想闹到12345 is still a threat
                        fired.append(r.id)
                    else:
                        fired.append(f"not:{r.id}")
                        if kind == "intent" and r.target in ("repair", "complaint"):
                            scores[_OTHER] += r.weight * s.negated_problem_to_other  # 电梯没坏
                            negated_problem = True
                    continue
                fired.append(r.id)
                if r.evidence:
                    evidence[r.id] = r.evidence
                if kind == "intent":
                    if r.target != "other":
                        cue[_INTENTS[r.target]] += r.weight
                    if r.id not in counted:  # a word said twice is one piece of evidence
                        counted.add(r.id)
                        scores[_INTENTS[r.target]] += r.weight * mult
                    if r.target in ("repair", "complaint"):
                        live_problem = True
                elif kind == "category":
                    if r.id in counted:
                        continue
                    counted.add(r.id)
                    cat_scores[r.target] = cat_scores.get(r.target, 0.0) + r.weight
                    spec = cats[r.target]
                    if r.act and len(spec.intents) == 1:
                        # A word that states the problem counts like a problem word of its intent:
                        # its whole weight (the boost below adds a share).
                        scores[spec.intents[0]] += r.weight * (1.0 - spec.boost)
                    if r.act:
                        # 太吵, 还没修, 飞线充电, 爆管: the word states a problem by itself. A fault
                        # is a repair's act wherever; a grievance counts in a statement (below).
                        if _REPAIR in spec.intents:
                            cue[_REPAIR] += r.weight
                        else:
                            grievance_topic += r.weight
                            if len(spec.intents) > 1 and _COMPLAINT in spec.intents:
                                # 车位被占, 乱收费: a category also asked about (parking, fees)
                                # gives no boost to one intent; its grievance words go to complaint.
                                scores[_COMPLAINT] += r.weight * s.category_boost
                    if len(spec.intents) == 1 and spec.boost:
                        scores[spec.intents[0]] += r.weight * spec.boost
                    elif _INQUIRY in spec.intents and not r.act:
                        asked_topic += r.weight
                elif kind == "urgent":
                    urgent_hits.append((h, r))
                elif kind == "risk":
                    if r.target == "crisis":
                        crisis_hits.append((h, r))
                    risk_ids.setdefault(r.target, []).append(r.id)
                elif kind == "sentiment":
                    sign = -1.0 if r.target == "negative" else 1.0
                    senti += sign * r.weight * mult
                elif kind == "evidence":
                    pass  # counted in `evidence` above
                else:
                    mods.add(kind)
                    if kind == "present" or kind == "alarm":
                        now_hits.append(h)
                    if kind == "modal" or kind == "conditional":
                        modal_hits.append(h)
                    elif kind == "question":
                        question += r.weight
                    elif kind == "request":
                        scores[_REPAIR] += r.weight
                        cue[_REPAIR] += r.weight
                    elif kind == "resolved":
                        scores[_OTHER] += r.weight
                        scores[_REPAIR] -= r.weight
                    elif kind == "persistence":
                        persist += r.weight
                    elif kind == "rhetorical":
                        rhetorical = True
                        cue[_COMPLAINT] += r.weight
                        if r.id not in counted:
                            counted.add(r.id)
                            scores[_COMPLAINT] += r.weight
                    elif kind == "report":
                        cue[_REPAIR] += r.weight  # 反映…问题: a problem reported, to fix or a grievance
                        cue[_COMPLAINT] += r.weight
                        reported += r.weight

        if reported and len(norm.text) > s.report_max_chars:
            # In a long text (a letter) 问题 and 反映 are incidental: its genre and the rest decide.
            cue[_REPAIR] -= reported
            cue[_COMPLAINT] -= reported
            reported = 0.0
        if reported:
            # A problem reported counts for a complaint or a repair (the subject decides which),
            # or for an inquiry when the writer asks about it (咨询…问题).
            # The subject decides: something to fix (水压问题, 化粪池) makes it a repair, a grievance
            # or no subject named (违建问题, 相关问题) a complaint.
            reported = min(reported, s.report_cap)
            to_fix = max((v for code, v in cat_scores.items() if _REPAIR in cats[code].intents), default=0.0)
            grievance_named = max(
                (v for code, v in cat_scores.items() if _COMPLAINT in cats[code].intents), default=0.0
            )
            if to_fix > grievance_named:
                scores[_REPAIR] += reported
                scores[_COMPLAINT] += reported * 0.5
            else:
                scores[_COMPLAINT] += reported
                scores[_REPAIR] += reported * 0.5
            if cue[_INQUIRY] > 0:
                scores[_INQUIRY] += reported
        if norm.question_marks:
            question += s.question_mark_weight
            fired.append("q:?")
        asks_in_words = cue[_INQUIRY] > 0  # 请问, 咨询: the inquiry's own words
        if rhetorical and not asks_in_words:
            question = 0.0  # 何时能解决？ asks nothing: the question is the grievance
            fired.append("q.rhetorical")
        if question:
            scores[_INQUIRY] += min(question, s.question_cap)
            # 车位怎么租, 物业费怎么交: a topic that may be asked about or complained of (parking,
            # fees, renovation) is the subject of the question.
            scores[_INQUIRY] += asked_topic * s.category_boost

        # Urgency: words of danger, unless a modal word governs them (容易着火, 随时会爆炸, 如果困人)
        # or the message is about the past, a tip, news or resolved. An ongoing or present marker
        # (还在, 一直, 现在) revives a past-marked emergency; only a call for help (救命, 快来人)
        # revives one in a tip, a drill notice or a hypothetical.
        t = norm.text
        live_urgent: list[Rule] = []
        letter = len(t) >= s.urgent_context_chars and "alarm" not in mods
        for h, r in urgent_hits:
            modal = self._governing_modal(t, h, modal_hits)
            if modal is not None:
                fired.append(f"urgent.modal:{r.id}")
                notes.append(f"{h.text!r} is hypothetical here ({modal})")
                if r.target == "urgent" and _HAZARD in cats and "hypothetical" not in mods:
                    # 怕掉下来砸到人, 随时会着火: a danger the writer fears is a safety hazard.
                    cue[_COMPLAINT] += 1.0
                    if "hazard" not in counted:
                        counted.add("hazard")
                        cat_scores[_HAZARD] = cat_scores.get(_HAZARD, 0.0) + s.feared_danger
                        scores[_COMPLAINT] += s.feared_danger * cats[_HAZARD].boost
            elif letter and not self._same_sentence(t, h, now_hits):
                fired.append(f"urgent.recounted:{r.id}")
                notes.append(f"{h.text!r} is recounted: no present marker in its sentence of a long text")
            else:
                live_urgent.append(r)
        live_crisis = [r for h, r in crisis_hits if self._governing_modal(t, h, modal_hits) is None]
        revived = "present" in mods or "alarm" in mods
        suppressed_by = ["past"] if "past" in mods and not revived else []
        if "resolved" in mods and "alarm" not in mods:
            suppressed_by.append("resolved")  # 虚惊一场 / 已经救出来了 outweigh 现在 or 还在
        if "hypothetical" in mods and "alarm" not in mods:
            suppressed_by.insert(0, "hypothetical")
        live = not suppressed_by
        # Evidence of the property: the evidence words, being addressed, a live danger to the
        # building. Someone hurt (personal) or a fight (assault) is urgent only in a message about
        # the property or with a call for help: 笑晕了 and 两只猫打架 page nobody.
        if addressed:
            evidence["addressed"] = s.addressed_evidence
        hazards = [r for r in live_urgent if r.target == "urgent"] if live else []
        if hazards:
            evidence[hazards[0].id] = s.hazard_evidence
        weight_of_evidence = sum(evidence.values())
        if live_urgent and s.evidence_min > 0 and "alarm" not in mods:
            # A figure of speech (热到爆炸) pages nobody in a message about nothing of the property,
            # nor does a fight (两只猫打架) with no place of the estate named; someone hurt does
            # (我爸晕倒了，叫不醒: the group is where a neighbour asks for help).
            # A danger to the building brings its own evidence (hazard_evidence): it is dropped only
            # when what the message names argues against the property (成条街水浸: the street).
            needs = {
                "figurative": s.evidence_min,
                "assault": s.evidence_min / 2,
                "urgent": s.evidence_min if hazards else 0.0,
            }
            dropped = [r for r in live_urgent if weight_of_evidence < needs.get(r.target, 0.0)]
            if dropped:
                for r in dropped:
                    fired.append(f"urgent.no_evidence:{r.id}")
                notes.append("a figure of speech, a fight or a danger, but nothing of the property named")
                live_urgent = [r for r in live_urgent if r not in dropped]
        if live and live_urgent and not hazards:
            # Someone hurt, a fight in the estate, or a call for help: a live emergency.
            evidence[live_urgent[0].id] = s.hazard_evidence
            weight_of_evidence = sum(evidence.values())
        urgent = bool(live_urgent)
        if urgent and not live:
            urgent = False
            fired.append(f"urgent.suppressed:{suppressed_by[0]}")
            notes.append(f"urgent words found but suppressed ({', '.join(suppressed_by)})")
        if urgent:
            # A fight is a security complaint; a danger or someone hurt calls for someone to come.
            if all(r.target == "assault" for r in live_urgent):
                scores[_COMPLAINT] += s.urgent_to_repair
            else:
                scores[_REPAIR] += s.urgent_to_repair
        crisis = bool(live_crisis) and live

        # A letter's genre decides its intent (unless it reports a live emergency); a praise
        # letter, a relayed notice or a proposal mentions problems that are not live.
        genre_spec: GenreSpec | None = None
        forced: Intent | None = None
        if genre is not None:
            genre_spec = self.rules.genres[genre.rules[0].target]
            fired.append(genre.rules[0].id)
            if not genre_spec.urgent and (urgent or crisis):
                urgent = crisis = False
                fired.append("urgent.suppressed:genre")
            if not genre_spec.risk:
                risk_ids.clear()
            if not urgent or genre_spec.intent is _REPAIR:
                forced = genre_spec.intent
                notes.append(f"a {genre_spec.name} letter ({genre.text!r}): {forced.value}")

        emo = self._normalizer.emoticon_score(norm)
        if emo:
            senti += emo
            fired.extend(f"emo:{e}" for e in norm.emoticons)
        if senti < 0:
            scores[_COMPLAINT] += -senti * s.negative_to_complaint
        elif senti > 0:
            scores[_OTHER] += senti * s.positive_to_other
        if "authority" in risk_ids:
            # A government body is an outside party only in a grievance: 我会去市政府陈情, not
            # 转贴：市政府下周开始消毒.
            authority = risk_ids.pop("authority")
            grievance = senti < 0 or persist > 0 or cue[_COMPLAINT] > 0 or bool(risk_ids.keys() & _ESCALATION)
            if "hypothetical" not in mods and grievance:
                risk_ids.setdefault("external", []).extend(authority)
        if risk_ids.keys() & _ESCALATION:
            scores[_COMPLAINT] += s.risk_to_complaint
        if persist:
            scores[_COMPLAINT] += persist * s.persistence_weight

        # The cues of the message's act, apart from its topic words. A grievance category's words
        # say a grievance in a statement, not in a plain question (小区有没有电动车充电的地方？).
        if grievance_topic and (rhetorical or not (question > 0 or norm.question_marks)):
            cue[_COMPLAINT] += grievance_topic
        if question > 0 or (norm.question_marks and not rhetorical):
            cue[_INQUIRY] += max(question, 1.0)
        if urgent:
            cue[_COMPLAINT if all(r.target == "assault" for r in live_urgent) else _REPAIR] += 2.0
        if senti < 0 or persist > 0 or risk_ids.keys() & _ESCALATION:
            cue[_COMPLAINT] += 1.0
        if "resolved" in mods and not urgent and "alarm" not in mods:
            cue[_REPAIR] = 0.0  # 停电是跳闸，现在已经来电了: the fault is over

        # The evidence gate: with nothing of the property named, the message is `other`, whatever
        # the words of a problem or a question say (手机坏了, 有没有拼车去机场的) and whatever a model
        # would say. The model may only choose between the intents the rules support; a question
        # put to the neighbours (有没有人…, 谁家…, 求推荐) asks the property nothing unless its evidence
        # still suffices at a discount.
        gated = s.evidence_min > 0 and weight_of_evidence < s.evidence_min
        # A question to the neighbours is one to the property when it names the company or its staff
        # (物业, 管理处, 管家: not a 师傅 anyone may know).
        addressee_named = (
            sum(v for k, v in evidence.items() if k.startswith("evidence.addressee")) >= s.evidence_min
        )
        rule_scores = dict(scores)
        # What the rules support: an intent's own words (a fault, a grievance, a question), or a
        # category of it named (停车位 may be asked about or complained of). A fault, a recurrence,
        # a question or a problem about something named may also be a grievance (电梯又坏了, 是打算
        # 养着吗): the model then chooses, but never an intent the rules give nothing to.
        named_intents = {it for code, v in cat_scores.items() if v > 0 for it in cats[code].intents}
        supported = {it for it in _ACTIONABLE if scores[it] >= s.support_min or it in named_intents}
        if question > 0 or (norm.question_marks and not rhetorical):
            supported.add(_INQUIRY)
        if rhetorical and not asks_in_words:
            supported.discard(_INQUIRY)
        if supported and (persist > 0 or senti < 0 or named_intents):
            supported.add(_COMPLAINT)
        if gated:
            supported.clear()
            for kind in [k for k in risk_ids if k in _ESCALATION]:
                # 记者节快乐, 大家一起来: an outside party or joint action, but about nothing here.
                fired.append(f"risk.no_evidence:{kind}")
                del risk_ids[kind]
            if crisis:
                crisis = False  # 热到爆炸: a figure of speech (a real fire names the building)
                fired.append("risk.no_evidence:crisis")
            if any(scores[it] >= s.min_intent_score for it in _ACTIONABLE):
                notes.append(
                    f"no evidence of the property ({weight_of_evidence:g} < {s.evidence_min:g}): other"
                )
            fired.append("gate:no_evidence")
        elif (
            _INQUIRY in supported
            and "peers" in mods
            and not addressee_named
            and "addressed" not in evidence
            and weight_of_evidence * s.peers_evidence_share < s.evidence_min
        ):
            supported.discard(_INQUIRY)
            fired.append("gate:peers_question")
            notes.append("a question to the neighbours about nothing the property manages: not an inquiry")
        for it in _ACTIONABLE:
            if it not in supported:
                scores[it] = min(scores[it], 0.0)

        # The statistical model: its probabilities are added to the rule scores, weighted.
        rule_feats: list[str] | None = None  # the model's features naming rules that fired
        sums: list[float] | None = None  # the joint model's sums over feats
        model_p: dict[Intent, float] = {}
        model = self._joint if self._model is not None and forced is None and supported else None
        if model is not None:
            ranked = sorted(scores.values(), reverse=True)
            top_rule = max(_INTENT_ORDER, key=scores.__getitem__)
            if (
                ranked[0] >= s.min_intent_score
                and ranked[0] - ranked[1] >= s.model_skip_margin
                and (top_rule is _OTHER or cue[top_rule] > 0)
            ):
                # The rules are decisive: the model adds at most model_weight to any intent, so
                # with that margin it cannot change the outcome. Skipped (it is the slowest step).
                model = None
        if model is not None:
            rule_feats = self._rule_features(hits)
            sums = self._model_sums(model, norm, tokens, rule_feats)
            probs = model.proba(sums, 0, s.model_temperature)
            # The model learnt from chat lines; a letter's formal request (反映…问题, 请求解决…) is
            # another register, where its word statistics say less: it weighs less there.
            w = s.model_weight * (s.model_formal_share if reported else 1.0)
            damp = 1.0
            if negated_problem and not live_problem and not urgent:
                # 电梯没坏: every fault word is negated; the model (which sees 坏) is damped.
                damp = s.model_negated_damp
                fired.append("model.damped:negated")
            best_p = 0.0
            top = _OTHER
            for it, p in zip(self._model_intents, probs, strict=True):
                if it is not _OTHER and it not in supported:
                    continue  # the model never creates an intent the rules do not support
                model_p[it] = p
                scores[it] += w * p * (damp if it is _REPAIR or it is _COMPLAINT else 1.0)
                if p > best_p:
                    best_p, top = p, it
            fired.append(f"model:{top.value}({best_p:.2f})")

        # Intent: best score, ties broken complaint > repair > inquiry > other. An actionable
        # intent needs its act (a fault, a grievance, a question) in the rules, or a model that is
        # very sure of it: a topic word alone (养狗, 广场舞, 电费) makes no ticket.
        intent = _OTHER
        for it in sorted(_INTENT_ORDER, key=scores.__getitem__, reverse=True):  # stable: ties keep the order
            if scores[it] < s.min_intent_score or it is _OTHER:
                break
            if cue[it] > 0 or (
                it is not _INQUIRY  # a message that asks nothing is no inquiry, whatever the model says
                and "resolved" not in mods  # nor is a fault the message says is over a repair
                and model_p.get(it, 0.0) >= s.model_alone_min
                and weight_of_evidence >= s.model_alone_evidence
            ):
                intent = it
                break
            fired.append(f"no_act:{it.value}")
            notes.append(f"{it.value} scores {scores[it]:.2f}, but nothing in the message does it")
        best = max(_INTENT_ORDER, key=scores.__getitem__)
        if forced is not None:
            intent = forced
        elif intent is _OTHER and best is not _OTHER and scores[best] < s.min_intent_score:
            notes.append(f"best score {scores[best]:.2f} below min_intent_score {s.min_intent_score}")
        if gated and intent is not _OTHER:
            intent = _OTHER  # a letter's genre, too, needs something of the property
            fired.append("gate:genre_without_evidence")
        if (
            urgent
            and intent is _COMPLAINT
            and forced is None
            and any(r.target != "assault" for r in live_urgent)
            and cat_scores.get(_HAZARD, 0.0) <= 0.0
        ):
            # An emergency is handled first, whatever grievance rides along (煤气味很大，物业电话一直
            # 没人接): someone must come. Things thrown from height stay a safety hazard complaint.
            intent = _REPAIR
            fired.append("urgent.first")

        # How sure: the rules alone, the margin, the weight of the evidence.
        uncertain_reason: str | None = None
        rules_best = max(_INTENT_ORDER, key=rule_scores.__getitem__)
        rules_intent = rules_best if rule_scores[rules_best] >= s.min_intent_score else _OTHER
        if intent is _OTHER:
            if gated and rules_intent is not _OTHER:
                uncertain_reason = f"{rules_intent.value} words, but nothing of the property named"
        elif forced is None:
            # Uncertain is about whether to act at all (a ticket, an answer), not about which of
            # the actionable intents: a repair read as a complaint still reaches a steward. So the
            # doubts that count are a model that made an intent the rules alone did not reach, a
            # lead over `other` (or over the bare minimum) too small, and too little evidence.
            floor = max(scores[_OTHER], s.min_intent_score)
            if rules_intent is _OTHER:
                uncertain_reason = f"the model decided {intent.value} (rules alone: other)"
            elif scores[intent] - floor < s.uncertain_margin:
                uncertain_reason = (
                    f"close call: {intent.value} {scores[intent]:.2f}, other {scores[_OTHER]:.2f}"
                )
            elif weight_of_evidence < s.evidence_sure:
                uncertain_reason = f"little evidence of the property ({weight_of_evidence:g})"
        if uncertain_reason is not None:
            fired.append("uncertain")

        category, named = self._pick_category(intent, cat_scores)
        if self._category_joint is not None and intent is not _OTHER and not named:
            # No rule names a category: ask the model, among this intent's categories.
            if rule_feats is None:
                rule_feats = self._rule_features(hits)
            cj = self._category_joint
            cm = cj.models[0]
            cprobs = cj.proba(self._model_sums(cj, norm, tokens, rule_feats), 0)
            allowed = [(p, c) for c, p in zip(cm.classes, cprobs, strict=True) if intent in cats[c].intents]
            if allowed:
                z = sum(p for p, _ in allowed) or 1.0
                p_best, c_best = max(allowed)
                if p_best / z >= s.model_category_min:
                    category = c_best
                    fired.append(f"model.cat:{c_best}({p_best / z:.2f})")

        # Safety net for emergencies described in words no rule lists (燃起味好冲, 仲未醒): a
        # problem report that the urgent model is very sure of, unless the message is about the
        # past, a tip or news, or resolved, or its danger words are hedged (容易着火).
        if (
            not urgent
            and self._urgent_model is not None
            and self._joint is not None
            and (intent is _REPAIR or intent is _COMPLAINT)
            and live
            and not urgent_hits
            and (genre_spec is None or genre_spec.urgent)
        ):
            if sums is None:  # the intent model was skipped
                if rule_feats is None:
                    rule_feats = self._rule_features(hits)
                sums = self._model_sums(self._joint, norm, tokens, rule_feats)
            p_urgent = self._joint.proba(sums, self._urgent_index, s.model_temperature)[0]
            if p_urgent >= s.model_urgent_min:
                urgent = True
                fired.append(f"model.urgent({p_urgent:.2f})")

        # Sentiment. Persistence (又/一直) and !!! / ??? only count against a problem report.
        problem = intent in (_REPAIR, _COMPLAINT) or urgent
        if problem:
            if persist:
                senti -= s.persistence_sentiment * persist
            if norm.exclaim_runs:
                senti += s.exclaim_run_weight * min(norm.exclaim_runs, 3)
                fired.append("punct:!!!")
            if norm.question_runs:
                senti += s.question_run_weight * min(norm.question_runs, 3)
                fired.append("punct:???")
        if intent is _COMPLAINT:
            senti += s.complaint_sentiment
        if genre_spec is not None and not genre_spec.negative and senti < 0:
            senti = 0.0  # the problems a thank-you letter or a notice recounts are not grievances
            fired.append("negative.suppressed:genre")
        sentiment = math.tanh(senti / s.sentiment_scale)

        escalation = bool(risk_ids.keys() & _ESCALATION)
        negative = sentiment <= s.negative_threshold or intent is _COMPLAINT or urgent or escalation or crisis
        if negative and sentiment > s.negative_threshold:
            sentiment = s.negative_threshold  # every complaint and emergency reads as negative
        if negative and sentiment == s.negative_threshold and intent is _COMPLAINT:
            fired.append("negative:complaint")

        risk = Risk.NEGATIVE if negative else Risk.NONE
        if escalation:
            risk = Risk.EXTERNAL
        # The media or the courts on their own, or an outside party and joint action together.
        if "exposure" in risk_ids or ("external" in risk_ids and "collective" in risk_ids) or crisis:
            risk = Risk.CRISIS

        unit: UnitAddress | None = parse_unit(norm.text, norm.display if norm.aligned else None)
        if unit is not None:
            fired.append("unit")

        classification = Classification(
            intent=intent,
            category=category,
            urgent=urgent,
            unit=unit,
            sentiment=max(-1.0, min(1.0, sentiment)),
            negative=negative,
            risk=risk,
            rules=tuple(dict.fromkeys(fired)),
            uncertain=uncertain_reason is not None,
            uncertain_reason=uncertain_reason,
            # What names the property, the weightiest first (not what argued against it: 手机).
            evidence=tuple(
                sorted((k for k, v in evidence.items() if v > 0), key=evidence.__getitem__, reverse=True)
            ),
        )
        return Analysis(
            normalized=norm,
            tokens=tokens,
            hits=hits if genre is None else [*hits, genre],
            intent_scores=scores,
            category_scores=cat_scores,
            lexical_sentiment=senti,
            classification=classification,
            notes=notes,
            evidence_weight=weight_of_evidence,
            cues=cue,
            model_probs=model_p,
        )

    @staticmethod
    def _same_sentence(t: str, h: Hit, others: list[Hit]) -> bool:
        """Whether one of `others` lies in the sentence of `h` (no sentence break between them)."""
        for o in others:
            lo, hi = (o.end, h.start) if o.start <= h.start else (h.end, o.start)
            if not any(ch in _SENTENCE_BREAKS for ch in t[lo:hi]):
                return True
        return False

    def _governing_modal(self, t: str, h: Hit, modal_hits: list[Hit]) -> str | None:
        """The modal word (可能, 容易, 随时…) right before `h`, or the conditional (如果, 万一…)
        anywhere before it, in the same clause, if any."""
        window = self.settings.modal_window
        for m in modal_hits:
            # Right after the modal word, or overlapping it (好易跌 / 跌亲 in 好易跌亲); a
            # conditional scopes to the end of its clause (如果部lift困人).
            if (
                m.start <= h.start
                and (h.start - m.end <= window or "conditional" in m.kinds)
                and not any(ch in _CLAUSE_BREAKS for ch in t[m.end : h.start])
            ):
                return m.text
        return None

    def _pick_category(self, intent: Intent, cat_scores: dict[str, float]) -> tuple[str | None, bool]:
        """The category for `intent` from the rules' scores, and whether a rule named one (if not,
        the category is the intent's fallback)."""
        if intent is _OTHER:
            return None, False
        if not cat_scores:
            return self.rules.fallback_category.get(intent), False
        allowed = self._categories_of[intent]
        cands = [(code, score) for code, score in cat_scores.items() if score > 0 and code in allowed]
        if not cands:
            return self.rules.fallback_category.get(intent), False
        order = self._precedence
        if self.settings.category_select == "precedence":
            strong = [c for c in cands if c[1] >= self.settings.category_min_score]
            if strong:
                return min(strong, key=lambda c: order[c[0]])[0], True
        return max(cands, key=lambda c: (c[1], -order[c[0]]))[0], True


_RISK_NAMES = {0: "none", 1: "negative", 2: "external / collective", 3: "crisis"}


_sre_parse: Any = importlib.import_module("re._parser")
_sre: Any = importlib.import_module("re._constants")


def _required_literals(pattern: re.Pattern[str] | None) -> tuple[str, ...]:
    """Words of which a text must contain one for `pattern` to match anywhere in it, if known.

    From the mandatory elements of the pattern's top-level sequence: a group of literal
    alternatives (``(经常|频繁|长期)``) or a run of literal characters (``多久``); the most selective
    such element (its shortest word the longest). Empty when none is known (then the character
    pre-filter alone chooses the candidates).
    """
    if pattern is None:
        return ()
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - private API drift: just do not pre-filter
        return ()
    items = list(parsed)
    options: list[tuple[str, ...]] = []
    run = ""
    for op, av in items:
        if op is _sre.LITERAL:
            run += chr(av)
            continue
        if run:
            options.append((run,))
            run = ""
        if op is _sre.SUBPATTERN:
            words = _literal_alternatives(list(av[-1]))
            if words:
                options.append(words)
    if run:
        options.append((run,))
    if not options:
        return ()
    return max(options, key=lambda words: (min(map(len, words)), -len(words)))


def _literal_alternatives(items: list[Any]) -> tuple[str, ...]:
    """The words of a group that is only literal alternatives (经常|频繁), else ()."""
    branches: list[list[Any]]
    if len(items) == 1 and items[0][0] is _sre.BRANCH:
        branches = [list(b) for b in items[0][1][1]]
    else:
        branches = [items]
    words: list[str] = []
    for branch in branches:
        if not branch or any(op is not _sre.LITERAL for op, _ in branch):
            return ()
        words.append("".join(chr(av) for _, av in branch))
    return tuple(words)


def _required_chars(pattern: re.Pattern[str] | None) -> tuple[frozenset[str], ...]:
    """Character sets a text must intersect for `pattern` to match anywhere in it.

    One set per mandatory element of the pattern's top-level sequence whose first characters are
    known (for ``(报修?|报咗).{0,8}([0-9]+)天`` that is {报} and {天}). Lets `_match` skip most
    patterns with a few set tests instead of a regex search. Empty when nothing is known.
    """
    if pattern is None:
        return ()
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except Exception:  # pragma: no cover - private API drift: just do not pre-filter
        return ()
    items = list(parsed)
    if len(items) == 1 and items[0][0] is _sre.BRANCH:  # a|b at top level: first chars only
        first, nullable = _first_of_item(*items[0])
        return (frozenset(first),) if first and not nullable else ()
    required: list[frozenset[str]] = []
    for op, av in items:
        first, nullable = _first_of_item(op, av)
        if first and not nullable:
            required.append(frozenset(first))
    return tuple(required)


def _first_of_sequence(items: list[Any]) -> tuple[set[str] | None, bool]:
    out: set[str] = set()
    for op, av in items:
        first, nullable = _first_of_item(op, av)
        if first is None:
            return None, False
        out |= first
        if not nullable:
            return out, False
    return out, True


def _first_of_item(op: Any, av: Any) -> tuple[set[str] | None, bool]:
    if op is _sre.LITERAL:
        return {chr(av)}, False
    if op is _sre.AT:
        return set(), True
    if op is _sre.IN:
        chars: set[str] = set()
        for sub_op, sub_av in av:
            if sub_op is _sre.LITERAL:
                chars.add(chr(sub_av))
            elif sub_op is _sre.RANGE and sub_av[1] - sub_av[0] <= 64:
                chars.update(chr(c) for c in range(sub_av[0], sub_av[1] + 1))
            else:
                return None, False
        return chars, False
    if op is _sre.SUBPATTERN:
        return _first_of_sequence(list(av[-1]))
    if op is _sre.BRANCH:
        union: set[str] = set()
        any_nullable = False
        for branch in av[1]:
            first, nullable = _first_of_sequence(list(branch))
            if first is None:
                return None, False
            union |= first
            any_nullable = any_nullable or nullable
        return union, any_nullable
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        low, _high, body = av
        first, nullable = _first_of_sequence(list(body))
        if first is None:
            return None, False
        return first, nullable or low == 0
    return None, False


class _PatternNormalizer:
    def __init__(self, n: Normalizer) -> None:
        self._n = n

    def __call__(self, pattern: str) -> str:
        return self._n.to_simplified(unicodedata.normalize("NFKC", pattern))


def _trimmed_dictionary(min_freq: int) -> str:
    """A copy of jieba's main dictionary keeping the words of frequency >= `min_freq`.

    Written once into the temporary directory (where jieba keeps its own caches), named after the
    source file's size and time and `min_freq`, so an upgraded jieba gets a new one; written to a
    private name and renamed, so concurrent processes never read half a file.
    """
    source = Path(jieba.__file__).with_name("dict.txt")
    st = source.stat()
    key = hashlib.sha256(f"{source}|{st.st_size}|{st.st_mtime_ns}|{min_freq}".encode()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"steward-jieba-dict-{key}.txt"
    if not target.exists():
        kept: list[str] = []
        with source.open(encoding="utf-8") as f:
            for line in f:
                parts = line.split(" ", 2)
                if len(parts) >= 2 and parts[1].strip().isdigit() and int(parts[1]) >= min_freq:
                    kept.append(line if line.endswith("\n") else line + "\n")
        partial = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        partial.write_text("".join(kept), encoding="utf-8")
        os.replace(partial, target)
    return str(target)


def _read_userdict(path: Path, normalizer: Normalizer) -> list[tuple[str, int | None, str | None]]:
    """Parse a jieba user dictionary (``word [freq] [tag]`` per line, ``#`` comments)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RulesError(f"{path.name}: cannot read user dictionary: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RulesError(f"{path.name}: not valid UTF-8") from None
    out: list[tuple[str, int | None, str | None]] = []
    for lineno, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        word = normalizer.normalize_term(parts[0])
        freq: int | None = None
        tag: str | None = None
        if len(parts) >= 2:
            if not parts[1].isdigit():
                raise RulesError(
                    f"{path.name}: line {lineno}: frequency must be an integer, got {parts[1]!r}"
                )
            freq = int(parts[1])
        if len(parts) >= 3:
            tag = parts[2]
        if len(parts) > 3:
            raise RulesError(f"{path.name}: line {lineno}: expected 'word [freq] [tag]'")
        if word:
            out.append((word, freq, tag))
    return out
