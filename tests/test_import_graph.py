"""The folder tree is the architecture: no import cycles between our modules, and each layer
imports only what it may (docs/architecture.md, "Packages and their seams"). Read from the
source with `ast`, so a lazy import inside a function counts as well."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("trading", "dashboard", "mmsite")
# layer -> the layers of ours it may import (itself always)
ALLOWED = {
    "trading.core": set(),
    # The reward schedules' files, read and handed to the core's validation.
    "trading.schedules": {"trading.core"},
    "trading.standx": {"trading.core"},
    # A reference venue's public stream (issue 23), on the StandX client's stream helpers.
    "trading.reference": {"trading.core", "trading.standx"},
    # Public market data followed live, recorded and replayed (issue 24).
    "trading.marketdata": {"trading.core", "trading.standx"},
    "trading.sim": {
        "trading.core",
        "trading.standx",
        "trading.schedules",
        "trading.reference",
        "trading.marketdata",
    },
    "trading.engine": {
        "trading.core",
        "trading.schedules",
        "trading.standx",
        "trading.store",
        "trading.bus",
        "trading.models",
    },
    # Reads snapshots through the bus, never the engine's insides (its supervisor only).
    "trading.alerts": {"trading.core", "trading.bus", "trading.engine.supervisor", "mmsite.env"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def our_modules() -> dict[str, Path]:
    return {
        module_name(p): p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "migrations" not in p.parts
    }


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules `path` imports, anywhere in the file (`from a import b` counts a.b when
    b is a module of ours, else a)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in modules else node.module)
    return {name for name in found if name in modules}


def graph() -> dict[str, set[str]]:
    modules = our_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def layer_of(name: str) -> str | None:
    return next((layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")), None)


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_each_layer_imports_only_what_it_may():
    wrong = []
    for name, targets in graph().items():
        layer = layer_of(name)
        if layer is None:
            continue
        for target in targets:
            target_layer = layer_of(target) or target
            if target_layer != layer and not any(
                target == ok or target.startswith(ok + ".") for ok in ALLOWED[layer]
            ):
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_the_checker_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
