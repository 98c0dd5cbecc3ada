"""The package's shape, read from its source with ast: no import cycles (imports inside functions count) and
no module reaching into another object's private members."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "topiclab"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package modules `name` imports, anywhere in it except under `if TYPE_CHECKING:`. `from a import b`
    imports module a.b when there is one, else a name from package a."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    stack: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
    while stack:
        for node in ast.iter_child_nodes(stack.pop()):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                stack.extend(node.orelse)
                continue
            stack.append(node)
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(parent + ([base] if base else []))
                for alias in node.names:
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {module for module in found if module in modules and module != name}


def test_no_module_imports_itself_back_through_others():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert "topiclab.pipeline.model" in graph["topiclab.pipeline"]  # imports inside functions are seen
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as cycle:
        pytest.fail(f"import cycle: {' -> '.join(cycle.args[1])}")


def _private_reaches(source: str, where: str) -> list[str]:
    """`x._member` where x is not self or cls (dunder names are Python's, not private)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.startswith("topiclab"):
            found += [f"{where}:{node.lineno}: from {node.module} import {alias.name}"
                      for alias in node.names if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


#: Reach-ins into a third-party library, each the only way to the behaviour it needs: numba offers no public
#: way to switch a loaded function's disk cache on and off, nor to say which cache file failed to load.
THIRD_PARTY = {"topiclab/pipeline/jit.py": {"_index_path", "_cache"}}


def test_no_module_touches_private_members_of_another_object():
    found = [reach for path in _modules().values()
             for reach in _private_reaches(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
             if reach.rsplit("._", 1)[-1] not in {m[1:] for m in THIRD_PARTY.get(reach.split(":")[0], ())}]
    assert not found, "private members used from outside their class:\n" + "\n".join(found)


def test_the_private_member_check_sees_a_reach_in():
    source = "from topiclab.x import _helper\ndef f(model, self):\n    return model._config, self._config, model.__dict__\n"
    assert _private_reaches(source, "m.py") == ["m.py:1: from topiclab.x import _helper", "m.py:3: model._config"]
