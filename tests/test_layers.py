"""Imports point one way: console → workflows → agent, and the engine stands alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("agent", "workflows", "console")


def _imports(package: str) -> dict[str, set[str]]:
    """Each module file of a package, mapped to the top-level project modules it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = {n for n in names if n.split(".")[0] in PROJECT}
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("workflows", ("console",)), ("agent", ("workflows", "console"))],
)
def test_lower_layers_never_import_higher_ones(package: str, forbidden: tuple[str, ...]) -> None:
    offenders = {
        path: sorted(n for n in names if n.split(".")[0] in forbidden)
        for path, names in _imports(package).items()
    }

    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_engine_imports_nothing_else_of_the_project() -> None:
    engine = {
        path: sorted(n for n in names if not n.startswith("workflows.engine"))
        for path, names in _imports("workflows").items()
        if path.startswith("workflows/engine/")
    }

    assert engine
    assert {path: names for path, names in engine.items() if names} == {}
