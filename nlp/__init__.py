"""Steward's understanding of owner messages: normalization, jieba segmentation, rules.

    >>> from nlp import classify
    >>> classify("报修三天了还没人来修").intent
    <Intent.COMPLAINT: 'complaint'>

`classify` uses a default `Classifier` built lazily on first use (about a second: jieba's
dictionary). Long-running code should build one explicitly with `Classifier.load()` at start-up.
"""

from __future__ import annotations

import threading

from nlp.classification import Classification, Intent, Risk, UnitAddress
from nlp.classifier import Classifier
from nlp.rules import RulesError

__all__ = [
    "Classification",
    "Classifier",
    "Intent",
    "Risk",
    "RulesError",
    "UnitAddress",
    "classify",
    "default_classifier",
]

_default: Classifier | None = None
_lock = threading.Lock()


def default_classifier() -> Classifier:
    """The shared classifier built from the packaged rules, created on first use."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = Classifier.load()
    return _default


def classify(text: str) -> Classification:
    """Classify one message with the default classifier."""
    return default_classifier().classify(text)
