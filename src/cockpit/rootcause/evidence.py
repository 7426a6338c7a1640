"""Hints that read the project: a name never imported, an import cycle, a fixture defined
in a conftest the test cannot see. Pure: the front fetches the sources a hint asks for
(:func:`evidence_request`) and hands them back as :class:`Evidence`.

Each hint names its evidence: the module and line that use the name, the modules of the
cycle and the import lines that close it, the conftest and line that define the fixture.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from cockpit.rootcause.folding import fold_traceback
from cockpit.rootcause.signature import Signature

_NAME_ERROR = re.compile(r"name '(?P<name>\w+)' is not defined")
_CYCLE = re.compile(
    r"cannot import name '(?P<name>\w+)' from partially initialized module '(?P<module>[\w.]+)'"
)
_FIXTURE = re.compile(r"fixture '(?P<fixture>\w+)' not found")
_IMPORT_LINE = re.compile(r"^\s*(?:>\s*)?(?P<statement>(?:from\s+\S+\s+)?import\s+.+?)\s*$")


@dataclass(frozen=True, slots=True)
class EvidenceRequest:
    """What a hint needs to read: project files (relative paths), and every conftest."""

    sources: tuple[str, ...] = ()
    conftests: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """The project files a hint asked for (path -> content; absent when unreadable)."""

    sources: Mapping[str, str] = field(default_factory=dict)
    conftests: Mapping[str, str] = field(default_factory=dict)


def evidence_request(signature: Signature) -> EvidenceRequest | None:
    """What the hints for ``signature`` need to read, or None when they need nothing."""
    short = signature.exception.rsplit(".", 1)[-1]
    if short == "NameError" and _NAME_ERROR.search(signature.raw_message) and signature.location:
        return EvidenceRequest(sources=(signature.location.rsplit(":", 1)[0],))
    if _FIXTURE.search(signature.raw_message):
        return EvidenceRequest(conftests=True)
    return None


def evidence_hint(
    signature: Signature, example_test: str, example: str, evidence: Evidence | None
) -> tuple[str, str] | None:
    """(rule, advice) from the project's own files and the example's traceback."""
    message = signature.raw_message
    short = signature.exception.rsplit(".", 1)[-1]
    cycle = _CYCLE.search(message)
    if cycle and short == "ImportError":
        return "import-cycle", _cycle_advice(cycle["name"], cycle["module"], example)
    name = _NAME_ERROR.search(message)
    if name and short == "NameError" and evidence is not None and signature.location:
        advice = _unimported_advice(name["name"], signature.location, evidence)
        return ("name-not-imported", advice) if advice else None
    fixture = _FIXTURE.search(message)
    if fixture and evidence is not None:
        advice = _fixture_advice(fixture["fixture"], example_test, evidence)
        return ("fixture-elsewhere", advice) if advice else None
    return None


# -- a name used but never imported ------------------------------------------------------
def _module_bindings(tree: ast.Module) -> tuple[set[str], dict[str, int], dict[str, int]]:
    """Names bound at module level; names imported only under ``if TYPE_CHECKING`` and
    only inside functions (with the line)."""
    bound: set[str] = set()
    type_only: dict[str, int] = {}
    local: dict[str, int] = {}

    def names_of(node: ast.stmt) -> list[tuple[str, int]]:
        if isinstance(node, ast.Import | ast.ImportFrom):
            return [
                ((alias.asname or alias.name).split(".")[0], node.lineno) for alias in node.names
            ]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return [(node.name, node.lineno)]
        return [
            (target.id, node.lineno)
            for target in ast.walk(node)
            if isinstance(target, ast.Name) and isinstance(target.ctx, ast.Store)
        ]

    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            for inner in node.body:
                type_only.update(names_of(inner))
            for inner in node.orelse:
                bound.update(name for name, _ in names_of(inner))
            continue
        bound.update(name for name, _ in names_of(node))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            for nested in ast.walk(node):
                if isinstance(nested, ast.Import | ast.ImportFrom):
                    local.update(names_of(nested))
    return bound, type_only, local


def _unimported_advice(name: str, location: str, evidence: Evidence) -> str | None:
    path, _, line = location.rpartition(":")
    source = evidence.sources.get(path)
    if source is None:
        return None
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    bound, type_only, local = _module_bindings(tree)
    if name in bound or hasattr(builtins, name):
        return None  # bound after all (deleted later, or shadowed): not this family
    used = f"{path}:{line} uses {name}"
    if name in type_only:
        return (
            f"{used}, which {path} imports only under `if TYPE_CHECKING:` (line "
            f"{type_only[name]}): that import does not run. Import it for real, or quote the "
            "annotation."
        )
    if name in local:
        return (
            f"{used} at module level, but {path} imports it only inside a function (line "
            f"{local[name]}). Move the import to the top of {path}."
        )
    stdlib = name in getattr(sys, "stdlib_module_names", ())
    fix = (
        f"add `import {name}` at the top of {path} ({name} is a standard-library module)"
        if stdlib
        else f"import {name} in {path} (or define it there)"
    )
    return f"{used}, but {path} neither imports nor defines {name}: {fix}."


# -- an import cycle -----------------------------------------------------------------------
def _cycle_advice(name: str, module: str, example: str) -> str:
    """The modules of the cycle, from the example's ``<module>`` frames and their imports."""
    folded = fold_traceback(example)
    steps: list[str] = []
    for block in folded.blocks:
        frame = block.frame
        if frame is None or frame.project_path is None or frame.function != "<module>":
            continue
        statement = next(
            (m["statement"] for m in map(_IMPORT_LINE.match, frame.lines) if m is not None), None
        )
        step = f"{frame.where}" + (f" `{statement}`" if statement else "")
        steps.append(step)
    chain = " -> ".join(steps[-4:])
    evidence = f" The cycle, as the traceback runs: {chain}." if chain else ""
    return (
        f"An import cycle: {name} is imported from {module} while {module} is still "
        f"being initialised.{evidence} Move one of these imports into the function that "
        f"needs it, or move {name} to a module both can import."
    )


