"""The package's shape: imports point one way, the environment is read at the edge, no process tricks.

Read from the source with ``ast`` (every import, at the top or inside a function), so a
shortcut that would tangle the layers fails here before a reviewer has to spot it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "longscribe"
FRONT_ENDS = {"cli", "server", "__main__"}
"""Nothing below these imports them."""
ENVIRONMENT_READERS = {
    "cli/environment.py": "the LONGSCRIBE_* variables, read once by the command",
    "__init__.py": "sets ORT_DISABLE_TELEMETRY before onnxruntime is ever imported (documented)",
    "cluster/ray_engine.py": "connect() turns Ray's usage statistics off unless asked (documented)",
    "placement/hardware.py": "its system probe reads the variables that cap oneDNN's and MKL's kernels, as it reads"
    " /proc/cpuinfo: to say what this machine will run (devices.md)",
}


def modules() -> dict[str, Path]:
    return {str(p.relative_to(SRC)): p for p in SRC.rglob("*.py")}


def unit(relative: str) -> str:
    """The part of the package a module belongs to: its sub-package, or itself at the top level."""
    first = relative.split("/")[0]
    return first.removesuffix(".py")


def imported_units(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            parts = name.split(".")
            if (
                parts[0] == "longscribe"
                and len(parts) > 1
                and (SRC / parts[1]).exists() | (SRC / f"{parts[1]}.py").exists()
            ):
                found.add(parts[1])
    return found


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for relative, path in modules().items():
        here = unit(relative)
        edges[here] |= imported_units(path) - {here}
    return edges


def assert_acyclic(edges: dict[str, set[str]]) -> None:
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                raise AssertionError(f"import cycle: {' -> '.join(path[path.index(nxt) :] + [nxt])}")
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_the_parts_of_the_package_import_each_other_without_a_cycle() -> None:
    assert_acyclic(graph())


def test_front_ends_are_imported_by_nothing_below_them() -> None:
    for here, targets in graph().items():
        if here in FRONT_ENDS or here == "__init__":
            continue
        assert not targets & FRONT_ENDS, f"{here} imports a front end: {targets & FRONT_ENDS}"


def test_the_pipeline_sits_above_the_engines_and_engines_hold_only_engines() -> None:
    edges = graph()
    assert "pipeline" not in edges["engines"] and "cluster" not in edges["engines"]
    assert "pipeline" not in edges["cluster"] and "pipeline" not in edges["placement"]
    assert "engines" not in edges["placement"], "placement decides; engines run what it decided"
    engine_modules = {p.name for p in (SRC / "engines").glob("*.py")}
    assert engine_modules <= {
        "__init__.py",
        "base.py",
        "ct2.py",
        "fake.py",
        "factory.py",
        "features.py",
        "stages.py",
        "whisper.py",
    }


def test_only_the_edge_reads_the_environment() -> None:
    for relative, path in modules().items():
        text = path.read_text()
        if "os.environ" in text or "getenv(" in text:
            assert relative in ENVIRONMENT_READERS, f"{relative} reads the environment"


def test_no_module_restarts_the_process_or_replaces_an_allocator() -> None:
    for relative, path in modules().items():
        text = path.read_text()
        for trick in ("execv", "execl", "os.spawn", "LD_PRELOAD", "GLIBC_TUNABLES", "i_malloc"):
            assert trick not in text, f"{relative}: {trick}"
    assert not list(SRC.rglob("*.c")), "no compiled part"


def test_docstrings_quote_no_measurements() -> None:
    """Measured figures (MiB, x real time, WER) live in docs/benchmarks.md, where they are dated."""
    import re

    figure = re.compile(r"\d[\d.,]*\s*(MiB|MB|GiB|x real time|% WER)|\d+(\.\d+)?x real time|\d\.\d+x\b")
    for relative, path in modules().items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                match = figure.search(node.value.value)
                assert match is None, f"{relative}: docstring quotes {match.group(0)!r}" if match else ""


def module_of(name: str) -> str | None:
    """The package's module file (relative to SRC) that ``import name`` runs last, or None when it is not ours."""
    parts = name.split(".")
    if parts[0] != "longscribe":
        return None
    base = "/".join(parts[1:])
    if base and (SRC / f"{base}.py").exists():
        return f"{base}.py"
    if (SRC / base / "__init__.py").exists():
        return f"{base}/__init__.py".lstrip("/")
    return None


def runtime_imports(path: Path) -> set[str]:
    """The package's modules ``path`` imports when it runs: at the top or inside a function, not under
    ``if TYPE_CHECKING``. ``from package import name`` counts the submodule when ``name`` is one."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for child in node.body
        for inner in ast.walk(child)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [
                f"{node.module}.{a.name}" if module_of(f"{node.module}.{a.name}") else node.module for a in node.names
            ]
        found |= {m for m in map(module_of, names) if m is not None}
    return found


def test_no_module_imports_itself_back_at_the_top_or_inside_a_function() -> None:
    """Module by module, every import counted wherever it is written: a cycle hidden in a function
    (a command importing the parser that imports it) fails here too."""
    assert_acyclic({relative: runtime_imports(path) - {relative} for relative, path in modules().items()})


MAX_FUNCTION_LINES = 80


def test_no_function_is_longer_than_a_screen_or_two() -> None:
    for relative, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= MAX_FUNCTION_LINES, f"{relative}: {node.name} is {length} lines"


def test_every_module_says_what_it_is_for_in_at_most_ten_lines() -> None:
    for relative, path in modules().items():
        doc = ast.get_docstring(ast.parse(path.read_text()), clean=False)
        assert doc, f"{relative} has no docstring"
        assert len(doc.strip().splitlines()) <= 10, f"{relative}: the module docstring is over 10 lines"


def _one_edit_apart(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def test_no_two_modules_share_a_name_or_are_one_letter_apart() -> None:
    """Modules and packages by their last name: a name says where a thing lives (a command's module in
    ``cli/`` is named as the command is typed, whatever is one letter from it)."""
    names: dict[str, str] = {}
    for relative in modules():
        parts = relative.removesuffix(".py").split("/")
        if parts == ["__init__"]:
            continue
        name = parts[-2] if parts[-1] == "__init__" else parts[-1]
        where = "/".join(parts[:-1]) if parts[-1] == "__init__" else relative
        assert names.get(name, where) == where, f"{where} and {names[name]} share the name {name}"
        names[name] = where
    commands = {"transcribe", "export", "devices", "bench", "tune", "serve"}  # cli/: named as typed
    clashes = [(a, b) for a in names for b in names if a < b and _one_edit_apart(a, b) and not {a, b} & commands]
    assert not clashes, f"one letter apart: {clashes}"
