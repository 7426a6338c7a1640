"""The warm server: pytest and the project's libraries imported once, a fresh fork per run.

Started by cockpit in the project's own interpreter (which may not have cockpit
installed) as ``python cockpit_warm_server.py CONTROL_FD PRELOAD_FILE PROJECT_ROOT``, with
this folder on ``PYTHONPATH`` like the plugin. It imports pytest, its builtin plugins,
cockpit's plugin and the third-party and standard-library modules earlier runs of the
project imported (the plugin lists them at session end), prints one JSON line saying how
that went, and waits on ``CONTROL_FD``: one end of a socket pair whose other end only the
cockpit that started it holds (no path anyone could connect to). When that end closes,
or the parent process is gone, the server exits.

It never imports project code: a finder placed first on ``sys.meta_path`` while
preloading refuses every module whose file lies under the project root, and every module
pytest would assert-rewrite (the packages of ``pytest11`` entry-point plugins), which
pytest would otherwise warn about as "already imported". A module that starts a thread
stops the preloading: a fork copies only the thread that forks, so the server reports
the module and exits, and cockpit preloads without it next time.

Each run: cockpit sends a JSON request (argv, cwd, environment) with its descriptors
attached (``SCM_RIGHTS``): a report socket, stdout, stderr, and the plugin's event,
notify and current-test descriptors. The server forks; the child leads a new session
(its own process group, so cancelling works as for a cold run), puts the descriptors in
place, replaces ``os.environ``, ``sys.argv`` and ``sys.path[0]`` as ``python -m pytest``
would have them, runs pytest and ends the way an interpreter ends (non-daemon threads
joined, ``atexit`` handlers run, output flushed) with ``os._exit``. The server writes the
child's pid on the report socket at once and its exit status (negative: the signal) when
it is reaped.

Runs in the user's interpreter: standard library only (pytest is imported, not required
at import time), Python 3.8 syntax; forking needs ``os.fork`` and ``socket.recv_fds``
(3.9+), and the server says so and exits where they are missing.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import warnings
from typing import Any, Dict, List, Optional, Tuple

HEADER = struct.Struct("!I")
MAX_FDS = 16
POLL_SECONDS = 1.0


def _say(message: Dict[str, Any]) -> None:
    """One JSON line on stdout (read by cockpit until the server is ready), then close it."""
    os.write(1, (json.dumps(message) + "\n").encode("utf-8"))


# -- preloading --------------------------------------------------------------------------
def _rewritten_packages() -> List[str]:
    """Top-level names pytest assert-rewrites: the files of pytest11 entry-point plugins."""
    try:
        import importlib.metadata as metadata
    except ImportError:  # Python 3.7: no preloading of plugins' packages at all
        return []
    try:
        from _pytest.config import _iter_rewritable_modules
    except ImportError:
        return []
    files = []  # type: List[str]
    for dist in metadata.distributions():
        try:
            groups = {entry.group for entry in dist.entry_points}
        except Exception:  # a broken distribution's metadata: pytest would skip it too
            continue
        if "pytest11" in groups:
            files.extend(str(path) for path in dist.files or [])
    return sorted(set(_iter_rewritable_modules(files)))


class _PreloadGuard:
    """A meta-path finder that refuses project code and assert-rewritten plugin modules."""

    def __init__(self, project_root: str, refused: List[str]) -> None:
        self.project_root = os.path.join(os.path.realpath(project_root), "")
        self.refused = refused

    def _refuses(self, name: str) -> bool:
        return any(name == top or name.startswith(top + ".") for top in self.refused)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if self._refuses(name):
            raise ImportError("cockpit warm server: %s is assert-rewritten by pytest" % name)
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is None:
                continue
            origin = getattr(spec, "origin", None) or ""
            locations = list(getattr(spec, "submodule_search_locations", None) or [])
            for place in [origin, *locations]:
                if place and os.path.realpath(place).startswith(self.project_root):
                    raise ImportError("cockpit warm server: %s is project code" % name)
            return None  # let the import machinery find it again and load it
        return None


def _warm_metadata() -> None:
    """Fill importlib.metadata's per-folder caches (keyed by mtime): every run reads them."""
    try:
        import importlib.metadata as metadata

        list(metadata.distributions())
    except Exception:  # only a cache: a run reads the metadata itself anyway
        return


