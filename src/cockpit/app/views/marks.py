"""The text marks of outcomes and module states. Colour only ever doubles a mark, so the
high-contrast theme and ``NO_COLOR`` lose nothing."""

from __future__ import annotations

from rich.text import Text

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
