"""The pytest command line cockpit runs: the user's arguments plus what cockpit needs.

Pure: no process is started here, so every rule is unit-tested on argument lists. Kept
light (NamedTuples, no ``dataclasses``): ``cockpit run`` builds its command before it
starts pytest, and everything imported before that start is added to the run's wall time.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from cockpit.engine.pytest_args import arguments

PLUGIN_MODULE = "cockpit_pytest_plugin"
PLUGIN_DIR = Path(__file__).resolve().parent.parent / "child"

EVENT_FD_ENV = "COCKPIT_EVENT_FD"
NOTIFY_FD_ENV = "COCKPIT_NOTIFY_FD"
CURRENT_FD_ENV = "COCKPIT_CURRENT_FD"
TOKEN_ENV = "COCKPIT_EVENT_TOKEN"
CALL_MAP_ENV = "COCKPIT_CALL_MAP"
"""The prefix of a traced run's side files (the child's ``cockpit_call_map``)."""


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment every pytest child gets, before its run's own descriptors: the
    plugin's folder first on ``PYTHONPATH``, and faulthandler on (crash tracebacks)."""
    env = dict(os.environ if base is None else base)
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PLUGIN_DIR), existing]))
    env.setdefault("PYTHONFAULTHANDLER", "1")
    return env


# With any of these the user wants pytest to stop early: do not force collection onward.
_STOP_EARLY = ("-x", "--exitfirst", "--maxfail", "--sw", "--stepwise", "--sw-skip")
# These print through pytest's terminal reporter (or need it): keep the reporter for them.
_NEEDS_TERMINAL = (
    "--fixtures",
    "--funcargs",
    "--fixtures-per-test",
    "--markers",
    "--setup-show",
    "--setup-only",
    "--setup-plan",
    "--pdb",
    "--trace",
    "--cache-show",
    "-h",
    "--help",
    "-V",
    "--version",
)


def _has_flag(args: Sequence[str], names: Sequence[str]) -> bool:
    for arg in args:
        if arg == "--":
            return False
        for name in names:
            if arg == name or (name.startswith("--") and arg.startswith(name + "=")):
                return True
    return False


def _ini_overridden(args: Sequence[str], key: str) -> bool:
    for index, arg in enumerate(args):
        value = None
        if arg in ("-o", "--override-ini") and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--override-ini="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-o") and len(arg) > 2:
            value = arg[2:]
        if value is not None and value.strip().startswith(key + "="):
            return True
    return False


def _plugin_disabled(args: Sequence[str], name: str) -> bool:
    return any(
        (arg == "-p" and index + 1 < len(args) and args[index + 1] == f"no:{name}")
        or arg == f"-pno:{name}"
        for index, arg in enumerate(args)
    )


class PytestCommand(NamedTuple):
    argv: tuple[str, ...]
    quiet_terminal: bool
    added_args: tuple[str, ...] = ()


def build_command(
    interpreter: Path,
    pytest_args: Sequence[str],
    *,
    cache_dir: Path | None,
    keep_terminal: bool = False,
) -> PytestCommand:
    """The argv that runs ``pytest_args`` under ``interpreter`` with cockpit's plugin."""
    user_args = list(pytest_args)
    added: list[str] = []
    if not _has_flag(user_args, ("--continue-on-collection-errors", *_STOP_EARLY)):
        added.append("--continue-on-collection-errors")
    if (
        cache_dir is not None
        and not _ini_overridden(user_args, "cache_dir")
        and not _plugin_disabled(user_args, "cacheprovider")
    ):
        added += ["-o", f"cache_dir={cache_dir}"]
    quiet = not keep_terminal and not _has_flag(user_args, _NEEDS_TERMINAL)
    argv = (str(interpreter), "-m", "pytest", "-p", PLUGIN_MODULE, *added, *user_args)
    return PytestCommand(argv=argv, quiet_terminal=quiet, added_args=tuple(added))


# Arguments that narrow a run to a subset of the suite (their values follow them).
_NARROWING_WITH_VALUE = ("-k", "-m", "--deselect", "--ignore", "--ignore-glob")
_NARROWING_FLAGS = ("--lf", "--last-failed", "--ff", "--sw", "--stepwise", "-x", "--exitfirst")


def selection_of(pytest_args: Sequence[str]) -> tuple[bool, str]:
    """Whether ``pytest_args`` run the whole suite, and a sentence saying what they select.

    Any path or node id, ``-k``, ``-m``, ``--deselect``, ``--ignore``, ``--lf``, stepwise or
    stop-at-first-failure makes a subset: a subset run is never read as the whole suite.
    """
    narrowing: list[str] = []
    for arg, value in arguments(pytest_args):
        name = arg.split("=", 1)[0]
        if value is not None and arg in _NARROWING_WITH_VALUE:
            narrowing.append(f"{arg} {shlex.quote(value)}")
        elif (
            name in _NARROWING_WITH_VALUE
            or name in _NARROWING_FLAGS
            or name.startswith("--maxfail")
            or any(arg.startswith(short) and len(arg) > 2 for short in ("-k", "-m"))
            or not arg.startswith("-")  # a path or node id
        ):
            narrowing.append(arg)
    if not narrowing:
        return True, "the whole suite"
    return False, "subset: " + " ".join(narrowing)
