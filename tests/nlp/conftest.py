from __future__ import annotations

import pytest

from nlp import Classifier, default_classifier


@pytest.fixture(scope="session")
def clf() -> Classifier:
    """The packaged classifier, built once per test session (jieba's dictionary takes ~1 s)."""
    return default_classifier()
