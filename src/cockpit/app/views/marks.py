"""The text marks of outcomes and module states. Colour only ever doubles a mark, so the
high-contrast theme and ``NO_COLOR`` lose nothing."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from cockpit.app.views.suite_overlay import ModuleAge
from cockpit.engine.state import ModuleTally

# outcome -> (mark, style); styles name theme variables through Textual's markup-free Text
OUTCOME_MARKS: dict[str, tuple[str, str]] = {
    "passed": ("✔", "green"),
    "failed": ("✘", "bold red"),
    "error": ("E", "bold red"),
    "crashed": ("☠", "bold red"),
    "skipped": ("s", "yellow"),
    "xfailed": ("x", "yellow"),
    "xpassed": ("X", "bold yellow"),
    "running": ("▶", "cyan"),
    "pending": ("·", "dim"),
    "collection error": ("‼", "bold red"),
    "conftest error": ("⊘", "bold red"),
    "plugin error": ("⊘", "bold red"),
}

MODULE_MARKS: dict[str, tuple[str, str]] = {
    "collection error": ("‼", "bold red"),
    "conftest error": ("⊘", "bold red"),
    "failing": ("✘", "bold red"),
    "running": ("▶", "cyan"),
    "partial": ("◐", "yellow"),
    "not run": ("·", "dim"),
    "passed": ("✔", "green"),
}


def outcome_mark(outcome: str) -> Text:
    mark, style = OUTCOME_MARKS.get(outcome, ("?", ""))
    return Text(mark, style=style)


def module_mark(status: str) -> Text:
    mark, style = MODULE_MARKS.get(status, ("?", ""))
    return Text(mark, style=style)


def count_cell(value: int, style: str) -> Text:
    """A count, styled only when it is not zero (zeros recede)."""
    return Text(str(value), style=style if value else "dim", justify="right")


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}s"
    if value < 600:
        return f"{value:.1f}s"
    minutes, secs = divmod(int(value), 60)
    return f"{minutes}m{secs:02d}s"


def age_label(age: ModuleAge, *, saves: bool = False) -> str:
    """``run 3`` (the run its results come from), or under watch ``2 saves ago``."""
    if saves:
        return f"{age.runs_ago} save{'s' if age.runs_ago != 1 else ''} ago"
    return f"run {age.run_id}"


def age_text(age: ModuleAge, *, saves: bool = False) -> Text:
    """`` · run 3``, then `` stale`` when a file it depends on changed since."""
    text = Text(f"{AGE_SEPARATOR}{age_label(age, saves=saves)}", style="dim")
    if age.stale:
        text.append(" stale", style="yellow")
    return text


AGE_SEPARATOR = " · "


def keeping_age(shorten: Callable[[str, int], str]) -> Callable[[str, int], str]:
    """A column's way of cutting a name that keeps its `` · run 3`` whole: the name gives
    way first (down to a few characters), then the whole text is cut as before."""

    def cut(text: str, width: int) -> str:
        name, separator, age = text.partition(AGE_SEPARATOR)
        suffix = separator + age
        if separator and width - len(suffix) >= 6:
            return shorten(name, width - len(suffix)) + suffix
        return shorten(text, width)

    return cut


def pass_rate(tally: ModuleTally) -> str:
    """The share of a module's tests that ran and did not fail, rounded down (so 100%
    means every one). Skipped tests did not run: they count neither way, so a module with
    skips and no failure reads 100%, as its ✔ says; an xfail is not a failure."""
    ran = tally.finished - tally.totals.skipped
    if ran <= 0:
        return "-"
    return f"{100 * max(0, ran - tally.totals.failing) // ran}%"
