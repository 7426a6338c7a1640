"""What each test executes, at function granularity: the map behind precise selection.

Loaded into the child by the plugin when cockpit asks for a traced run
(``COCKPIT_CALL_MAP`` names the side file). Standard library and pytest only, Python 3.8
syntax; on Python older than 3.11 (no ``co_qualname``) nothing is traced.

The tracer records the *functions a test entered*, never lines: on Python 3.12+ with
``sys.monitoring`` (``PY_START``, each code object disabled after its first hit and
re-enabled when the recording set changes); on 3.11 by instrumenting the project's own
modules as they are imported (:mod:`cockpit_call_rewrite`): a profile hook is paid on
every call of every library function too, which cost a parser-heavy suite 2.6x its wall
time even with ``cProfile``'s C profiler. The side file lists the *traced files*: those
whose every function call was seen; a change to any other file counts as module-level.

Where a code object is entered decides whom it is charged to:

- inside a test's run protocol (setup, call, teardown): that test;
- inside the setup of a fixture of a wider scope than the function: that fixture, and
  then every test whose fixture closure holds it (a session fixture runs once, but its
  body changing changes what all its users see);
- anywhere else (imports, collection, session hooks): *outside*, which cockpit treats as
  module-level, so a change to such a function falls back to the import graph.

At session end (each xdist worker its own) one JSON file is written next to the path the
environment names: the interned function table ``[file, qualname]``, the digest of each
file as this process read it, each test's function ids, the functions run outside tests,
and the tests that started a process (their map cannot be complete: cockpit selects them
as if unmapped).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Set, Tuple

import pytest

if TYPE_CHECKING:
    from cockpit.child.cockpit_call_rewrite import Rewriter
else:
    try:  # the child's folder is on PYTHONPATH: its modules load by their own names
        from cockpit_call_rewrite import Rewriter
    except ImportError:  # imported as cockpit.child.cockpit_call_map
        from cockpit.child.cockpit_call_rewrite import Rewriter

CALL_MAP_ENV = "COCKPIT_CALL_MAP"
FORMAT_VERSION = 1
_MONITORING_TOOL = 4  # sys.monitoring tool ids 0-5; 4 is not claimed by debuggers/coverage


SPAWNERS = (
    ("subprocess", "Popen", "_execute_child"),
    ("os", None, "fork"),
    ("os", None, "posix_spawn"),
    ("os", None, "posix_spawnp"),
    ("os", None, "system"),
    ("os", None, "execv"),
    ("os", None, "execve"),
)
"""Where a test starts another process (or replaces this one): code cockpit cannot trace."""


class SpawnWatch:
    """Wraps the process-starting functions to learn which tests started a process."""

    def __init__(self) -> None:
        self.spawned = False
        self.originals: List[Any] = []

    def install(self) -> None:
        for module_name, class_name, name in SPAWNERS:
            module = sys.modules.get(module_name) or __import__(module_name)
            owner = getattr(module, class_name) if class_name else module
            original = getattr(owner, name, None)
            if original is None:
                continue
            setattr(owner, name, self._wrap(original))
            self.originals.append((owner, name, original))

    def _wrap(self, original: Any) -> Any:
        watch = self

        def spawning(*args: Any, **kwargs: Any) -> Any:
            watch.spawned = True
            return original(*args, **kwargs)

        return spawning

    def uninstall(self) -> None:
        while self.originals:
            owner, name, original = self.originals.pop()
            setattr(owner, name, original)


class CallMap:
    """The recording sets, the tracer that fills them, and the side file they end in."""

    def __init__(self, root: str, out_path: str) -> None:
        self.root = os.path.realpath(root) + os.sep
        self.out_path = out_path
        self.excluded = tuple(
            os.path.realpath(prefix) + os.sep
            for prefix in {sys.prefix, sys.exec_prefix, sys.base_prefix}
        )
        self.outside: Set[Any] = set()
        self.current = self.outside
        self.function_ids: Dict[Any, int] = {}
        self.functions: List[List[str]] = []
        self.file_of: Dict[str, Optional[str]] = {}
        self.digests: Dict[str, str] = {}
        self.tests: Dict[str, List[int]] = {}
        self.fixture_codes: Dict[int, Set[Any]] = {}
        self.spawning_tests: List[str] = []
        self.collected: Dict[str, List[str]] = {}
        """Test file -> every test collected from it (before -k, -m, --deselect)."""
        self.test_files: Dict[str, str] = {}
        """Test file -> the digest of the content collected."""
        self.function_index: Dict[Tuple[str, str], int] = {}
        self.spawns = SpawnWatch()
        self.rewriter: Optional[Rewriter] = None
        self.installed = False
        self.registered = False

    # -- the tracer ----------------------------------------------------------------------
    def install(self) -> bool:
        """Start tracing (False before 3.11, or when the monitoring tool id is taken)."""
        if sys.hexversion < 0x030B0000:
            return False  # no co_qualname before 3.11: no map (selection stays coarse)
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            try:
                monitoring.use_tool_id(_MONITORING_TOOL, "cockpit-call-map")
            except ValueError:
                return False
            disable = monitoring.DISABLE

            def on_start(code: Any, offset: int) -> Any:
                self.current.add(code)
                return disable

            monitoring.register_callback(_MONITORING_TOOL, monitoring.events.PY_START, on_start)
            monitoring.set_events(_MONITORING_TOOL, monitoring.events.PY_START)
        else:
            self.rewriter = Rewriter(self._project_file, self.register, self.digests)
            self.rewriter.bind(self.current.add)
            self.rewriter.install()
        self.spawns.install()
        self.installed = True
        return True

    def uninstall(self) -> None:
        if not self.installed:
            return
        self.installed = False
        self.current = set()  # what still runs records into nothing
        self.spawns.uninstall()
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            monitoring.set_events(_MONITORING_TOOL, 0)
            monitoring.register_callback(_MONITORING_TOOL, monitoring.events.PY_START, None)
            monitoring.free_tool_id(_MONITORING_TOOL)
        elif self.rewriter is not None:
            self.rewriter.uninstall()

    def record_into(self, codes: Set[Any]) -> Set[Any]:
        """Charge what runs from now on to ``codes``; returns the set charged until now."""
        previous = self.current
        self.current = codes
        if self.rewriter is not None and self.installed:
            self.rewriter.bind(codes.add)
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None and self.installed:
            monitoring.restart_events()  # what was disabled for the last set counts again
        return previous

    def traced_files(self) -> List[str]:
        """The files every call of whose functions was seen."""
        if self.rewriter is not None:
            return sorted(set(self.rewriter.instrumented))
        found = set()
        for module in list(sys.modules.values()):
            relative = self._project_file(str(getattr(module, "__file__", None) or ""))
            if relative is not None:
                found.add(relative)
        return sorted(found)

    # -- attribution ---------------------------------------------------------------------
    def fixture_setup(self, fixturedef: Any) -> Any:
        """Around a fixture's setup: a wider-scoped fixture records into its own set."""
        if getattr(fixturedef, "scope", "function") == "function":
            return None
        codes: Set[Any] = set()
        self.fixture_codes[id(fixturedef)] = codes
        return self.record_into(codes)

    def fixture_done(self, fixturedef: Any, previous: Any) -> None:
        if previous is None:
            return
        codes = self.record_into(previous)
        previous.update(codes)

    def test_done(self, item: Any, codes: Set[Any]) -> None:
        """A test's protocol is over: keep the functions it and its fixtures entered."""
        info = getattr(item, "_fixtureinfo", None)
        for definitions in getattr(info, "name2fixturedefs", {}).values():
            for definition in definitions:
                extra = self.fixture_codes.get(id(definition))
                if extra:
                    codes |= extra
        if self.spawns.spawned:
            self.spawns.spawned = False
            self.spawning_tests.append(item.nodeid)
        self.tests[item.nodeid] = self._ids(codes)

    def _ids(self, codes: Set[Any]) -> List[int]:
        ids = []
        known = self.function_ids
        for code in list(codes):  # another thread may still be adding to it
            if type(code) is int:  # an instrumented function's id
                ids.append(code)
                continue
            fid = known.get(code)
            if fid is None:
                fid = self._intern(code)
            if fid >= 0:
                ids.append(fid)
        ids.sort()
        return ids

    def _intern(self, code: Any) -> int:
        """The function id of ``code``, or -1 when it is not a project function."""
        fid = -1
        relative = self._project_file(code.co_filename)
        qualname = getattr(code, "co_qualname", "")
        if relative is not None and qualname and not qualname.startswith("<"):
            fid = self.register(relative, qualname)
        self.function_ids[code] = fid
        return fid

    def register(self, relative: str, qualname: str) -> int:
        """The id of a function of the project (the side file's function table)."""
        key = (relative, qualname)
        fid = self.function_index.get(key)
        if fid is None:
            fid = self.function_index[key] = len(self.functions)
            self.functions.append([relative, qualname])
        return fid

    def _project_file(self, filename: str) -> Optional[str]:
        """The file relative to the project root, if it is the project's own source."""
        if filename in self.file_of:
            return self.file_of[filename]
        relative = None
        path = os.path.realpath(filename) if filename.endswith(".py") else ""
        if path.startswith(self.root) and not path.startswith(self.excluded):
            candidate = path[len(self.root) :].replace(os.sep, "/")
            parts = candidate.split("/")
            if "site-packages" not in parts and "dist-packages" not in parts:
                try:
                    with open(path, "rb") as source:
                        self.digests[candidate] = hashlib.sha256(source.read()).hexdigest()
                    relative = candidate
                except OSError:
                    relative = None
        self.file_of[filename] = relative
        return relative

    def collected_items(self, config: Any, items: List[Any]) -> None:
        """Remember each test file's tests, unless the run collected only part of it (the
        merge of every process's file tells which files ran whole)."""
        if getattr(config.option, "lf", False):
            return  # --lf collects only the files and tests that failed
        partial = set()
        for arg in getattr(config, "args", ()):
            if "::" in str(arg):
                partial.add(os.path.realpath(str(arg).split("::", 1)[0]))
        for item in items:
            path = str(getattr(item, "path", getattr(item, "fspath", "")))
            if os.path.realpath(path) in partial:
                continue
            test_file = item.nodeid.split("::", 1)[0]
            if test_file not in self.collected:
                try:  # the content its tests were collected from: known whole at this one
                    with open(path, "rb") as source:
                        self.test_files[test_file] = hashlib.sha256(source.read()).hexdigest()
                except OSError:
                    continue
            self.collected.setdefault(test_file, []).append(item.nodeid)

    # -- the side file -------------------------------------------------------------------
    def write(self, worker: str) -> None:
        outside = self._ids(self.outside)
        payload = {
            "version": FORMAT_VERSION,
            "python": sys.version.split()[0],
            "functions": self.functions,
            "files": self.digests,
            "tests": self.tests,
            "outside": outside,
            "spawning": self.spawning_tests,
            "collected": self.collected,
            "test_files": self.test_files,
            "traced_files": self.traced_files(),
        }
        path = "%s.%s.json" % (self.out_path, worker)
        temporary = path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(payload, out, separators=(",", ":"))
        os.replace(temporary, path)