def _freeze_heap() -> None:
    """Move what preloading made into the collector's permanent generation: a fork's
    garbage collections then never walk (and so never copy, page by page) the heap it
    shares with the server."""
    import gc

    gc.collect()
    if hasattr(gc, "freeze"):  # 3.7+
        gc.freeze()


def preload(names: List[str], project_root: str) -> Dict[str, Any]:
    """Import pytest and ``names``; what was loaded, skipped, or which module started a thread."""
    started = time.monotonic()
    import pytest
    from _pytest.config import default_plugins

    for plugin in default_plugins:
        with _quiet_import_errors():
            importlib.import_module("_pytest." + plugin)
    importlib.import_module("cockpit_pytest_plugin")  # cockpit's own: never project code

    guard = _PreloadGuard(project_root, _rewritten_packages())
    sys.meta_path.insert(0, guard)
    loaded, skipped = 0, []
    try:
        for name in names:
            if name in sys.modules:
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    importlib.import_module(name)
                    loaded += 1
                except BaseException as error:  # any failure: that module is just not warm
                    skipped.append("%s (%s)" % (name, type(error).__name__))
            refusal = _refusal(name, caught)
            if refusal is not None:
                return refusal
    finally:
        sys.meta_path.remove(guard)
    _warm_metadata()
    _freeze_heap()
    return {
        "ok": True,
        "pytest": pytest.__version__,
        "preloaded": loaded,
        "skipped": skipped[:50],
        "modules": len(sys.modules),
        "seconds": round(time.monotonic() - started, 3),
        "sys_path": list(sys.path),
    }


def _refusal(name: str, caught: List[Any]) -> Optional[Dict[str, Any]]:
    """Why importing ``name`` here would change what a run sees, if it would.

    A thread: a fork copies only the thread that forks. A warning: in a cold run pytest
    would see it (and count it, or fail on it under ``-W error``) while the test imports.
    """
    if threading.active_count() > 1:
        threads = ", ".join(thread.name for thread in threading.enumerate()[1:])
        return {"ok": False, "refuse": name, "why": "starts a thread when imported (%s)" % threads}
    if caught:
        first = caught[0]
        what = "%s: %s" % (first.category.__name__, str(first.message).splitlines()[0][:120])
        return {"ok": False, "refuse": name, "why": "warns when imported (%s)" % what}
    return None


class _quiet_import_errors:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> bool:
        return kind is not None and issubclass(kind, ImportError)


# -- serving -----------------------------------------------------------------------------
def _receive(control: socket.socket) -> Optional[Tuple[Dict[str, Any], List[int]]]:
    """One request and its descriptors; None when cockpit closed its end."""
    data, fds, _flags, _address = socket.recv_fds(control, 1 << 16, MAX_FDS)
    if not data:
        for fd in fds:
            os.close(fd)
        return None
    while len(data) < HEADER.size:
        more = control.recv(HEADER.size - len(data))
        if not more:
            return None
        data += more
    (length,) = HEADER.unpack(data[: HEADER.size])
    body = data[HEADER.size :]
    while len(body) < length:
        more = control.recv(length - len(body))
        if not more:
            return None
        body += more
    return json.loads(body.decode("utf-8")), list(fds)


def _reply(report: socket.socket, message: Dict[str, Any]) -> None:
    # OSError: cockpit stopped listening for this run; it is cancelling it anyway.
    with contextlib.suppress(OSError):
        report.sendall((json.dumps(message) + "\n").encode("utf-8"))


class Server:
    def __init__(self, control: socket.socket) -> None:
        self.control = control
        self.parent = os.getppid()
        self.reports = {}  # type: Dict[int, socket.socket]
        self.wakeup_read, self.wakeup_write = os.pipe()
        os.set_blocking(self.wakeup_write, False)
        signal.set_wakeup_fd(self.wakeup_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)

    def serve(self) -> None:
        while True:
            watched = [self.control.fileno(), self.wakeup_read]
            ready, _, _ = select.select(watched, [], [], POLL_SECONDS)
            if self.wakeup_read in ready:
                os.read(self.wakeup_read, 4096)
            self._reap()
            if os.getppid() != self.parent:
                return  # cockpit is gone (its end may live on in a process it forked)
            if self.control.fileno() in ready:
                try:
                    received = _receive(self.control)
                except (OSError, ValueError):
                    return
                if received is None:
                    return
                self._start(*received)

    def _reap(self) -> None:
        while self.reports:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            report = self.reports.pop(pid, None)
            if report is None:
                continue
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            _reply(report, {"exit": code})
            report.close()

    def _start(self, request: Dict[str, Any], fds: List[int]) -> None:
        names = request.get("fds", [])
        if len(names) != len(fds) or "report" not in names:
            for fd in fds:
                os.close(fd)
            return
        named = {name: fds[index] for index, name in enumerate(names)}
        report = socket.socket(fileno=named.pop("report"))
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as error:
            _reply(report, {"error": "fork failed: %s" % error})
            report.close()
            for fd in named.values():
                os.close(fd)
            return
        if pid == 0:
            sockets = [self.control, report, *self.reports.values()]
            inherited = [sock.detach() for sock in sockets]  # closed below, never twice
            _run_child(request, named, [*inherited, self.wakeup_read, self.wakeup_write])
        for fd in named.values():
            os.close(fd)
        self.reports[pid] = report
        _wait_for_own_group(pid)
        _reply(report, {"pid": pid})


