"""What a run imported: the libraries (for the warm server), and imports by computed name.

**Libraries.** :func:`library_modules` lists the modules loaded from the standard library
and installed packages (never the project's own, nor what pytest assert-rewrote): a warm
server may preload them.

**Computed imports.** ``importlib.import_module(name)`` or ``__import__(name)`` with a
name computed at run time is where an import graph read from the source cannot see what
is loaded. :class:`ComputedImports` records, for every such call made from a project file,
which project file it actually loaded: cockpit adds those edges to its graph and stops
widening the selection where a whole-suite run has shown everything a call reaches.

It costs nothing on the way of an ordinary ``import`` statement: ``importlib.import_module``
is replaced by a recording wrapper (it is only ever called explicitly), and ``__import__``
is wrapped only inside the project modules whose source calls it, by putting the
wrapper in their globals before they run (a call finds ``__import__`` in the module's
globals first; the ``import`` statement only ever looks in the builtins). Both wrappers
hide themselves from pytest's tracebacks.

Runs in the user's interpreter: standard library only, Python 3.8 syntax.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import importlib.machinery
import os
import sys
from typing import Any, Dict, List, Optional, Tuple

_ORIGINAL_IMPORT_MODULE = importlib.import_module
_ORIGINAL_DUNDER_IMPORT = builtins.__import__


def library_folders() -> Tuple[str, ...]:
    """Folders whose modules change only when the interpreter or an install does."""
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    folders = [paths.get(key) for key in ("stdlib", "platstdlib", "purelib", "platlib")]
    with contextlib.suppress(AttributeError):  # a virtualenv's old site.py
        folders.extend(site.getsitepackages())
    with contextlib.suppress(AttributeError):
        folders.append(site.getusersitepackages())
    real = {os.path.join(os.path.realpath(folder), "") for folder in folders if folder}
    return tuple(sorted(real | {os.path.join(folder, "") for folder in folders if folder}))


def library_modules() -> List[str]:
    """Modules imported from the standard library or installed packages: what a warm
    server may preload. Not the project's own, nor cockpit's, nor anything pytest
    assert-rewrote (plugins of entry points, ``-p`` and ``pytest_plugins``)."""
    folders = library_folders()
    names = []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.startswith(folders):
            continue
        if name.startswith(("cockpit_", "__main__", "__mp_main__")):
            continue
        if type(getattr(module, "__loader__", None)).__name__ == "AssertionRewritingHook":
            continue
        names.append(name)
    return sorted(names)


class ComputedImports:
    """The (importing file, module, module's file) of each import by a computed name that
    a project file made and that loaded a project file."""

    def __init__(self, root: str) -> None:
        self.root = os.path.join(os.path.realpath(root), "")
        self.libraries = library_folders()
        self.edges: Dict[Tuple[str, str], str] = {}
        self._files: Dict[str, Optional[str]] = {}

    def _project_file(self, path: Optional[str]) -> Optional[str]:
        """The real path of a project file, None for anything else (cached: a call in a
        loop costs a dictionary lookup, not two ``realpath`` walks)."""
        if not path or path.startswith(self.libraries):
            return None
        known = self._files.get(path, "")
        if known != "":
            return known
        real = os.path.realpath(path)
        inside = real.startswith(self.root) and not real.startswith(self.libraries)
        self._files[path] = real if inside else None
        return self._files[path]

    def note(self, importer: str, name: str) -> None:
        """``importer`` (a file) asked for ``name`` by a computed name; it is loaded now."""
        source = self._project_file(importer)
        if source is None:
            return
        module = sys.modules.get(name)
        target = self._project_file(getattr(module, "__file__", None))
        if target is not None and target != source:
            self.edges[(source, name)] = target

    def as_json(self) -> List[List[str]]:
        return [[source, name, target] for (source, name), target in sorted(self.edges.items())]

    # -- the wrappers -------------------------------------------------------------------
    def import_module(self, name: str, package: Optional[str] = None) -> Any:
        __tracebackhide__ = True
        module = _ORIGINAL_IMPORT_MODULE(name, package)
        caller = sys._getframe(1)
        self.note(caller.f_code.co_filename, getattr(module, "__name__", name))
        return module

    def dunder_import(
        self,
        name: str,
        globals: Any = None,
        locals: Any = None,
        fromlist: Any = (),
        level: int = 0,
    ) -> Any:
        __tracebackhide__ = True
        module = _ORIGINAL_DUNDER_IMPORT(name, globals, locals, fromlist, level)
        if level == 0:
            importer = sys._getframe(1).f_code.co_filename
            self.note(importer, name)
            for item in fromlist or ():
                if isinstance(item, str) and item != "*":
                    self.note(importer, "%s.%s" % (name, item))
        return module

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        """A meta-path finder in front of the others, that only looks: a project module
        whose source calls ``__import__`` gets the recording wrapper in its globals."""
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                self._wrap(spec)
                return spec
        return None

    def _wrap(self, spec: Any) -> None:
        loader = spec.loader
        if type(loader) is not importlib.machinery.SourceFileLoader:
            return  # pytest's rewriter (tests, conftests), extensions, namespaces: left as is
        if self._project_file(spec.origin) is None:
            return
        try:
            with open(spec.origin, "rb") as source:
                calls = b"__import__(" in source.read()
        except OSError:
            return
        if not calls:
            return
        exec_module = loader.exec_module

        def exec_with_recording(module: Any) -> None:
            module.__dict__.setdefault("__import__", self.dunder_import)
            exec_module(module)

        # This loader serves this one module: wrapping its method touches no other.
        loader.exec_module = exec_with_recording  # type: ignore[method-assign]

    def install(self) -> None:
        importlib.import_module = self.import_module
        sys.meta_path.insert(0, self)

    def uninstall(self) -> None:
        if importlib.import_module == self.import_module:
            importlib.import_module = _ORIGINAL_IMPORT_MODULE
        if self in sys.meta_path:
            sys.meta_path.remove(self)
