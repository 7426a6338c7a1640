"""The session's open known issues as the tables mark them: which tests each one names.
Pure, no Textual.

A known issue's tests carry the text mark ``K`` in every table (beside their outcome's
mark), the modules holding them too, and the root causes made of them; the header counts
the failures that are known. Colour only doubles the mark.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rich.text import Text

from cockpit.engine.state import module_of

KNOWN_MARK = ("K", "bold magenta")


def known_mark(known: bool) -> Text:
    """``K`` for a test (module, root cause) a known issue names, else a space."""
    return Text(KNOWN_MARK[0], style=KNOWN_MARK[1]) if known else Text(" ")


@dataclass(frozen=True, slots=True)
class KnownIssues:
    """The open known issues of the session: node id -> issue, and each issue's title."""

    issue_of: Mapping[str, int] = field(default_factory=dict)
    titles: Mapping[int, str] = field(default_factory=dict)
    modules: Counter[str] = field(default_factory=Counter)
    """How many of the named tests each module holds."""

    @classmethod
    def of(cls, issues: Iterable[tuple[int, str, Iterable[str]]]) -> KnownIssues:
        """From ``(id, title, tests)`` of the open issues (a test named twice: the first)."""
        issue_of: dict[str, int] = {}
        titles: dict[int, str] = {}
        for issue_id, title, tests in issues:
            titles[issue_id] = title
            for nodeid in tests:
                issue_of.setdefault(nodeid, issue_id)
        return cls(issue_of, titles, Counter(module_of(nodeid) for nodeid in issue_of))

    def __bool__(self) -> bool:
        return bool(self.issue_of)

    def __contains__(self, nodeid: object) -> bool:
        return nodeid in self.issue_of

    def in_module(self, module: str) -> int:
        return self.modules.get(module, 0)

    def named_in(self, nodeids: Iterable[str]) -> dict[int, int]:
        """Of these tests, how many each issue names (issue id -> count), by issue id."""
        counts = Counter(self.issue_of[n] for n in nodeids if n in self.issue_of)
        return dict(sorted(counts.items()))

    def describe(self, nodeid: str) -> str | None:
        """``known issue 2: Symbols are dropped from slugs``, for the detail pane."""
        issue_id = self.issue_of.get(nodeid)
        if issue_id is None:
            return None
        return f"known issue {issue_id}: {self.titles.get(issue_id, '')}"


NO_KNOWN_ISSUES = KnownIssues()