def _wait_for_own_group(pid: int) -> None:
    """Until the child leads its own process group: cockpit may signal the group at once."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        try:
            if os.getpgid(pid) == pid:
                return
        except OSError:
            return  # already gone (and reaped soon): nothing to signal
        time.sleep(0.0002)


# -- the forked child ----------------------------------------------------------------------
def _run_child(request: Dict[str, Any], fds: Dict[str, int], inherited: List[int]) -> None:
    code = 1
    try:
        os.setsid()
        signal.set_wakeup_fd(-1)
        for fd in inherited:
            with contextlib.suppress(OSError):
                os.close(fd)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _take_descriptors(fds)
        _become_the_run(request, fds)
        code = _run_pytest()
    except BaseException:  # the way an interpreter reports what escaped its main module
        import traceback

        traceback.print_exc()
    _end_like_an_interpreter(code)


def _take_descriptors(fds: Dict[str, int]) -> None:
    stdin = os.open(os.devnull, os.O_RDONLY)
    os.dup2(stdin, 0)
    os.close(stdin)
    for name, target in (("stdout", 1), ("stderr", 2)):
        fd = fds.pop(name, None)
        if fd is not None:
            os.dup2(fd, target)
            os.close(fd)
    for fd in fds.values():
        os.set_inheritable(fd, True)  # as ``pass_fds`` leaves them in a cold child


def _become_the_run(request: Dict[str, Any], fds: Dict[str, int]) -> None:
    os.chdir(request["cwd"])
    environ = dict(request["env"])
    for name, fd in fds.items():
        environ[name] = str(fd)  # the numbers the descriptors have here, not in cockpit
    os.environ.clear()
    os.environ.update(environ)
    import pytest

    main_path = os.path.join(os.path.dirname(pytest.__file__), "__main__.py")
    sys.argv = [main_path, *request["args"]]
    sys.path[0] = os.getcwd()  # ``python -m pytest`` puts the working folder first
    main = type(sys)("__main__")
    main.__file__ = main_path
    sys.modules["__main__"] = main


def _run_pytest() -> int:
    import pytest

    try:
        return int(pytest.console_main())
    except SystemExit as exit_:
        if exit_.code is None or isinstance(exit_.code, int):
            return exit_.code or 0
        print(exit_.code, file=sys.stderr)
        return 1


def _end_like_an_interpreter(code: int) -> None:
    try:
        shutdown = getattr(threading, "_shutdown", None)
        if shutdown is not None:
            shutdown()  # join non-daemon threads, as interpreter exit does
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except BaseException:
        pass
    os._exit(code)


def main(argv: List[str]) -> int:
    control_fd, preload_file, project_root = int(argv[1]), argv[2], argv[3]
    if not hasattr(os, "fork") or not hasattr(socket, "recv_fds"):
        _say({"ok": False, "why": "this Python cannot fork a warm run (needs os.fork, 3.9+)"})
        return 0
    control = socket.socket(fileno=control_fd)
    names = []  # type: List[str]
    if preload_file != "-":
        try:
            with open(preload_file, encoding="utf-8") as handle:
                names = [str(name) for name in json.load(handle).get("modules", [])]
        except (OSError, ValueError, AttributeError):
            names = []
    try:
        report = preload(names, project_root)
    except BaseException as error:
        _say({"ok": False, "why": "preloading failed: %s: %s" % (type(error).__name__, error)})
        return 0
    report["pid"] = os.getpid()
    _say(report)
    if not report["ok"]:
        return 0
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # cockpit stopped reading: nothing more goes there
    os.close(devnull)
    Server(control).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
