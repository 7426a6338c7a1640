"""Watch mode: which tests a change can affect, and the loop that reruns them on save.

Data flow: ``watcher`` (file events, filtered, one set per burst) -> ``affected`` (the
import ``graph`` kept current, ``scan`` per file) -> ``selection`` (pure rules, a reason per
target) -> ``loop`` (cancel and union) -> the runner. No Textual here; the app and the CLI
(``cockpit.cli.watch``) are fronts on it.

The app's entry points::

    selector = AffectedSelector(root)
    selection = selector.select(changed_paths, last_failed=nodeids)
    selection.pytest_args, selection.reasons, selection.everything, selection.summary
    async for changed in watch_changes(root): ...   # cancel the task to stop
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cockpit.watch.affected import AffectedSelector, read_last_failed
from cockpit.watch.selection import Selection, Target

if TYPE_CHECKING:
    from cockpit.watch.watcher import watch_changes

__all__ = ["AffectedSelector", "Selection", "Target", "read_last_failed", "watch_changes"]


def __getattr__(name: str) -> Any:
    # watchfiles is only loaded by what watches: `cockpit affected` never needs it.
    if name == "watch_changes":
        from cockpit.watch.watcher import watch_changes

        return watch_changes
    raise AttributeError(name)
