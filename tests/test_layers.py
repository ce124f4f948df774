"""Dependencies point one way: a module imports only from its own layer or the layers below it.

The layers, lowest first (the README's architecture, checked statically, lazy imports included):

    foundation  events, untrusted, signals, host, telemetry, progress, registry (typed events and their plumbing)
    data        schemas, loaders, prompts, answers, the bundled suite
    config      the spec loader (specs.py) and experiment files
    models, judges
    plan        task selection, episode ids
    store       journals, DuckDB, the aggregates kept at ingest, run control (runs.py)
    runner      generate, judge, journal, ingest
    analysis    the statistics of a store
    output      paper, export
    train       corpus, SFT, sweeps (its command group, train/cli.py, belongs to cli)
    cli         the `engine` commands, the demo and the study chain (engine.study)
    cockpit     the Textual app (never imported by the engine)

The runner writes through the store (its journal and the ingest at the end), so store sits below
runner. A new module must be placed in a layer here, so the order stays a decision, not an accident.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "engine",
            "engine.events",
            "engine.untrusted",
            "engine.signals",
            "engine.host",
            "engine.telemetry",
            "engine.progress",
            "engine.registry",
            "engine.paths",
        ),
    ),
    ("data", ("engine.data",)),
    ("config", ("engine.specs", "engine.config")),
    ("models/judges", ("engine.models", "engine.judges")),
    ("plan", ("engine.plan",)),
    ("store", ("engine.store", "engine.runs")),
    ("runner", ("engine.runner",)),
    ("analysis", ("engine.analysis",)),
    ("output", ("engine.paper", "engine.export")),
    ("train", ("engine.train",)),
    ("cli", ("engine.cli", "engine.cli_common", "engine.train.cli", "engine.demo", "engine.study", "engine.study_cli")),
    ("cockpit", ("cockpit",)),
]


def _rank(module: str) -> tuple[int, str] | None:
    """The layer of a module: the longest prefix listed (engine.train.cli is cli, not train)."""
    best: tuple[int, int, str] | None = None
    for rank, (name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), rank, name)
    return None if best is None else (best[1], best[2])


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in ("engine", "cockpit"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            parts = p.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = p
    return out


def _imports(path: Path, module: str) -> set[str]:
    """Every module an import statement names (function-level ones too), resolved to absolute names."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # `from engine import runs` names engine.runs
    return {m for m in found if m.split(".")[0] in ("engine", "cockpit")}


def test_every_module_has_a_layer() -> None:
    unplaced = [m for m in _modules() if _rank(m) is None]
    assert not unplaced, f"place these modules in a layer (tests/test_layers.py): {unplaced}"


def test_no_module_imports_a_higher_layer() -> None:
    modules = _modules()
    assert len(modules) > 100
    wrong = []
    for module, path in modules.items():
        here = _rank(module)
        assert here is not None
        for target in _imports(path, module):
            there = _rank(target)
            if there is not None and there[0] > here[0] and target not in ("engine", "cockpit"):
                wrong.append(f"{module} ({here[1]}) imports {target} ({there[1]})")
    assert not wrong, "imports against the layer order:\n" + "\n".join(sorted(wrong))


def test_the_check_sees_a_wrong_way_import(tmp_path: Path) -> None:
    """The scan catches lazy and relative imports (a test that cannot fail is a defect)."""
    f = tmp_path / "db.py"
    f.write_text("def f():\n    from engine.analysis import report\n    from ..runner import Runner\n")
    names = _imports(f, "engine.store.db")
    assert "engine.analysis.report" in names
    assert "engine.runner.Runner" in names
    assert _rank("engine.analysis.report")[0] > _rank("engine.store.db")[0]  # type: ignore[index]
    assert _rank("engine.train.cli")[1] == "cli"
    assert _rank("engine.train.run")[1] == "train"


def _module_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: {t for t in _imports(p, m) if t in modules and t != m} for m, p in modules.items()}


def test_no_two_modules_import_each_other() -> None:
    """Within a layer too: a pair that imports each other is one module in two files (or a hidden seam)."""
    graph = _module_graph()
    pairs = sorted(
        f"{a} <-> {b}"
        for a, targets in graph.items()
        for b in targets
        if a < b and a in graph.get(b, set()) and not b.startswith(a + ".")  # a package and its own modules
    )
    assert not pairs, pairs


def test_no_private_name_is_imported_across_modules() -> None:
    """A name with a leading underscore stays in its module (tests may still reach in)."""
    wrong = []
    for pkg in ("engine", "cockpit", "bench"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("engine", "cockpit"):
                    wrong += [f"{p.relative_to(ROOT)}: {node.module}.{a.name}" for a in node.names if a.name[0] == "_"]
    assert not wrong, wrong