# -- a fixture defined where the test cannot see it -----------------------------------------
def _fixtures_in(source: str) -> dict[str, int]:
    """Fixture name -> line of the ``@pytest.fixture`` functions in a conftest."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            "fixture" in ast.dump(decorator) for decorator in node.decorator_list
        ):
            found[_fixture_name(node)] = node.lineno
    return found


def _fixture_name(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The fixture's name: ``name=`` given to the decorator, else the function's."""
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return node.name


def _fixture_advice(fixture: str, example_test: str, evidence: Evidence) -> str | None:
    test_folder = PurePosixPath(example_test.split("::", 1)[0]).parent
    defined = sorted(
        (path, line)
        for path, source in evidence.conftests.items()
        for name, line in _fixtures_in(source).items()
        if name == fixture
    )
    elsewhere = [
        (path, line)
        for path, line in defined
        if not _applies_to(PurePosixPath(path).parent, test_folder)
    ]
    if not elsewhere:
        return None
    path, line = elsewhere[0]
    shared = _common_folder(PurePosixPath(path).parent, test_folder)
    target = "conftest.py" if str(shared) in ("", ".") else f"{shared}/conftest.py"
    return (
        f"{fixture} is defined in {path}:{line}, which is not on the path of "
        f"{example_test.split('::', 1)[0]} (a conftest serves the tests in its folder and "
        f"below): move it to {target}, which both share."
    )


def _applies_to(conftest_folder: PurePosixPath, test_folder: PurePosixPath) -> bool:
    return (
        str(conftest_folder) in ("", ".")
        or test_folder == conftest_folder
        or (conftest_folder in test_folder.parents)
    )


def _common_folder(first: PurePosixPath, second: PurePosixPath) -> PurePosixPath:
    pairs = zip(first.parts, second.parts, strict=False)
    shared = [a for a, _ in itertools.takewhile(lambda pair: pair[0] == pair[1], pairs)]
    return PurePosixPath(*shared) if shared else PurePosixPath(".")
