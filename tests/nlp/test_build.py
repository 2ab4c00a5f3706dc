"""The compiled classifier modules (setup.py, mypyc) are never older than their sources.

A C extension shadows the .py file next to it: after editing nlp/classifier.py, a test run
without `make build` would test the old code. `make test` rebuilds first; this test catches a
run that did not.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

SETUP = Path(__file__).resolve().parents[2] / "setup.py"


def _compiled_modules() -> list[str]:
    """The modules setup.py compiles (its COMPILED list of paths), as module names."""
    for node in ast.parse(SETUP.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMPILED" for t in node.targets):
            paths = ast.literal_eval(node.value)
            return [p.removesuffix(".py").replace("/", ".") for p in paths]
    raise AssertionError("setup.py has no COMPILED list")


MODULES = _compiled_modules()


@pytest.mark.parametrize("name", MODULES)
def test_compiled_module_is_current(name: str) -> None:
    spec = importlib.util.find_spec(name)
    assert spec is not None
    assert spec.origin is not None
    origin = Path(spec.origin)
    if origin.suffix == ".py":
        return  # pure Python (STEWARD_PURE_PYTHON=1, or no compiler): nothing can be stale
    source = origin.parent / (name.rsplit(".", 1)[1] + ".py")
    # The module's extension is a thin shim that setuptools leaves alone when only the code
    # changed; the code lives in the group's runtime library next to the package.
    runtimes = list(SETUP.parent.glob("*__mypyc*.so")) + list(SETUP.parent.glob("*__mypyc*.pyd"))
    assert runtimes, f"{origin.name} is compiled but no mypyc runtime library is in {SETUP.parent}"
    built = max(p.stat().st_mtime for p in [origin, *runtimes])
    assert built >= source.stat().st_mtime, (
        f"{source} changed after it was compiled into {origin.name}: run `make build`"
    )
