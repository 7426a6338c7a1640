"""The actions that reach outside the app: the editor, the clipboard, watch mode, and the
app's own help, theme and command palette."""

from __future__ import annotations

import asyncio
import os
import shlex
import subprocess
from collections.abc import Iterable
from pathlib import Path

from textual import work
from textual.app import SuspendNotSupported, SystemCommand
from textual.screen import Screen
from textual.widgets import TabbedContent

from cockpit.app.core import CockpitCore
from cockpit.app.keys import KEY_NAMES, KEYS, key_help
from cockpit.app.screens.help import HelpScreen
from cockpit.app.widgets.clusters_panel import ClustersPanel
from cockpit.app.widgets.failure_detail import FailureDetailView
from cockpit.errors import CockpitError
from cockpit.session.recorded_run import RunPlan
from cockpit.settings import Settings


class OutwardActions(CockpitCore):
    """The editor, the clipboard, watch mode, help, themes and the palette."""

    # -- outward -----------------------------------------------------------------------
    def action_copy_nodeid(self) -> None:
        nodeid = self._selected_nodeid()
        if nodeid is None:
            self.notify("nothing selected to copy", severity="warning")
            return
        self.copy_to_clipboard(nodeid)
        self.notify(f"copied {nodeid}")

    def action_edit(self) -> None:
        location = self._failure_location()
        if location is None:
            self.notify("no failure location for the selection", severity="warning")
            return
        if self.is_web:  # cockpit serve: the app's output is the page's stream, no terminal
            path, line = location
            where = f"{path}:{line}" if line else str(path)
            self.notify(f"{where}: open it in your editor (the browser has no terminal for one)")
            return
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
        if not editor:
            self.notify("set $EDITOR (e.g. export EDITOR=vim) to open files", severity="error")
            return
        path, line = location
        command = [*shlex.split(editor), *([f"+{line}"] if line else []), str(path)]
        try:
            with self.suspend():
                subprocess.run(command, cwd=self.workspace.project.folder, check=False)
        except SuspendNotSupported:  # no terminal to hand over (a headless driver)
            subprocess.run(
                command, cwd=self.workspace.project.folder, check=False, stdin=subprocess.DEVNULL
            )

    def _failure_location(self) -> tuple[Path, int | None] | None:
        """The first existing file among: the root cause's fix location, the crash line."""
        view = self.view
        nodeid = self.query_one(FailureDetailView).shown
        candidates: list[str | None] = []
        if self.query_one(TabbedContent).active == "clusters-tab":
            cluster = self.query_one(ClustersPanel).selected
            candidates.append(cluster.location if cluster else None)
        elif view is not None and nodeid is not None:
            found = view.cluster_of(nodeid)
            candidates.append(found.location if found else None)
            record = view.record(nodeid)
            crash = record.failure.crash if record and record.failure else None
            if crash is not None:
                candidates.append(f"{crash.path}:{crash.lineno}" if crash.lineno else crash.path)
        rootdir = Path(view.rootdir) if view and view.rootdir else self.workspace.project.folder
        for text in candidates:
            if not text:
                continue
            path_text, _, line_text = text.rpartition(":")
            if not path_text or not line_text.isdigit():
                path_text, line_text = text, ""
            path = Path(path_text)
            path = path if path.is_absolute() else rootdir / path
            if path.is_file():
                return path, int(line_text) if line_text else None
        return None

    def action_help(self) -> None:
        self.push_screen(HelpScreen(key_help()))

    def action_cycle_theme(self) -> None:
        names = [files.name for files in self.theme_files]
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]
        Settings(theme=self.theme).save()
        self.notify(f"theme: {self.theme}", timeout=2)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action of the key table in the command palette too."""
        for key in KEYS:
            if key.action and "(" not in key.action:
                title = key.description[0].upper() + key.description[1:]
                if key.action == "toggle_watch":
                    title = "Watch: on -> off" if self.watching else "Watch: off -> on"
                yield SystemCommand(
                    title,
                    f"key: {KEY_NAMES.get(key.key, key.key)}",
                    getattr(self, f"action_{key.action}"),
                )

    # -- watch -------------------------------------------------------------------------
    def action_toggle_watch(self) -> None:
        if self.watching:
            for worker in self.workers:
                if worker.group == "watch":
                    worker.cancel()
            self.watching = False
            self.notify("watch off")
            self._header()
            return
        self.watching = True
        self._header()
        self._watch()

    @work(exclusive=True, group="watch")
    async def _watch(self) -> None:
        """Each burst of saves selects the tests it can affect and runs them (a run going is
        cancelled and the next one runs both selections)."""
        from cockpit.watch import AffectedSelector, Selection, watch_changes

        root = self.workspace.project.root
        try:
            log = self.workspace.log
            selector = await asyncio.to_thread(
                AffectedSelector, root, call_map=(lambda: log) if log is not None else None
            )
        except CockpitError as error:  # e.g. a [tool.cockpit.watch] table it cannot read
            self.watching = False
            self._header()
            self.notify(f"cannot watch: {error}", severity="error", timeout=10)
            return
        ready = asyncio.Event()
        ready_notice = asyncio.create_task(self._say_watching(ready))
        running: Selection | None = None
        try:
            async for changed in watch_changes(root, ready=ready):
                # A new package, a deleted one or a changed pyproject.toml rebuilds the whole
                # import graph: in a thread, so the screen keeps answering its keys.
                selection = await asyncio.to_thread(selector.select, changed, self._failing_now())
                if selection.is_empty:
                    self.notify(selection.summary, timeout=3)
                    continue
                if self.active is not None and running is not None:
                    selection = running.union(selection)
                running = selection
                plan = RunPlan(selection.pytest_args, f"watch: {selection.summary}", traced=False)
                self.start_run(plan)
        finally:
            ready_notice.cancel()
            self.watching = False

    async def _say_watching(self, ready: asyncio.Event) -> None:
        """Only once the watch is in place: a save after the notice is never missed."""
        await ready.wait()
        self.notify("watching: a save reruns the tests it can affect", timeout=3)

    def _failing_now(self) -> list[str]:
        view = self.view
        return list(view.state.failures) if view is not None else []
