"""When a run records the call map, and taking in what its processes wrote.

Precise selection needs to know what each test executes; tracing it costs the run
(``bench/bench_call_map.py`` measures how much). A run is traced when it is recorded, the
user did not say ``--no-trace`` (or ``COCKPIT_TRACE=0``), it was not started from a
selection (watch's and the app's affected-test reruns run untraced: their point is
speed), no debugger is asked for, and the map is not already current for it: the
project's sources changed since the last traced run of the same arguments (their
fingerprint is kept in ``.cockpit/call-map-fresh.json``). So the first run of a session
builds the map, a run after edits refreshes the tests it runs, and a repeat of the same
run on the same code pays nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.settings import DATA_DIR_NAME
from cockpit.store.sources import source_digest

if TYPE_CHECKING:
    from cockpit.store.call_map import CallMapStore

TRACE_ENV = "COCKPIT_TRACE"
FRESH_FILE = "call-map-fresh.json"
MAP_DIR = "call-map"
_DEBUGGERS = ("--pdb", "--trace", "--pdbcls")
"""A debugger would replace (or be replaced by) the tracer."""
MAX_FRESH_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class TracePlan:
    """A traced run's side files (``prefix`` + worker + ``.json``) and its code's state."""

    root: Path
    folder: Path
    sources: str
    args_key: str

    @property
    def prefix(self) -> Path:
        return self.folder / "map"


def _fresh_path(root: Path) -> Path:
    return root / DATA_DIR_NAME / FRESH_FILE


def _read_fresh(root: Path) -> dict[str, str]:
    try:
        data = json.loads(_fresh_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def plan_trace(root: Path, args: Sequence[str], *, wanted: bool = True) -> TracePlan | None:
    """The plan for a traced run of ``args``, or None when it should run untraced."""
    if not wanted or os.environ.get(TRACE_ENV, "1") == "0":
        return None
    if any(arg.split("=", 1)[0] in _DEBUGGERS for arg in args):
        return None
    data_dir = root / DATA_DIR_NAME
    if not data_dir.is_dir():
        return None
    sources = source_digest(root)
    args_key = "\0".join(args)
    if _read_fresh(root).get(args_key) == sources:
        return None  # the same run on the same code was traced: its map is current
    try:
        (data_dir / MAP_DIR).mkdir(exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="run-", dir=data_dir / MAP_DIR))
    except OSError:
        return None
    return TracePlan(root, folder, sources, args_key)


def read_side_files(plan: TracePlan) -> list[dict[str, Any]]:
    """What the run's processes wrote (a process that died wrote nothing)."""
    found: list[dict[str, Any]] = []
    for path in sorted(plan.folder.glob("map.*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # half a file: that process's tests stay as the map had them
        if isinstance(data, dict) and data.get("version") == 1:
            found.append(data)
    return found


def take_in(plan: TracePlan, log: CallMapStore, run_id: int, complete: bool) -> int:
    """Store the run's map (blocking: in a thread); the tests stored. ``complete``: the run
    ended by itself, so its map is current for its arguments from now on."""
    try:
        sides = read_side_files(plan)
        stored = log.record_call_map(run_id, sides) if sides else 0
        if sides and complete:
            fresh = _read_fresh(plan.root)
            fresh.pop(plan.args_key, None)
            fresh[plan.args_key] = plan.sources
            kept = dict(list(fresh.items())[-MAX_FRESH_ENTRIES:])
            with contextlib.suppress(OSError):
                _fresh_path(plan.root).write_text(json.dumps(kept), encoding="utf-8")
        return stored
    finally:
        discard(plan)


def discard(plan: TracePlan) -> None:
    shutil.rmtree(plan.folder, ignore_errors=True)
