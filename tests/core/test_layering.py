"""The layering of docs/ARCHITECTURE.md, enforced by the import contracts in pyproject.toml
(`[tool.importlinter]`, run by `make lint` as `lint-imports`).

The contracts are only worth something if they fail on a bad import, so the tests below copy
the source tree, add one forbidden import to the copy and check that `lint-imports` breaks the
contract that forbids it (and keeps it on the untouched copy).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.app.settings import ROOT

PACKAGES = ("bot", "handlers", "nlp", "storage")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def contracts() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def copy_tree(target: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            target / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.jsonl", "*.yaml", "*.txt", "*.toml"),
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120
    )


def add_import(tree: Path, module: str, statement: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = tree / module.replace(".", "/") / "__init__.py"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{statement}  # noqa\n", encoding="utf-8")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_tree(tmp_path_factory.mktemp("tree"))


@pytest.mark.slow
def test_the_tree_keeps_every_contract(pristine: Path) -> None:
    result = lint_imports(pristine)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts())} kept, 0 broken." in result.stdout


BAD_IMPORTS = [
    # (the contract that must break, the module that gets the import, the import)
    ("layers", "bot.core.router", "import handlers.tickets"),  # the kernel names a feature
    ("layers", "storage.db", "import bot.core.events"),  # storage reaches up
    ("layers", "nlp.units", "import storage.db"),  # siblings under the kernel
    ("layers", "handlers.general.chat", "import bot.adapters.telegram"),  # a feature names a platform
    ("layers", "bot.adapters.wecom.render", "import handlers.tickets"),  # an adapter names a feature
    ("layers", "bot.app.root", "import bot.cli.main"),  # the root reaches up to the command line
    ("adapters", "bot.adapters.local.channel", "import bot.adapters.wecom.render"),
    ("platform-libraries", "bot.core.sender", "import telegram"),
    ("http-libraries", "handlers.general.chat", "import httpx"),
    ("features", "handlers.reports", "import handlers.broadcasts.chat"),  # not a declared service
    ("layers", "handlers.tickets.service", "import bot.console.web"),  # a feature reaches the console
    ("console", "bot.console.board", "import bot.adapters.telegram"),  # the console names a platform
    ("console", "bot.console.web", "import handlers.tickets.chat"),  # past a feature's face
]


@pytest.mark.slow
@pytest.mark.parametrize(("contract", "module", "statement"), BAD_IMPORTS)
def test_a_bad_import_breaks_its_contract(
    tmp_path: Path, pristine: Path, contract: str, module: str, statement: str
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(pristine, tree)
    add_import(tree, module, statement)
    result = lint_imports(tree)
    assert result.returncode != 0, f"{statement} in {module} kept every contract"
    name = str(contracts()[contract]["name"])
    _, _, broken = result.stdout.partition("Broken contracts")
    assert name[:30] in broken, result.stdout


def test_no_import_hides_inside_a_function() -> None:
    """An import placed inside a function dodges the import graph (the contracts see it, but a
    reader does not): every import of our own packages is at module level."""
    offenders = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            top = {id(node) for node in tree.body}
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom | ast.Import) and id(node) not in top:
                    names = (
                        [node.module or ""]
                        if isinstance(node, ast.ImportFrom)
                        else [a.name for a in node.names]
                    )
                    if any(n.split(".")[0] in PACKAGES for n in names) and not _under_type_checking(
                        tree, node
                    ):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, offenders


def _under_type_checking(tree: ast.Module, target: ast.AST) -> bool:
    return any(
        isinstance(node, ast.If)
        and "TYPE_CHECKING" in ast.unparse(node.test)
        and any(child is target for child in ast.walk(node))
        for node in tree.body
    )
