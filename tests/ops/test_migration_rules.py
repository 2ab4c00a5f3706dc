"""Migrations expand, so an upgrade needs no downtime (docs/OPERATIONS.md, "Upgrades").

During a rolling upgrade the previous release keeps running on the migrated schema until its
processes are replaced, so a migration's `upgrade()` may only add what the old code ignores:
tables, nullable columns or columns with a server default, indexes. What removes or changes
something the old code uses (drop, rename, alter, NOT NULL without a default, a new unique
rule on an existing table, a data rewrite) is a *contract* step: it ships a release after the
code stopped using the thing, and says so in a module-level `CONTRACT = "..."` string. This
test reads every migration's `upgrade()` and holds it to that.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VERSIONS = Path(__file__).resolve().parents[2] / "storage" / "migrations" / "versions"

EXPAND = {"create_table", "add_column", "create_index", "batch_alter_table", "f"}
# Reviewed before this rule was written: what each one does to a running previous release.
REVIEWED = {
    ("0008", "drop_index"): "ix_outbox_chat_queue dropped and created again with more columns in one "
    "transaction: the old code only loses the index's speed for that moment",
    ("0011", "execute"): "deletes duplicate SLA audit events the old watch could write; nothing reads "
    "the deleted copies",
    ("0011", "unique create_index"): "a unique partial index on ticket_events' SLA actions: a process of "
    "the 0010 release that writes a duplicate SLA event fails that SLA tick (retried the next minute) "
    "until it is replaced: the notice it would have repeated is not sent twice",
    ("0013", "execute"): "retires duplicate safety-tip schedules (kind tips-dup, status deleted; the "
    "broadcasts they sent still refer to them): a 0012-release process then finds the one schedule "
    "per community it should have had, and stops sending each tip twice",
    ("0013", "unique create_index"): "one live tips schedule per community and one template name per "
    "community: a 0012-release process starting during the upgrade that inserts a second tips "
    "schedule fails that insert (logged, the schedule exists) until it is replaced; no tip is sent twice",
}


def migrations() -> list[Path]:
    return sorted(p for p in VERSIONS.glob("[0-9]*.py"))


def upgrade_calls(tree: ast.Module) -> list[ast.Call]:
    upgrade = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade")
    return [n for n in ast.walk(upgrade) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def batch_tables(tree: ast.Module) -> dict[int, str]:
    """id(call) → table, for the `batch_op` calls inside `with op.batch_alter_table("t")`."""
    tables: dict[int, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.With):
            continue
        for item in node.items:
            ctx = item.context_expr
            if isinstance(ctx, ast.Call) and ctx.args and isinstance(ctx.args[0], ast.Constant):
                for inner in node.body:
                    for call in ast.walk(inner):
                        tables[id(call)] = str(ctx.args[0].value)
    return tables


def violations(path: Path) -> list[str]:
    """What in this migration's `upgrade()` is not an expand step, and not reviewed."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_batch = batch_tables(tree)
    revision = path.name.split("_")[0]
    created = {
        c.args[0].value
        for c in upgrade_calls(tree)
        if c.func.attr == "create_table" and c.args and isinstance(c.args[0], ast.Constant)  # type: ignore[attr-defined]
    }
    found: list[str] = []
    for call in upgrade_calls(tree):
        op = call.func.attr  # type: ignore[attr-defined]
        if not isinstance(call.func.value, ast.Name) or call.func.value.id not in ("op", "batch_op"):  # type: ignore[attr-defined]
            continue
        what = op
        if op == "add_column":
            column = next((a for a in call.args if isinstance(a, ast.Call)), None)
            assert column is not None, f"{path.name}: add_column of {ast.dump(call)[:80]}"
            nullable = keyword(column, "nullable")
            not_null = isinstance(nullable, ast.Constant) and nullable.value is False
            if not_null and keyword(column, "server_default") is None:
                what = "add_column NOT NULL without a server default"
            else:
                continue
        elif op == "create_index":
            unique = keyword(call, "unique")
            if id(call) in in_batch:
                table_name: object = in_batch[id(call)]
            else:
                table = call.args[1] if len(call.args) > 1 else keyword(call, "table_name")
                table_name = table.value if isinstance(table, ast.Constant) else None
            new_table = table_name in created
            if isinstance(unique, ast.Constant) and unique.value is True and not new_table:
                what = "unique create_index"
            else:
                continue
        elif op in EXPAND:
            continue
        if (revision, what) not in REVIEWED:
            found.append(f"{path.name}: {what}")
    return found


def declares_contract(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "CONTRACT" for t in node.targets)
        and isinstance(node.value, ast.Constant)
        and len(str(node.value.value)) > 20
        for node in tree.body
    )


@pytest.mark.parametrize("path", migrations(), ids=lambda p: p.name)
def test_a_migration_expands_or_says_why_it_contracts(path: Path) -> None:
    found = violations(path)
    assert not found or declares_contract(path), (
        f"{found}: the previous release still runs on this schema during an upgrade. Split it: "
        "expand now, contract in a later release, and give the contract migration a CONTRACT "
        "string saying which release stopped using what it removes (docs/OPERATIONS.md)"
    )


def test_the_rule_catches_what_breaks_a_running_release(tmp_path: Path) -> None:
    """The checker itself: each breaking step is caught, expand steps pass, CONTRACT declares."""
    body = {
        "drop_column": 'op.drop_column("tickets", "note")',
        "alter_column": 'op.alter_column("tickets", "note", nullable=False)',
        "rename_table": 'op.rename_table("tickets", "cases")',
        "drop_table": 'op.drop_table("tickets")',
        "add_column NOT NULL without a server default": (
            'op.add_column("tickets", sa.Column("x", sa.Integer(), nullable=False))'
        ),
        "unique create_index": 'op.create_index("u", "tickets", ["note"], unique=True)',
    }
    for what, statement in body.items():
        path = tmp_path / "0099_breaking.py"
        path.write_text(f"def upgrade() -> None:\n    {statement}\n", encoding="utf-8")
        assert violations(path) == [f"0099_breaking.py: {what}"], what
        assert not declares_contract(path)
        path.write_text(
            f'CONTRACT = "drops what release 0.9 stopped reading"\n\ndef upgrade() -> None:\n    {statement}\n',
            encoding="utf-8",
        )
        assert declares_contract(path)
    fine = tmp_path / "0098_fine.py"
    fine.write_text(
        "def upgrade() -> None:\n"
        '    op.create_table("cases", sa.Column("id", sa.Integer()))\n'
        '    op.create_index("u", "cases", ["id"], unique=True)\n'
        '    op.add_column("tickets", sa.Column("x", sa.Integer(), nullable=True))\n'
        '    op.add_column("tickets", sa.Column("y", sa.Integer(), server_default="0", nullable=False))\n',
        encoding="utf-8",
    )
    assert violations(fine) == []