class CallMapPlugin:
    """The pytest hooks that switch the recording set; registered by the cockpit plugin."""

    def __init__(self, call_map: CallMap, worker: str) -> None:
        self.call_map = call_map
        self.worker = worker

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> Any:
        codes: Set[Any] = set()
        previous = self.call_map.record_into(codes)
        try:
            yield
        finally:
            self.call_map.record_into(previous)
            self.call_map.test_done(item, codes)

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Any:
        previous = self.call_map.fixture_setup(fixturedef)
        try:
            yield
        finally:
            self.call_map.fixture_done(fixturedef, previous)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session: Any, config: Any, items: List[Any]) -> None:
        self.call_map.collected_items(config, items)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: Any) -> None:
        self.call_map.uninstall()
        with contextlib.suppress(OSError):  # no map: its tests stay selected as unmapped
            self.call_map.write(self.worker)


def start_call_map(root: str) -> List[CallMap]:
    """The call map of a traced run (``COCKPIT_CALL_MAP`` set), tracing from now on; called
    as the cockpit plugin registers, before conftests and test modules are imported."""
    path = os.environ.get(CALL_MAP_ENV)
    call_map = CallMap(root, path) if path else None
    return [call_map] if call_map is not None and call_map.install() else []


def register_call_map(config: Any, started: List[CallMap]) -> None:
    """Register the call map's hooks where tests run: alone, or in each xdist worker."""
    if not started or started[0].registered:
        return  # a pytest run nested in a test (pytester) records nothing of its own
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None and getattr(config.option, "dist", "no") != "no":
        started.pop().uninstall()  # a controller runs no test: its workers trace them
        return
    os.environ.pop(CALL_MAP_ENV, None)  # the processes tests start are not traced
    worker = str(workerinput.get("workerid", "gw")) if workerinput is not None else "main"
    started[0].registered = True
    config.pluginmanager.register(CallMapPlugin(started[0], worker), "cockpit-call-map")
