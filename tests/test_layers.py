"""What the import contracts cannot say: a name with a leading underscore stays in its module.

The layers themselves (data -> config -> models/judges -> plan -> store -> runner -> analysis -> cli,
train and cockpit on top), the rule that every engine module is placed in a layer, the headless
engine, the cockpit without the ML stack and the absence of import cycles are import-linter
contracts in pyproject.toml (`[tool.importlinter]`), which scripts/test.sh and `make check` run as
`lint-imports`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("engine", "cockpit"):
            found += [f"{node.module}.{a.name}" for a in node.names if a.name[0] == "_"]
    return found


def test_no_private_name_is_imported_across_modules() -> None:
    """A name with a leading underscore stays in its module (tests may still reach in)."""
    wrong = []
    for pkg in ("engine", "cockpit", "bench"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            wrong += [f"{p.relative_to(ROOT)}: {name}" for name in _private_imports(p)]
    assert not wrong, wrong


def test_the_scan_sees_a_private_import_inside_a_function(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from engine.cli_common import _fail, guard\n")
    assert _private_imports(f) == ["engine.cli_common._fail"]


MAX_LINES = 400


def test_no_module_is_over_400_lines() -> None:
    """A module that grows past 400 lines is split by concern (issue 22's done-when)."""
    long = []
    for pkg in ("engine", "cockpit", "bench", "scripts"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            n = len(p.read_text(encoding="utf-8").splitlines())
            if n > MAX_LINES:
                long.append(f"{p.relative_to(ROOT)}: {n} lines")
    assert long == [], long
