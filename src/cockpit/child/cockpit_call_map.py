"""What each test executes, at function granularity: the map behind precise selection.

Loaded into the child by the plugin when cockpit asks for a traced run
(``COCKPIT_CALL_MAP`` names the side file). Standard library and pytest only, Python 3.8
syntax; on Python older than 3.11 (no ``co_qualname``) nothing is traced.

The tracer records the *code objects a test entered*, never lines: on Python 3.12+ with
``sys.monitoring`` (``PY_START``, each code object disabled after its first hit and
re-enabled when the recording set changes); on 3.11 with the C profiler of ``cProfile``
(``_lsprof``, builtins off), read and cleared whenever the recording set changes: a
Python-level hook (``sys.settrace``, ``sys.setprofile``) costs each call about 0.27 us,
the C profiler about 0.16 us (measured on this machine). Threads a test starts are seen
by a Python-level ``threading.setprofile`` hook, the C profiler seeing one thread.

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
and the tests that started a subprocess (their map cannot be complete: cockpit selects
them as if unmapped).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
from typing import Any, Dict, List, Optional, Set

import pytest

CALL_MAP_ENV = "COCKPIT_CALL_MAP"
FORMAT_VERSION = 1
_MONITORING_TOOL = 4  # sys.monitoring tool ids 0-5; 4 is not claimed by debuggers/coverage


def _spawning_codes() -> Set[Any]:
    """Code objects whose entry means the test started another process."""
    codes: Set[Any] = set()
    try:
        import subprocess

        codes.add(subprocess.Popen._execute_child.__code__)  # type: ignore[attr-defined]
    except AttributeError:
        pass
    try:
        import multiprocessing.process

        codes.add(multiprocessing.process.BaseProcess.start.__code__)
    except (ImportError, AttributeError):
        pass
    for name in ("_execvpe", "spawnv", "spawnve", "spawnvp", "spawnvpe", "popen"):
        function = getattr(os, name, None)
        code = getattr(function, "__code__", None)
        if code is not None:
            codes.add(code)
    return codes


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
        self.spawning = _spawning_codes()
        self.installed = False
        self.profiler: Any = None
        self.registered = False
        self.disturbed = False

    # -- the tracer ----------------------------------------------------------------------
    def install(self) -> bool:
        """Start tracing (False when another tracer is active: a debugger, coverage)."""
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
            if sys.getprofile() is not None:
                return False  # another profiler: ours would replace it
            import _lsprof

            self.profiler = _lsprof.Profiler(builtins=False)
            self.profiler.enable()
            threading.setprofile(self._on_thread_event)
        self.installed = True
        return True

    def _on_thread_event(self, frame: Any, event: str, arg: Any) -> None:
        """Threads the tests start: a Python hook (the C profiler sees one thread)."""
        if event == "call":
            self.current.add(frame.f_code)

    def _flush(self) -> None:
        """Move what the C profiler saw since the last flush into the current set."""
        profiler = self.profiler
        if profiler is None or not self.installed:
            return
        profiler.disable()
        if sys.getprofile() is not None:
            self.disturbed = True  # a test set its own profiler: what ran since is unknown
        for entry in profiler.getstats():
            code = entry.code
            if not isinstance(code, str):
                self.current.add(code)
        profiler.clear()
        profiler.enable()

    def uninstall(self) -> None:
        if not self.installed:
            return
        self._flush()
        self.installed = False
        self.current = set()  # threads that inherited the tracer record into nothing
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            monitoring.set_events(_MONITORING_TOOL, 0)
            monitoring.register_callback(_MONITORING_TOOL, monitoring.events.PY_START, None)
            monitoring.free_tool_id(_MONITORING_TOOL)
        elif self.profiler is not None:
            self.profiler.disable()
            threading.setprofile(None)

    def record_into(self, codes: Set[Any]) -> Set[Any]:
        """Charge what runs from now on to ``codes``; returns the set charged until now."""
        self._flush()
        previous = self.current
        self.current = codes
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None and self.installed:
            monitoring.restart_events()  # what was disabled for the last set counts again
        return previous

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
        if self.disturbed or codes & self.spawning:
            self.disturbed = False
            self.spawning_tests.append(item.nodeid)
        self.tests[item.nodeid] = self._ids(codes)

    def _ids(self, codes: Set[Any]) -> List[int]:
        ids = []
        known = self.function_ids
        for code in list(codes):  # another thread may still be adding to it
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
            fid = len(self.functions)
            self.functions.append([relative, qualname])
        self.function_ids[code] = fid
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
            self.collected.setdefault(item.nodeid.split("::", 1)[0], []).append(item.nodeid)

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
