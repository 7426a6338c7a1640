"""What a warm server depends on, so cockpit knows when it must start a new one.

A server holds modules imported once; a fork from it is only as fresh as they are. So it
is replaced when any of these changes: the interpreter (its file), the installed
packages (the folders of its ``sys.path`` outside the project: each one's own mtime and
those of its ``*.dist-info``, ``*.egg-info``, ``*.pth`` and ``*.egg-link`` entries, which
pip rewrites on every install, upgrade and removal), pytest's configuration files from
the project folder up to its root, the environment (all of it but cockpit's own
variables: ``PYTHONPATH``, ``PYTEST_ADDOPTS``, ``PYTEST_PLUGINS``, ``VIRTUAL_ENV``,
``COV_*`` and the rest all count), the set of modules it preloads, and cockpit's own
child-side code. :func:`difference` says which, in words, for the run's record.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from cockpit.engine.command import PLUGIN_DIR

CONFIG_NAMES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
_PACKAGE_SUFFIXES = (".dist-info", ".egg-info", ".pth", ".egg-link")


class Fingerprint(NamedTuple):
    interpreter: str
    packages: str
    config: str
    environment: tuple[tuple[str, str], ...]
    preload: str
    child: str


def _stat_line(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return f"{path} -"
    return f"{path} {stat.st_mtime_ns} {stat.st_size}"


def _digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8", "replace")).hexdigest()


def interpreter_identity(interpreter: Path) -> str:
    return _stat_line(interpreter.resolve())


def package_folders(sys_path: Sequence[str], root: Path) -> list[Path]:
    """The folders of ``sys.path`` that hold installed packages (not the project's own)."""
    inside = str(root.resolve()) + os.sep
    folders = []
    for entry in sys_path:
        if not entry or entry == str(PLUGIN_DIR):
            continue
        path = Path(entry)
        if not path.is_dir():
            continue
        real = str(path.resolve()) + os.sep
        site = path.name in ("site-packages", "dist-packages")
        if real.startswith(inside) and not site:
            continue  # the project's own folders: their modules are never preloaded
        folders.append(path)
    return folders


def packages_digest(folders: Iterable[Path]) -> str:
    lines = []
    for folder in folders:
        lines.append(_stat_line(folder))
        try:
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(_PACKAGE_SUFFIXES):
                try:
                    lines.append(f"{entry.name} {entry.stat().st_mtime_ns}")
                except OSError:
                    continue
    return _digest(lines)


def config_digest(folder: Path, root: Path) -> str:
    """pytest's configuration files from the folder pytest runs in up to the project root."""
    lines: list[str] = []
    current = folder.resolve()
    top = root.resolve()
    while True:
        lines.extend(_stat_line(current / name) for name in CONFIG_NAMES)
        if current == top or current.parent == current or top not in current.parents:
            break
        current = current.parent
    return _digest(lines)


def environment_items(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Every variable but cockpit's own (per-run descriptors, its database URL...)."""
    return tuple(sorted((k, v) for k, v in env.items() if not k.startswith("COCKPIT_")))


def child_digest() -> str:
    return _digest(_stat_line(path) for path in sorted(PLUGIN_DIR.glob("*.py")))


def take(
    interpreter: Path,
    folder: Path,
    root: Path,
    env: Mapping[str, str],
    sys_path: Sequence[str],
    preload: Sequence[str],
) -> Fingerprint:
    return Fingerprint(
        interpreter=interpreter_identity(interpreter),
        packages=packages_digest(package_folders(sys_path, root)),
        config=config_digest(folder, root),
        environment=environment_items(env),
        preload=_digest(preload),
        child=child_digest(),
    )


def difference(before: Fingerprint, now: Fingerprint) -> str | None:
    """Why a server started with ``before`` is stale now (None: it is not)."""
    if before.interpreter != now.interpreter:
        return "the interpreter changed"
    if before.packages != now.packages:
        return "the installed packages changed"
    if before.config != now.config:
        return "pytest's configuration changed"
    if before.environment != now.environment:
        old, new = dict(before.environment), dict(now.environment)
        names = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
        shown = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
        return f"the environment changed ({shown})"
    if before.preload != now.preload:
        return "the modules to preload changed"
    if before.child != now.child:
        return "cockpit's plugin changed"
    return None
