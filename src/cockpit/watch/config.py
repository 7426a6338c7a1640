"""Watch settings: ``[tool.cockpit.watch]`` and the pytest settings selection depends on.

Read once, from the project's own files, into frozen values; nothing here watches or runs.

```toml
[tool.cockpit.watch]
extra = ["data/**/*.json", "sql/*.sql"]      # non-Python files worth a run
ignore = ["docs/**"]                         # never a run for these
[tool.cockpit.watch.map]
"data/**/*.json" = ["tests/test_loader.py"]  # glob -> the tests it affects
```

An extra file no ``map`` glob covers selects the whole suite.
"""

from __future__ import annotations

import configparser
import shlex
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from cockpit.errors import CockpitError

CONFIG_FILES = frozenset({"pyproject.toml", "setup.cfg", "tox.ini", "pytest.ini", ".pytest.ini"})
"""Files whose change can change what pytest collects or how: any edit runs everything."""

DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")
DEFAULT_NORECURSE = (
    "*.egg",
    ".*",
    "_darcs",
    "build",
    "CVS",
    "dist",
    "node_modules",
    "venv",
    "{arch}",
)


class WatchConfigError(CockpitError):
    """``[tool.cockpit.watch]`` is not what cockpit understands (exit 4)."""


def glob_match(relative: str, pattern: str) -> bool:
    """``relative`` (a posix path from the root) matches ``pattern``, where ``**`` spans
    folders and a pattern without a slash matches the file name anywhere."""
    if "/" not in pattern:
        return fnmatchcase(PurePosixPath(relative).name, pattern)
    return _match_parts(relative.split("/"), pattern.strip("/").split("/"))


def _match_parts(parts: list[str], pattern: list[str]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_match_parts(parts[index:], pattern[1:]) for index in range(len(parts) + 1))
    return (
        bool(parts) and fnmatchcase(parts[0], pattern[0]) and _match_parts(parts[1:], pattern[1:])
    )


@dataclass(frozen=True, slots=True)
class PytestLayout:
    """The pytest settings that decide which files are test modules."""

    python_files: tuple[str, ...] = DEFAULT_PYTHON_FILES
    testpaths: tuple[str, ...] = ()
    norecursedirs: tuple[str, ...] = DEFAULT_NORECURSE
    plugins: tuple[str, ...] = ()
    """Modules named by ``-p`` in ``addopts``: loaded by every run, whatever imports them."""


@dataclass(frozen=True, slots=True)
class WatchConfig:
    extra: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    map: tuple[tuple[str, tuple[str, ...]], ...] = ()
    step_ms: int = 5
    layout: PytestLayout = field(default_factory=PytestLayout)

    def is_extra(self, relative: str) -> bool:
        return any(glob_match(relative, pattern) for pattern in self.extra)

    def is_ignored(self, relative: str) -> bool:
        return any(glob_match(relative, pattern) for pattern in self.ignore)

    def mapped_tests(self, relative: str) -> tuple[str, ...] | None:
        """The tests ``map`` names for this file, or None when no glob covers it."""
        found: list[str] = []
        matched = False
        for pattern, tests in self.map:
            if glob_match(relative, pattern):
                matched = True
                found.extend(tests)
        return tuple(dict.fromkeys(found)) if matched else None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise WatchConfigError(f"{where} must be a list of strings in pyproject.toml")
    return tuple(value)


def _ini_lines(value: str) -> tuple[str, ...]:
    return tuple(shlex.split(value))


def _layout_from_ini(values: dict[str, Any]) -> PytestLayout:
    def listed(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = values.get(key)
        if raw is None:
            return default
        return tuple(raw) if isinstance(raw, list) else _ini_lines(str(raw))

    addopts = values.get("addopts", ())
    args = list(addopts) if isinstance(addopts, list) else _ini_lines(str(addopts))
    plugins = [
        (arg[2:] or (args[index + 1] if index + 1 < len(args) else ""))
        for index, arg in enumerate(args)
        if arg.startswith("-p")
    ]
    return PytestLayout(
        python_files=listed("python_files", DEFAULT_PYTHON_FILES),
        testpaths=listed("testpaths", ()),
        norecursedirs=listed("norecursedirs", DEFAULT_NORECURSE),
        plugins=tuple(name for name in plugins if name and not name.startswith("no:")),
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise WatchConfigError(f"cannot read {path}: {error}; fix the file") from None


def _pytest_layout(root: Path, pyproject: dict[str, Any]) -> PytestLayout:
    """pytest's own order: pytest.ini, .pytest.ini, pyproject.toml, tox.ini, setup.cfg."""
    for name, section in (("pytest.ini", "pytest"), (".pytest.ini", "pytest")):
        if (root / name).is_file():
            return _layout_from_cfg(root / name, section) or PytestLayout()
    pytest_table = pyproject.get("tool", {}).get("pytest", {})
    if isinstance(pytest_table, dict) and pytest_table:
        ini = pytest_table.get("ini_options", pytest_table)
        return _layout_from_ini(ini if isinstance(ini, dict) else {})
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        if (root / name).is_file():
            found = _layout_from_cfg(root / name, section)
            if found is not None:
                return found
    return PytestLayout()


def _layout_from_cfg(path: Path, section: str) -> PytestLayout | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return PytestLayout()  # pytest will report it; select everything meanwhile
    if not parser.has_section(section):
        return None
    return _layout_from_ini(dict(parser.items(section)))


def load_config(root: Path) -> WatchConfig:
    """The project's watch settings (defaults when it has none)."""
    pyproject_path = root / "pyproject.toml"
    pyproject = _read_toml(pyproject_path) if pyproject_path.is_file() else {}
    table = pyproject.get("tool", {}).get("cockpit", {}).get("watch", {})
    if not isinstance(table, dict):
        raise WatchConfigError("[tool.cockpit.watch] must be a table in pyproject.toml")
    unknown = set(table) - {"extra", "ignore", "map", "step_ms"}
    if unknown:
        raise WatchConfigError(
            f"[tool.cockpit.watch] has unknown keys {sorted(unknown)}; "
            "known: extra, ignore, map, step_ms"
        )
    mapping = table.get("map", {})
    if not isinstance(mapping, dict):
        raise WatchConfigError("[tool.cockpit.watch.map] must be a table of glob = [tests]")
    step = table.get("step_ms", 5)
    if not isinstance(step, int) or isinstance(step, bool) or not 1 <= step <= 1000:
        raise WatchConfigError("[tool.cockpit.watch] step_ms must be an integer from 1 to 1000")
    pairs = tuple(
        (pattern, _strings(tests, f"[tool.cockpit.watch.map] {pattern!r}"))
        for pattern, tests in mapping.items()
    )
    extra = _strings(table.get("extra", []), "[tool.cockpit.watch] extra")
    return WatchConfig(
        extra=tuple(dict.fromkeys((*extra, *(pattern for pattern, _ in pairs)))),
        ignore=_strings(table.get("ignore", []), "[tool.cockpit.watch] ignore"),
        map=pairs,
        step_ms=step,
        layout=_pytest_layout(root, pyproject),
    )
