"""Which compiled classifier modules (setup.py, mypyc) are older than their sources.

A C extension shadows the .py file next to it: after editing nlp/classifier.py, a test run
without `make build` would test the old code. The test session refuses to start then
(tests/conftest.py), whatever subset of the tests was asked for.
"""

from __future__ import annotations

import ast
from pathlib import Path


def compiled_sources(setup: Path) -> list[str]:
    """The paths setup.py compiles (its COMPILED list), relative to the project root."""
    for node in ast.parse(setup.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMPILED" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise ValueError(f"{setup} has no COMPILED list")


def stale_modules(root: Path) -> list[str]:
    """Sources edited after they were last compiled (none when nothing is compiled).

    A module's extension is a thin shim that setuptools leaves alone when only the code changed;
    the code itself lives in the group's runtime library at the project root, so a module is
    current when the newer of the two is at least as new as its source."""
    runtimes = [*root.glob("*__mypyc*.so"), *root.glob("*__mypyc*.pyd")]
    stale = []
    for relative in compiled_sources(root / "setup.py"):
        source = root / relative
        shims = [*source.parent.glob(source.stem + ".*.so"), *source.parent.glob(source.stem + ".*.pyd")]
        if not shims:
            continue  # pure Python (STEWARD_PURE_PYTHON=1, or no compiler): nothing can be stale
        built = max(p.stat().st_mtime for p in [*shims, *runtimes])
        if built < source.stat().st_mtime:
            stale.append(relative)
    return stale
