"""The house's rules, read from the source: the runtime never imports the tooling,
``sample_project`` never imports ``workbench``, and no module imports itself
through others (every import counts: inside functions and under TYPE_CHECKING too)."""

import ast
from pathlib import Path

from workbench.paths import PROJECT_ROOT

PACKAGES = ("workbench", "sample_project")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts and "tests" not in path.parts and path.name != "conftest.py":
                found[module_name(path)] = path
    return found


def imported_by(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports anywhere in its source (``from . import x`` resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from a import b` imports module a.b if there is one, else the name b of module a.
            candidates = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for candidate in candidates:
            # The deepest project module the import names: "a.b.c" may be a name in module "a.b".
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                targets.add(candidate)
    return targets


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imported_by(name, path, set(found)) for name, path in found.items()}


def test_the_runtime_never_imports_the_tooling():
    edges = graph()
    runtime = [name for name in edges if not name.startswith("workbench.tooling") and name != "workbench.__main__"]
    offenders = {name: sorted(t for t in edges[name] if t.startswith("workbench.tooling")) for name in runtime}
    assert {name: targets for name, targets in offenders.items() if targets} == {}


def test_the_sample_project_stands_alone():
    edges = graph()
    project = {name: targets for name, targets in edges.items() if name.startswith("sample_project")}
    offenders = {name: sorted(t for t in targets if t.startswith("workbench")) for name, targets in project.items()}
    assert {name: targets for name, targets in offenders.items() if targets} == {}


def test_no_import_cycles():
    edges = graph()
    cycles = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges.get(name, ())):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_graph_sees_imports_inside_functions_and_under_type_checking():
    edges = graph()
    assert "workbench.trace.timeline" in edges["workbench.trace.recorder"]  # inside Trace.plot
    assert "workbench.session_communicator" in edges["workbench.communicators"]  # TYPE_CHECKING and a function
