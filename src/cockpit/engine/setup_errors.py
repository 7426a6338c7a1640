"""What stops pytest before or while it collects: a conftest or plugin that cannot be
imported, and an invalid configuration. Pure, except :func:`find_inifile`.

The child reports a conftest's or a plugin's failure itself (``startup_error``); when it
could not (a ``-p`` plugin in ``addopts`` is imported before cockpit's own), pytest's
stderr says it and :func:`startup_from_stderr` reads it. A conftest deeper in the tree
fails during collection, as an error of its folder: :func:`conftest_of` tells it from a
module's import error. An invalid configuration becomes one line naming the file and
the option (:func:`config_error_line`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from cockpit.engine.events import StartupError

_CONFTEST_HEADER = re.compile(r"^ImportError while loading conftest '(?P<path>[^']+)'\.\s*$")
_PLUGIN_HEADER = re.compile(r'^Error while loading plugin "(?P<plugin>[^"]+)"\.\s*$')
_EXCEPTION_LINE = re.compile(r"^(?:E\s+)?(?P<type>[A-Za-z_][\w.]*):\s?(?P<message>.*)$")
_WRAPPED_PLUGIN = re.compile(r'^Error importing plugin "(?P<plugin>[^"]+)": (?P<message>.*)$')
_PLUGIN_FRAME = re.compile(r'File "[^"]*_pytest/config/__init__\.py", line \d+, in import_plugin')
_CONFTEST_FRAME = re.compile(r"^(?P<path>\S*conftest\.py):\d+: in <module>$", re.MULTILINE)
_NATIVE_CONFTEST = re.compile(r'File "(?P<path>[^"]*conftest\.py)", line \d+, in <module>')


def relative(path: str, rootdir: str) -> str:
    """``path`` relative to ``rootdir`` when inside it, with forward slashes."""
    root = rootdir.rstrip("/") + "/"
    return path[len(root) :] if path.startswith(root) else path


def blocked_folder(conftest: str) -> str:
    """The folder whose tests a failing conftest blocks, as the module table names it
    (``tests/``; ``./`` for the root's)."""
    parent = str(PurePosixPath(conftest).parent)
    return "./" if parent in ("", ".") else parent + "/"


def _exception(lines: Sequence[str]) -> tuple[str, str]:
    for line in reversed(lines):
        match = _EXCEPTION_LINE.match(line.strip())
        if match and not line.startswith(" "):
            return match["type"], match["message"]
        if match and line.startswith("E "):
            return match["type"], match["message"]
    return "Error", lines[-1].strip() if lines else ""


def startup_from_stderr(stderr: str, rootdir: str) -> StartupError | None:
    """A conftest's or plugin's failure as pytest printed it, when the child could not say."""
    lines = stderr.rstrip().splitlines()
    for index, line in enumerate(lines):
        conftest = _CONFTEST_HEADER.match(line)
        plugin = _PLUGIN_HEADER.match(line)
        if conftest or plugin:
            body = lines[index + 1 :]
            exception, message = _exception(body)
            return StartupError(
                what="conftest" if conftest else "plugin",
                conftest=relative(conftest["path"], rootdir) if conftest else None,
                plugin=plugin["plugin"] if plugin else None,
                exception=exception,
                message=message,
                longrepr="\n".join(body),
                rootdir=rootdir,
            )
    if "Traceback (most recent call last):" not in stderr:
        return None
    start = max(i for i, line in enumerate(lines) if line.startswith("Traceback (most recent"))
    body = lines[start:]
    exception, message = _exception(body)
    wrapped = _WRAPPED_PLUGIN.match(message)
    text = "\n".join(body)
    if not (wrapped or _PLUGIN_FRAME.search(text)):
        return None  # not pytest loading a plugin: the caller says what it can
    conftest_match = _NATIVE_CONFTEST.search(text)
    return StartupError(
        what="plugin",
        conftest=relative(conftest_match["path"], rootdir) if conftest_match else None,
        plugin=wrapped["plugin"] if wrapped else _module_of_last_frame(text, rootdir),
        exception=exception,
        message=wrapped["message"] if wrapped else message,
        longrepr=text,
        rootdir=rootdir,
    )


_NATIVE_FILE = re.compile(r'File "(?P<path>[^"]+\.py)", line \d+')


def _module_of_last_frame(text: str, rootdir: str) -> str | None:
    """The module name of the innermost frame inside the project: the plugin itself."""
    paths = [relative(m["path"], rootdir) for m in _NATIVE_FILE.finditer(text)]
    inside = [path for path in paths if not path.startswith("/")]
    if not inside:
        return None
    return inside[-1].removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def conftest_of(nodeid: str, longrepr: str) -> str | None:
    """The conftest behind a collection error of a folder (a conftest deeper in the tree
    fails while pytest collects its folder): the ``conftest.py`` of that folder that the
    traceback runs through, relative to the rootdir."""
    if nodeid.endswith(".py") and not nodeid.endswith("__init__.py"):
        return None  # a test module's own import error
    folder = str(PurePosixPath(nodeid).parent if nodeid.endswith(".py") else PurePosixPath(nodeid))
    expected = "conftest.py" if folder in ("", ".") else f"{folder}/conftest.py"
    for pattern in (_CONFTEST_FRAME, _NATIVE_CONFTEST):
        for match in pattern.finditer(longrepr):
            if match["path"] == expected or match["path"].endswith("/" + expected):
                return expected
    return None


def describe(error: StartupError) -> str:
    """The one line a front prints: what could not be imported and why."""
    what = f"{error.exception}: {error.message}" if error.message else error.exception
    if error.what == "plugin" and error.plugin:
        named = f" (named in {error.conftest}'s pytest_plugins)" if error.conftest else ""
        return f"the pytest plugin {error.plugin}{named} failed to import: {what}"
    if error.conftest:
        return f"{error.conftest} failed to import: {what}; no test ran"
    return f"pytest could not start: {what}"


# -- an invalid configuration --------------------------------------------------------------
_INIFILE_LINE = re.compile(r"^\s*(?:inifile|configfile): (?P<path>\S.*?)\s*$", re.MULTILINE)
_ERROR_TEXT = re.compile(r"^(?:ERROR: |[\w. \-]+: error: )(?P<text>.*\S)\s*$")
_UNRECOGNIZED = re.compile(r"unrecognized arguments: (?P<args>.+)$")
_UNKNOWN_OPTION = re.compile(r"^Unknown config option: (?P<key>\S+)")
_MISSING_PLUGINS = re.compile(r"^Missing required plugins: (?P<plugins>.+)$")
_WARNING_FILTER = re.compile(
    r"while parsing the following warning configuration:\s+(?P<filter>\S.*?)\s*\n"
    r".*?^(?P<error>\w+(?:Error|Exception): .*?)\s*$",
    re.MULTILINE | re.DOTALL,
)
_CONFIG_FILES = (
    ("pytest.ini", None),
    (".pytest.ini", None),
    ("pyproject.toml", "[tool.pytest"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)


def find_inifile(folder: Path, args: Sequence[str]) -> Path | None:
    """The configuration file pytest reads for a run in ``folder``: ``-c FILE``, else the
    first file holding pytest's section up from ``folder`` (pytest's own order)."""
    for index, arg in enumerate(args):
        if arg in ("-c", "--config-file") and index + 1 < len(args):
            return (folder / args[index + 1]).resolve()
        if arg.startswith("--config-file="):
            return (folder / arg.split("=", 1)[1]).resolve()
    for directory in (folder.resolve(), *folder.resolve().parents):
        for name, section in _CONFIG_FILES:
            candidate = directory / name
            if not candidate.is_file():
                continue
            if section is None:
                return candidate
            try:
                if section in candidate.read_text(encoding="utf-8", errors="replace"):
                    return candidate
            except OSError:
                continue
    return None


def config_error_line(
    stderr: str, args: Sequence[str], inifile: Path | None, folder: Path
) -> str | None:
    """One line naming the configuration file and the option pytest refused, or None when
    the error is not the configuration's."""
    named = _INIFILE_LINE.search(stderr)
    path = Path(named["path"]) if named else inifile
    where = _shown_path(path, folder) if path is not None else "the pytest configuration"
    filters = _WARNING_FILTER.search(stderr)
    if filters:
        return f"{where}: filterwarnings entry {filters['filter']!r} is invalid: {filters['error']}"
    for line in stderr.splitlines():
        match = _ERROR_TEXT.match(line)
        if match is None or match["text"].startswith("usage:"):
            continue
        text = match["text"]
        unrecognized = _UNRECOGNIZED.search(text)
        if unrecognized:
            options = unrecognized["args"].split()
            if all(option in args for option in options):
                return None  # the command line's own: pytest's line says it
            return (
                f"{where}: addopts holds options pytest does not know: {' '.join(options)} "
                "(a plugin that is not installed?)"
            )
        unknown = _UNKNOWN_OPTION.match(text)
        if unknown:
            return f"{where}: unknown option {unknown['key']} (refused under --strict-config)"
        missing = _MISSING_PLUGINS.match(text)
        if missing:
            return f"{where}: required_plugins are not installed: {missing['plugins']}"
        if path is not None and str(path) in text:
            return text.replace(str(path), where)
    return None


def _shown_path(path: Path, folder: Path) -> str:
    try:
        return str(path.resolve().relative_to(folder.resolve()))
    except ValueError:
        return str(path)
