"""Which functions of a Python file changed between two contents: pure, on ``ast``.

Every function and method defined outside another function's body is keyed by its
qualified name (``Formatter.write_usage``; a function nested in another belongs to the
outer one, as ``f.<locals>.g`` does in the child's map) and digested by the dump of its
body, without positions: moving a function or editing a comment changes nothing. What
is left once every such body is emptied is the file's *skeleton*: imports, module code,
class bodies, decorators, signatures and defaults, the set of top-level names. When the
skeletons differ, the change is module-level and the caller falls back to the import
graph for the file. A content that does not parse is a module-level change too.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass

_CACHING_WORDS = ("cache", "memo", "lru")
"""In a decorator's name, what says it keeps results across calls."""


@dataclass(frozen=True, slots=True)
class FileDiff:
    """How a file's new content differs from its old one."""

    changed: frozenset[str]
    """Qualified names of the functions whose bodies differ."""
    module_level: str = ""
    """Why the change is module-level (empty: function bodies only)."""
    caching: frozenset[str] = frozenset()
    """The changed functions whose decorators cache their results (``lru_cache``, ``cache``,
    ``cached_property``, a ``memoize``): a result one test computed serves later tests
    that never run the body, so the map cannot say who depends on it."""


class _Bodies(ast.NodeTransformer):
    """Empties function bodies (outside other functions), keeping each body's digest."""

    def __init__(self) -> None:
        self.prefix: list[str] = []
        self.digests: dict[str, list[str]] = {}
        self.caching: set[str] = set()

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.prefix.append(node.name)
        self.generic_visit(node)
        self.prefix.pop()
        return node

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        qualname = ".".join((*self.prefix, node.name))
        body = "\n".join(ast.dump(statement) for statement in node.body)
        digest = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
        # A getter and its setter share a qualified name: keep both, in order.
        self.digests.setdefault(qualname, []).append(digest)
        decorators = " ".join(ast.dump(d) for d in node.decorator_list).lower()
        if any(word in decorators for word in _CACHING_WORDS):
            self.caching.add(qualname)
        node.body = [ast.Pass()]
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


def _shape(source: bytes) -> tuple[str, _Bodies]:
    tree = ast.parse(source)
    bodies = _Bodies()
    skeleton = bodies.visit(tree)
    return ast.dump(skeleton), bodies


def function_diff(old: bytes, new: bytes) -> FileDiff:
    """The functions whose bodies changed from ``old`` to ``new``, or why it is more."""
    try:
        old_skeleton, old_bodies = _shape(old)
        new_skeleton, new_bodies = _shape(new)
    except (SyntaxError, ValueError, RecursionError) as error:
        return FileDiff(frozenset(), f"it does not parse ({type(error).__name__})")
    if old_skeleton != new_skeleton:
        return FileDiff(frozenset(), "module-level code changed")
    old_digests, new_digests = old_bodies.digests, new_bodies.digests
    changed = frozenset(
        name
        for name in old_digests.keys() | new_digests.keys()
        if old_digests.get(name) != new_digests.get(name)
    )
    return FileDiff(changed, "", changed & frozenset(new_bodies.caching))


def function_of(qualname: str) -> str:
    """The top-level function or method a code object belongs to (its ``<locals>`` cut)."""
    head, _, _ = qualname.partition(".<")
    return head
