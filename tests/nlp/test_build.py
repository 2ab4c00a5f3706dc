"""The stale-module check the test session runs at start (tests/compiled.py), on a fake tree."""

from __future__ import annotations

import os
from pathlib import Path

from tests.compiled import compiled_sources, stale_modules

ROOT = Path(__file__).resolve().parents[2]


def test_setup_compiles_the_classifier_modules() -> None:
    assert "nlp/classifier.py" in compiled_sources(ROOT / "setup.py")


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "nlp").mkdir()
    (tmp_path / "setup.py").write_text('COMPILED = ["nlp/rules.py", "nlp/units.py"]\n')
    for name in ("rules", "units"):
        (tmp_path / "nlp" / f"{name}.py").write_text("x = 1\n")
    return tmp_path


def _touch(path: Path, when: float) -> None:
    path.touch()
    os.utime(path, (when, when))


def test_pure_python_is_never_stale(tmp_path: Path) -> None:
    assert stale_modules(_tree(tmp_path)) == []


def test_an_edit_after_the_build_is_stale_until_rebuilt(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    for name in ("rules", "units"):
        _touch(root / "nlp" / f"{name}.py", 1000)
        _touch(root / "nlp" / f"{name}.cpython-311-x86_64-linux-gnu.so", 2000)
    _touch(root / "abc__mypyc.cpython-311-x86_64-linux-gnu.so", 2000)
    assert stale_modules(root) == []
    _touch(root / "nlp" / "rules.py", 3000)  # edited after the build
    assert stale_modules(root) == ["nlp/rules.py"]
    _touch(root / "abc__mypyc.cpython-311-x86_64-linux-gnu.so", 4000)  # `make build` again
    assert stale_modules(root) == []
