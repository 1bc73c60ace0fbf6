"""The house has no import circles, and core never imports a domain app.

Every `import` statement of the project's modules (those inside functions too: a late import hides a circle, it does
not remove it) is read with `ast`, without importing anything, and the graph is searched for strongly connected
components. Domain apps depend on core and on each other's public interfaces (models, signals, the gate, trigger,
demo and approval registries), never in a circle; core depends on no domain app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import aims

SOURCE = Path(aims.__file__).resolve().parent
# The apps above core: every package of the project with an AppConfig, but core.
DOMAIN_APPS = tuple(f"aims.{path.parent.name}" for path in SOURCE.glob("*/apps.py") if path.parent.name != "core")


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every Python file under `root` (a package directory)."""
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _nearest_module(name: str, modules: dict[str, Path]) -> str | None:
    """`aims.core.models.User` -> `aims.core.models`: the longest prefix that is one of our modules."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, modules: dict[str, Path]) -> set[str]:
    """The project modules that `module` imports, wherever the statement is."""
    path = modules[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from pkg import name`: name is a submodule, or something defined in pkg itself.
            candidates = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for candidate in candidates:
            target = _nearest_module(candidate, modules)
            if target and target != module:
                found.add(target)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    modules = module_files(root)
    return {module: imports_of(module, modules) for module in modules}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative), each sorted."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
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
    return found


def _describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "; ".join(edges)


def test_no_module_of_the_project_is_part_of_an_import_circle():
    graph = import_graph(SOURCE)
    found = circles(graph)
    assert not found, "Import circles:\n" + "\n".join(_describe(component, graph) for component in found)


def _is_within(module: str, packages) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def test_core_imports_no_domain_app():
    """Core's code (its tests may exercise the apps built on it) knows the domain apps only through registries."""
    assert {"aims.inventory", "aims.risks"} <= set(DOMAIN_APPS)
    graph = import_graph(SOURCE)
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items() if _is_within(module, ["aims.core"]) and ".tests" not in module
        for target in targets if _is_within(target, DOMAIN_APPS)
    )
    assert not upward, "core imports a domain app:\n" + "\n".join(upward)


# The finder itself: it must see a circle made of late imports, relative imports and `from package import module`.

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "shop"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_the_finder_sees_a_circle_hidden_in_a_function(tmp_path):
    root = _package(tmp_path, {
        "orders.py": "from .billing import invoice\n",
        "billing.py": "def invoice():\n    from shop import orders  # late\n    return orders\n",
        "catalogue.py": "from . import orders\n",
    })
    assert circles(import_graph(root)) == [["shop.billing", "shop.orders"]]


def test_the_finder_follows_subpackages_and_ignores_a_one_way_graph(tmp_path):
    root = _package(tmp_path, {
        "sales/__init__.py": "from .quotes import Quote\n",
        "sales/quotes.py": "from ..stock.items import Item\n",
        "stock/__init__.py": "",
        "stock/items.py": "import json\nfrom shop.pricing import price\n",
        "pricing.py": "VAT = 20\n",
    })
    graph = import_graph(root)
    assert graph["shop.sales.quotes"] == {"shop.stock.items"}
    assert graph["shop.stock.items"] == {"shop.pricing"}
    assert circles(graph) == []
    (root / "pricing.py").write_text("from .sales import quotes\n")
    assert circles(import_graph(root)) == [["shop.pricing", "shop.sales.quotes", "shop.stock.items"]]
