"""The folder tree is the architecture: no import cycles between our modules, and each layer
imports only what it may (docs/architecture.md, "Packages and their seams"). Read from the
source with `ast`, so a lazy import inside a function counts as well."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("trading", "dashboard", "mmsite")
# layer -> the layers of ours it may import (itself always). A layer is a package or a
# module; a module belongs to the longest layer its name starts with. Every module of ours
# has one (test_every_module_has_a_layer).
ALLOWED = {
    "trading": set(),  # the package itself and its app config
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
    "trading.supervisor": {"trading.core"},
    "trading.models": {"trading.core"},
    "trading.store": {"trading.core", "trading.models"},
    "trading.bus": {"trading.core"},
    "trading.engine": {
        "trading.core",
        "trading.schedules",
        "trading.standx",
        "trading.store",
        "trading.bus",
        "trading.models",
        "trading.supervisor",
    },
    # Reads snapshots through the bus, never the engine's insides.
    "trading.alerts": {"trading.core", "trading.bus", "trading.supervisor", "mmsite.env"},
    # Many bots in one process: engines, the simulator, alerts, and the embedded web server
    # (mmsite.web serves the site; the fleet never imports the dashboard itself).
    "trading.fleet": {
        "trading.core",
        "trading.standx",
        "trading.sim",
        "trading.marketdata",
        "trading.engine",
        "trading.alerts",
        "trading.store",
        "trading.bus",
        "trading.models",
        "trading.supervisor",
        "mmsite.env",
        "mmsite.logs",
        "mmsite.web",
    },
    "trading.management": {
        "trading.core",
        "trading.standx",
        "trading.sim",
        "trading.marketdata",
        "trading.fleet",
        "trading.models",
        "trading.store",
        "mmsite.env",
        "mmsite.envfile",
    },
    # The web tier (views, API, admin): the models, the store, the bus and the alerts' pure
    # conditions; never an engine module (it reads what engines publish through the bus).
    "dashboard": {
        "trading.core",
        "trading.models",
        "trading.store",
        "trading.bus",
        "trading.alerts.conditions",
    },
    # The site: settings, ASGI, URLs and the web server runbot embeds. Its helpers below are
    # what every layer may read the environment and log through.
    "mmsite": {
        "trading.core",
        "trading.fleet.accounts",
        "trading.alerts.urls",
        # validated at settings load: REWARD_SCHEDULE, REFERENCE_FEED's venue names
        "trading.schedules",
        "trading.reference.venues",
        "dashboard",
        "mmsite.env",
        "mmsite.logs",
        "mmsite.envfile",
    },
    "mmsite.env": set(),
    "mmsite.logs": set(),
    "mmsite.envfile": set(),
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
    layers = [layer for layer in ALLOWED if name == layer or name.startswith(layer + ".")]
    return max(layers, key=len, default=None)


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


def test_every_module_has_a_layer():
    assert [name for name in graph() if layer_of(name) is None] == []


def test_no_trading_module_imports_the_dashboard_and_the_dashboard_no_engine_module():
    edges = graph()
    assert [
        f"{a} -> {t}"
        for a, targets in edges.items()
        for t in targets
        if (a.startswith("trading") and t.startswith("dashboard"))
        or (a.startswith("dashboard") and t.startswith("trading.engine"))
    ] == []


def test_the_checker_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
