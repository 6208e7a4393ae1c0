"""The house rules, checked on the source itself: no import circle, nothing imports a command, no module over
300 lines, and the live process without torch. Each failure names the modules that break the rule.

The import graph is read with ast from every performer/**/*.py. An import at module level runs when the
module is imported; one inside a function runs when the function is called: both are counted, separately."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "performer"
MAX_LINES = 300
ONLY_IMPORTER_OF_COMMANDS = "performer.cli"


def module_name(path: Path, package: Path) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, package): path for path in sorted(package.rglob("*.py"))}


def is_type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imported_names(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool) -> list[str]:
    """The modules an import statement names: `from a import b` names a.b when that is a module, else a."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = node.module or ""
    return [stem] + [f"{stem}.{alias.name}" for alias in node.names]


def import_graph(package: Path = PACKAGE) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(module-level edges, function-level edges) between the package's modules. The CLI imports each command
    by name from its table (importlib), which ast cannot see: those are added as imports inside a function."""
    modules = all_modules(package)
    top: dict[str, set[str]] = {name: set() for name in modules}
    inner: dict[str, set[str]] = {name: set() for name in modules}

    def visit(node: ast.AST, importer: str, is_package: bool, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if is_type_checking_block(child):
                continue  # never runs
            if isinstance(child, ast.Import | ast.ImportFrom):
                names = imported_names(child, importer, is_package)
                if isinstance(child, ast.ImportFrom):  # `from a import b`: a.b if it is a module, else a
                    submodules = [n for n in names[1:] if n in modules]
                    names = submodules or names[:1]
                edges = inner if in_function else top
                edges[importer].update(n for n in names if n in modules and n != importer)
            deeper = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, importer, is_package, deeper)

    for name, path in modules.items():
        visit(ast.parse(path.read_text(), str(path)), name, path.name == "__init__.py", False)
    if package == PACKAGE:
        inner["performer.cli"].update(name for name in modules if name.startswith("performer.commands."))
    return top, inner


def knots(edges: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that all reach each other through imports (Tarjan's strongly connected
    components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(edges):
        if v not in index:
            connect(v)
    return groups


def shortest_circle(edges: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest import circle from the group's first module back to itself (breadth first)."""
    start = min(group)
    paths, queue = {start: [start]}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges[v] & group):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"not a knot: {sorted(group)}")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One shortest circle through each knot."""
    return sorted(shortest_circle(edges, group) for group in knots(edges))


def describe(edges: dict[str, set[str]], groups: list[set[str]]) -> str:
    return "\n".join(
        " -> ".join(shortest_circle(edges, group)) + f"  (the knot: {', '.join(sorted(group))})"
        for group in sorted(groups, key=min)
    )


def test_the_graph_sees_every_kind_of_import_and_finds_a_planted_circle(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": "",
        "a.py": "import os\nimport pkg.b\n\ndef later():\n    from pkg.sub import c\n",
        "b.py": "from . import d\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n",
        "d.py": "class Thing:\n    from pkg.sub.c import VALUE\n",
        "sub/__init__.py": "",
        "sub/c.py": "from ..b import d as other\nVALUE = 1\n\ndef back():\n    import pkg.a\n",
        "e.py": "import pkg.e\n",
    }
    for name, text in files.items():
        (package / name).write_text(text)
    top, inner = import_graph(package)
    assert top["pkg.a"] == {"pkg.b"} and top["pkg.b"] == {"pkg.d"}  # `from . import d` names the module
    assert top["pkg.d"] == {"pkg.sub.c"}  # a class body runs at import: module level
    assert top["pkg.sub.c"] == {"pkg.b"}  # `from ..b import d` takes a name from pkg.b
    assert top["pkg.e"] == set() and top["pkg"] == top["pkg.sub"] == set()
    assert inner["pkg.a"] == {"pkg.sub.c"} and inner["pkg.sub.c"] == {"pkg.a"}
    assert not inner["pkg.b"] | inner["pkg.d"] | inner["pkg.e"]  # TYPE_CHECKING never runs
    assert cycles(top) == [["pkg.b", "pkg.d", "pkg.sub.c", "pkg.b"]]
    both = {name: top[name] | inner[name] for name in top}
    assert cycles(both) == [["pkg.a", "pkg.sub.c", "pkg.a"]]  # one shortest circle per group
    assert cycles({"x": {"y"}, "y": {"z"}, "z": {"x"}, "w": {"x"}}) == [["x", "y", "z", "x"]]


def test_no_circle_of_module_level_imports():
    top, _ = import_graph()
    found = knots(top)
    assert not found, f"{len(found)} import circle(s) at module level:\n{describe(top, found)}"


def test_no_circle_even_through_imports_inside_functions():
    top, inner = import_graph()
    both = {name: top[name] | inner[name] for name in top}
    found = [group for group in knots(both) if group not in knots(top)]
    assert not found, f"{len(found)} import circle(s) closed by an import inside a function:\n{describe(both, found)}"


def test_nothing_imports_a_command_but_the_cli():
    top, inner = import_graph()
    offenders = sorted(
        f"{importer} -> {target}" + ("" if target in top[importer] else " (inside a function)")
        for importer in top
        for target in top[importer] | inner[importer]
        if target.startswith("performer.commands") and importer != ONLY_IMPORTER_OF_COMMANDS
    )
    assert not offenders, "commands are used as a library:\n" + "\n".join(offenders)


def test_no_module_over_300_lines():
    sizes = {name: len(path.read_text().splitlines()) for name, path in all_modules().items()}
    over = sorted(((lines, name) for name, lines in sizes.items() if lines > MAX_LINES), reverse=True)
    assert not over, "modules over 300 lines:\n" + "\n".join(f"{lines:5d} {name}" for lines, name in over)


def modules_after(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint('modules:', *sorted(sys.modules))"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PACKAGE.parent,
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-1].split()
    assert last[0] == "modules:", result.stdout
    return set(last[1:])


def test_the_live_app_imports_no_torch():
    loaded = modules_after("import performer.app")
    assert "performer.app" in loaded and "torch" not in loaded, sorted(m for m in loaded if m.startswith("torch"))


def test_every_command_in_the_table_is_built_with_its_help_line_and_run():
    from performer.cli import COMMANDS, build_parser

    parser = build_parser()
    choices = parser._subparsers._group_actions[0]
    assert list(choices.choices) == list(COMMANDS)
    helps = {action.dest: action.help for action in choices._choices_actions}
    assert helps == COMMANDS
    assert all(callable(sub.get_default("run")) for sub in choices.choices.values())


def test_help_imports_no_command_and_play_only_its_own():
    help_code = "from performer.cli import main\ntry:\n    main({argv})\nexcept SystemExit:\n    pass"
    loaded = modules_after(help_code.format(argv=["--help"]))
    assert not {m for m in loaded if m.startswith("performer.commands.")}
    assert "torch" not in loaded
    loaded = modules_after(help_code.format(argv=["play", "--help"]))
    assert {m for m in loaded if m.startswith("performer.commands.")} == {"performer.commands.play"}
    assert "torch" not in loaded
