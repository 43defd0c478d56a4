"""The library's shape: free of the web, grouped in wings, imports one way, the README true."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "site_gis"
FOUNDATION = {
    "__init__",
    "schemas",
    "validation",
    "crs",
    "errors",
    "site",
    "access",
    "arrays",
    "progress",
}
WINGS = (
    "contamination",
    "surfaces",
    "resettlement",
    "io",
    "processes",
    "groundwater",
    "report",
)
SUBPACKAGES = {*WINGS, "store", "synthetic", "reference"}
WEB = ("fastapi", "starlette", "folium", "uvicorn", "typer", "rich")


def _module_name(source: Path) -> str:
    parts = source.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(package: Path) -> list[str]:
    return [_module_name(source) for source in sorted(package.rglob("*.py"))]


@pytest.mark.parametrize("target", ["site_gis", *(f"site_gis.{w}" for w in WINGS), "*"])
def test_importing_the_library_imports_no_web_framework(target: str) -> None:
    modules = _modules(LIBRARY) if target == "*" else [target]
    code = (
        f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
        f"bad = [m for m in {WEB!r} if m in sys.modules]\nassert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_library_reads_no_environment_variables() -> None:
    for source in LIBRARY.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "os.environ" not in text and "getenv" not in text, source


def test_the_top_of_the_library_holds_only_the_foundation_and_the_wings() -> None:
    modules = {p.stem for p in LIBRARY.glob("*.py")}
    packages = {p.name for p in LIBRARY.iterdir() if (p / "__init__.py").exists()}
    assert modules == FOUNDATION
    assert packages == SUBPACKAGES


def test_the_foundation_imports_no_wing() -> None:
    for name in FOUNDATION - {"__init__"}:
        for imported in _imports(LIBRARY / f"{name}.py"):
            assert not imported.startswith(tuple(f"site_gis.{w}" for w in SUBPACKAGES)), (
                name,
                imported,
            )


@pytest.mark.parametrize("wing", WINGS)
def test_each_wing_names_its_public_verbs(wing: str) -> None:
    module = importlib.import_module(f"site_gis.{wing}")
    doc = module.__doc__ or ""
    assert module.__all__, wing
    for name in module.__all__:
        assert hasattr(module, name), (wing, name)
        assert f"``{name}" in doc, f"site_gis.{wing} does not describe {name} in its docstring"
    for source in (LIBRARY / wing).glob("*.py"):
        if source.stem != "__init__":
            assert f"``{source.stem}``" in doc, f"site_gis.{wing} does not list {source.stem}"


def test_code_outside_a_wing_imports_its_public_verbs_from_the_wing() -> None:
    public = {w: set(importlib.import_module(f"site_gis.{w}").__all__) for w in WINGS}
    for source in [*(ROOT / "api").rglob("*.py"), *(ROOT / "bench").rglob("*.py"), *_library()]:
        parts = source.relative_to(ROOT).parts
        own = parts[1] if parts[0] == "site_gis" and len(parts) > 2 else None
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            path = node.module.split(".")
            if path[0] == "site_gis" and len(path) == 3 and path[1] in WINGS and path[1] != own:
                names = {a.name for a in node.names}
                assert not names <= public[path[1]], (
                    f"{source.relative_to(ROOT)}: import {sorted(names)} from site_gis.{path[1]}"
                )


def test_tests_mirror_the_wings() -> None:
    tests = ROOT / "tests" / "site_gis"
    folders = {p.name for p in tests.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders <= SUBPACKAGES
    assert set(WINGS) <= folders
    assert not [p.name for p in tests.glob("test_*.py") if p.stem[5:] not in FOUNDATION]


def test_imports_run_one_way_with_no_circles() -> None:
    """No module reaches itself through imports, counting the packages an import runs.

    Importing ``site_gis.store.base`` runs ``site_gis/store/__init__.py`` first, so an
    import is an edge to the module and to each package above it (except packages the
    importer itself lives in).  Type-only and function-level imports count too.
    """
    sources = {
        _module_name(path): path
        for package in ("site_gis", "api", "bench")
        for path in (ROOT / package).rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in sources.items():
        graph[name] = set()
        for imported in _imports(path):
            parts = imported.split(".")
            for k in range(1, len(parts) + 1):
                target = ".".join(parts[:k])
                if target in sources and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    circles = _strongly_connected(graph)
    assert not circles, circles


def test_the_circle_finder_finds_circles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert _strongly_connected(graph) == [["a", "b", "c"]]


def test_the_readme_tree_is_the_package() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Project structure", 1)[1].split("```", 2)[1]
    listed: set[str] = set()
    stack: list[tuple[int, str]] = []
    for line in block.splitlines():
        match = re.match(r"^( *)(\S+)", line)
        if not match or not re.fullmatch(r"[\w.]+/?", match.group(2)):
            continue
        depth = len(match.group(1))
        if depth >= 20:
            continue  # a description carried over to the next line
        while stack and stack[-1][0] >= depth:
            stack.pop()
        path = "/".join([*(p for _, p in stack), match.group(2).rstrip("/")])
        if match.group(2).endswith("/"):
            stack.append((depth, match.group(2).rstrip("/")))
        listed.add(path)
    for path in listed:
        assert (ROOT / path).exists(), f"README lists {path}, which does not exist"
    actual = {
        str(p.relative_to(ROOT).with_suffix(".py") if p.is_file() else p.relative_to(ROOT))
        for p in [*LIBRARY.glob("*.py"), *(LIBRARY / w for w in SUBPACKAGES)]
    }
    actual |= {str(p.relative_to(ROOT)) for w in WINGS for p in (LIBRARY / w).glob("*.py")}
    actual = {a for a in actual if not a.endswith("__init__.py") or a == "site_gis/__init__.py"}
    assert actual - listed == set(), "modules missing from the README's project structure"


def _library() -> list[Path]:
    return sorted(LIBRARY.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports anywhere (type-only and function-level imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other in a circle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return circles
