"""The package's shape, as docs/architecture.md promises it: no import cycle, small modules and functions."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "aegis"


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The module that an imported dotted name lives in (a name imported from a package is the package)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    """Each aegis module's aegis imports, those inside functions too (a parent package's own import aside)."""
    modules, graph = _modules(), {}
    for name, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                deps |= {_owner(a.name, modules) for a in node.names if a.name.startswith("aegis")}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aegis") and not node.level:
                deps |= {_owner(f"{node.module}.{a.name}", modules) for a in node.names}
        graph[name] = deps - {name, None}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, stack, found = {}, {}, [], []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = [stack.pop()]
            while group[-1] != v:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycle_between_aegis_modules():
    assert cycles(import_graph()) == []


MAX_MODULE_LINES, MAX_FUNCTION_LINES = 350, 60


def test_no_module_over_350_lines_and_no_function_over_60():
    long_modules, long_functions = [], []
    for name, path in _modules().items():
        text = path.read_text()
        if text.count("\n") > MAX_MODULE_LINES:
            long_modules.append(name)
        for node in ast.walk(ast.parse(text)):
            is_function = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            if is_function and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                long_functions.append(f"{name}.{node.name}")
    assert (long_modules, long_functions) == ([], [])
