"""The layering rules of docs/ARCHITECTURE.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.app.settings import ROOT

PLATFORM_LIBRARIES = {"telegram", "aiohttp", "httpx", "wechatpy"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", ["nlp", "storage"])
def test_inner_layers_import_nothing_from_outer_ones(package: str) -> None:
    for path in sources(package):
        bad = {m for m in imports_of(path) if m.split(".")[0] in {"bot", "handlers"}}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_handlers_use_no_platform_library_nor_adapter() -> None:
    for path in sources("handlers"):
        for module in imports_of(path):
            top = module.split(".")[0]
            assert top not in PLATFORM_LIBRARIES, f"{path.relative_to(ROOT)} imports {module}"
            assert not module.startswith(("bot.adapters",)), (
                f"{path.relative_to(ROOT)} imports the adapter {module}"
            )


def test_only_the_telegram_adapter_imports_telegram() -> None:
    for package in ("bot", "handlers", "nlp", "storage"):
        for path in sources(package):
            if "telegram" in path.relative_to(ROOT).parts[:3]:
                continue
            assert "telegram" not in {m.split(".")[0] for m in imports_of(path)}, path
