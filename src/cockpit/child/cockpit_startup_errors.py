"""What stopped pytest before its session, as one event: a conftest or a plugin that could
not be imported (the plugin reports it; see ``pytest_load_initial_conftests`` there).

pytest's internals differ between versions (``ConftestImportFailure.cause`` since pytest
8, ``.excinfo`` before; pytest 9 raises ``PluginImportFailure``), so each is looked up
and the traceback falls back to Python's own format.

Runs in the user's interpreter: standard library and pytest only, Python 3.8 syntax.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

import pytest


def _frame_local(tb: Any, function: str, names: Any) -> Optional[str]:
    """The innermost value of the first local in ``names`` of a frame running ``function``
    (pytest's own ``import_plugin`` and ``_importconftest``), if the traceback has one."""
    found = None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == function:
            for name in names:
                if name in frame.f_locals:
                    found = str(frame.f_locals[name])
                    break
        tb = tb.tb_next
    return found


def _formatted(error: BaseException) -> str:
    """The traceback as pytest prints a conftest's failure (short, its own frames cut),
    else in Python's native style."""
    import traceback

    tb = error.__traceback__
    try:
        from _pytest import config as pytest_config
        from _pytest._code import ExceptionInfo

        keep = getattr(pytest_config, "filter_traceback_for_import_failure", None) or getattr(
            pytest_config, "filter_traceback_for_conftest_import_failure", None
        )
        if tb is not None and keep is not None:
            info = ExceptionInfo.from_exc_info((type(error), error, tb))
            info.traceback = info.traceback.filter(keep)
            if info.traceback:
                return str(info.getrepr(style="short", chain=False))
    except (ImportError, AttributeError, TypeError):  # another pytest: Python's own format
        pass
    return "".join(traceback.format_exception(type(error), error, tb))


def _cause(error: BaseException) -> Optional[BaseException]:
    """The error a conftest raised, inside pytest's ConftestImportFailure (``cause`` since
    pytest 8, ``excinfo`` before)."""
    cause = getattr(error, "cause", None)
    if isinstance(cause, BaseException):
        return cause
    excinfo = getattr(error, "excinfo", None)
    if isinstance(excinfo, tuple) and len(excinfo) == 3 and isinstance(excinfo[1], BaseException):
        return excinfo[1]
    return None


def startup_error_event(error: BaseException, config: Any = None) -> Dict[str, Any]:
    """What went wrong before the session could start, as one event."""
    name = type(error).__name__
    conftest = getattr(error, "path", None) if name == "ConftestImportFailure" else None
    tb = error.__traceback__
    plugin = _frame_local(tb, "import_plugin", ("modname", "importspec"))
    if name == "PluginImportFailure":  # pytest 9: raised from the plugin's own error
        plugin = str(error)
    if conftest is None:
        conftest = _frame_local(tb, "_importconftest", ("conftestpath", "path"))
    shown = _cause(error) if name == "ConftestImportFailure" else None
    if shown is None:
        shown = error
        wrapped = name == "PluginImportFailure" or "Error importing plugin" in str(error)
        if plugin is not None and wrapped and error.__cause__ is not None:
            shown = error.__cause__  # pytest's wrapper of the plugin's own error
    kind = "plugin" if plugin is not None else "conftest" if conftest is not None else "startup"
    rootdir = getattr(config, "rootpath", None) if config is not None else None
    return {
        "kind": "startup_error",
        "what": kind,
        "conftest": str(conftest) if conftest is not None else None,
        "plugin": plugin,
        "exception": type(shown).__name__,
        "message": str(shown),
        "longrepr": _formatted(shown),
        "rootdir": str(rootdir) if rootdir is not None else os.getcwd(),
        "pytest_version": pytest.__version__,
    }
