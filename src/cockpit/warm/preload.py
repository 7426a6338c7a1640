"""Which modules a project's warm server preloads, learned from its runs.

At the end of every run the plugin lists the modules the run imported from installed
packages and the standard library (never the project's own, never what pytest
assert-rewrote). cockpit keeps their union per project and interpreter, in
``.cockpit/warm/<interpreter digest>.json``, minus the modules a server refused to keep
(one that starts a thread or warns when imported), and hands the file to the next server.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from cockpit.settings import DATA_DIR_NAME, write_json_atomically

MAX_MODULES = 20_000


def preload_file(root: Path, interpreter: Path) -> Path:
    absolute = os.path.abspath(interpreter)  # --python ../venv/bin/python is the same one
    digest = hashlib.sha256(absolute.encode("utf-8", "replace")).hexdigest()[:16]
    return root / DATA_DIR_NAME / "warm" / f"{digest}.json"


def _excluded(name: str, excluded: Iterable[str]) -> bool:
    return any(name == bad or name.startswith(bad + ".") for bad in excluded)


class PreloadList:
    """The modules to preload for one project and interpreter (a JSON file, or nothing)."""

    def __init__(self, path: Path | None, interpreter: Path) -> None:
        self.path = path
        self.interpreter = interpreter
        self.modules: list[str] = []
        self.excluded: list[str] = []
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            modules = [str(name) for name in data.get("modules", [])]
            excluded = [str(name) for name in data.get("excluded", [])]
        except (OSError, ValueError, AttributeError, TypeError):
            return
        self.modules, self.excluded = modules, excluded

    def learn(self, modules: Iterable[str]) -> bool:
        """Add what a run imported; whether the list changed (then the server is stale)."""
        known = set(self.modules)
        new = {
            name
            for name in modules
            if name not in known and not _excluded(name, self.excluded) and name.isascii()
        }
        if not new or len(known) >= MAX_MODULES:
            return False
        self.modules = sorted(known | new)[:MAX_MODULES]
        self.save()
        return True

    def exclude(self, name: str) -> None:
        """Never preload ``name`` (nor its submodules) again for this project."""
        if name not in self.excluded:
            self.excluded = sorted({*self.excluded, name})
        self.modules = [module for module in self.modules if not _excluded(module, [name])]
        self.save()

    def save(self) -> None:
        if self.path is None:
            return
        payload = {
            "interpreter": str(self.interpreter),
            "modules": self.modules,
            "excluded": self.excluded,
        }
        write_json_atomically(self.path, payload)  # read-only: the server preloads less
