"""The call map's tracer on Python 3.11: the project's own modules, instrumented on import.

A profile hook (even ``cProfile``'s C one) is paid on every call of every function,
library and standard library included: a parser-heavy suite ran 2.6x slower under it.
Here only the project's functions pay: as each project module is imported, every function
and method gets one first statement, ``__cockpit_hit__(ID)``, where ``ID`` names its
outermost function (as the selection's diff keys it) and ``__cockpit_hit__`` is the
``add`` of the set recording now, rebound in every instrumented module when the set
changes. A call then costs one global lookup and one C call.

Only modules found after pytest's assertion rewriter (test modules and conftests keep
pytest's rewriting, and are not instrumented) and whose file is inside the project root,
outside any virtualenv, are instrumented. The code is compiled from source each traced
run and never written to ``__pycache__``, so untraced runs never load it. The inserted
statement takes the position of the body's first statement: tracebacks do not move.
Standard library and pytest only, Python 3.8 syntax.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.machinery
import sys
from typing import Any, Callable, Dict, List, Optional

HIT_NAME = "__cockpit_hit__"


class Instrument(ast.NodeTransformer):
    """Inserts the hit of the outermost enclosing function into every function body."""

    def __init__(self, register: Callable[[str], int]) -> None:
        self.register = register
        self.prefix: List[str] = []
        self.outer: Optional[int] = None

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        if self.outer is not None:
            self.generic_visit(node)
            return node
        self.prefix.append(node.name)
        self.generic_visit(node)
        self.prefix.pop()
        return node

    def _function(self, node: Any) -> Any:
        if self.outer is None:
            self.outer = self.register(".".join([*self.prefix, node.name]))
            self.generic_visit(node)
            fid = self.outer
            self.outer = None
        else:
            fid = self.outer
            self.generic_visit(node)
        body = node.body
        first = body[0]
        docstring = (
            isinstance(first, ast.Expr)
            and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)
        )
        index = 1 if docstring else 0
        anchor = body[index] if index < len(body) else first
        call = ast.Expr(
            ast.Call(ast.Name(HIT_NAME, ast.Load()), [ast.Constant(fid)], []),
        )
        body.insert(index, ast.copy_location(call, anchor))
        return node

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Lambda(self, node: ast.Lambda) -> Any:
        """A lambda in a function body may be called by a later test: ``(hit, body)[1]``
        records its outer function then (a lambda at module or class level is module code)."""
        self.generic_visit(node)
        if self.outer is None:
            return node
        call = ast.Call(ast.Name(HIT_NAME, ast.Load()), [ast.Constant(self.outer)], [])
        pair = ast.Tuple([call, node.body], ast.Load())
        node.body = ast.copy_location(ast.Subscript(pair, ast.Constant(1), ast.Load()), node.body)
        return node


class InstrumentingLoader(importlib.machinery.SourceFileLoader):
    """Compiles a project module with the hits in, and binds its recorder."""

    def __init__(self, fullname: str, path: str, rewriter: Rewriter, relative: str) -> None:
        super().__init__(fullname, path)
        self.rewriter = rewriter
        self.relative = relative

    def get_code(self, fullname: str) -> Any:
        source = self.get_data(self.path)
        self.rewriter.digests[self.relative] = hashlib.sha256(source).hexdigest()
        tree = ast.parse(source, self.path)
        relative = self.relative
        tree = Instrument(lambda qualname: self.rewriter.register(relative, qualname)).visit(tree)
        ast.fix_missing_locations(tree)
        return compile(tree, self.path, "exec", dont_inherit=True)

    def exec_module(self, module: Any) -> None:
        namespace = module.__dict__
        namespace[HIT_NAME] = self.rewriter.hit
        self.rewriter.namespaces.append(namespace)
        self.rewriter.instrumented.append(self.relative)
        super().exec_module(module)


class Rewriter:
    """The import hook, the function table it fills and the namespaces it rebinds."""

    def __init__(
        self,
        project_file: Callable[[str], Optional[str]],
        register: Callable[[str, str], int],
        digests: Dict[str, str],
    ) -> None:
        self.project_file = project_file
        self.register = register
        self.digests = digests
        self.namespaces: List[Dict[str, Any]] = []
        self.instrumented: List[str] = []
        self.hit: Callable[[Any], None] = set().add

    def bind(self, hit: Callable[[Any], None]) -> None:
        """Record into ``hit`` from now on, in every instrumented module."""
        self.hit = hit
        for namespace in self.namespaces:
            namespace[HIT_NAME] = hit

    # -- the meta path finder ------------------------------------------------------------
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        loader = getattr(spec, "loader", None)
        if spec is None or type(loader) is not importlib.machinery.SourceFileLoader:
            return None
        origin = spec.origin or ""
        relative = self.project_file(origin) if origin.endswith(".py") else None
        if relative is None:
            return None
        spec.loader = InstrumentingLoader(fullname, origin, self, relative)
        return spec

    def install(self) -> None:
        """After pytest's assertion rewriter (which keeps test modules and conftests)."""
        position = 0
        for index, finder in enumerate(sys.meta_path):
            if type(finder).__name__ == "AssertionRewritingHook":
                position = index + 1
        sys.meta_path.insert(position, self)

    def uninstall(self) -> None:
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        self.bind(set().add)
