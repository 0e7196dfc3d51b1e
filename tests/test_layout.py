"""The project's shape, held by the suite: arrows point down, the read path knows no engine internals,
and no web module grows past what one person reads at once (issue 9's checks, run on every change)."""

from __future__ import annotations

import ast
from pathlib import Path

from arshif.settings import PROJECT_ROOT

MAX_WEB_MODULE_LINES = 400


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(folder: str) -> list[Path]:
    files = sorted((PROJECT_ROOT / folder).rglob("*.py"))
    assert files, f"no Python files under {folder}/"
    return files


def test_shared_core_imports_nothing_above_it():
    upward = {f"{p.relative_to(PROJECT_ROOT)}: {m}" for p in python_files("arshif") for m in imported_modules(p)
              if m.split(".")[0] in ("indexer", "web", "cli")}
    assert not upward, f"arshif/ must not import the write path, the read path or the CLI: {sorted(upward)}"


def test_read_path_knows_no_engine_internals():
    internal = {f"{p.relative_to(PROJECT_ROOT)}: {m}" for p in python_files("web") for m in imported_modules(p)
                if m.split(".")[0] == "apsw" or m in ("arshif.engines.embedded", "arshif.engines.remote")}
    assert not internal, f"web/ talks to engines through the contract only: {sorted(internal)}"


def test_no_web_module_over_the_limit():
    long = {str(p.relative_to(PROJECT_ROOT)): n for p in python_files("web")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_WEB_MODULE_LINES}
    assert not long, f"split these by job (limit {MAX_WEB_MODULE_LINES} lines): {long}"
