"""How the session-log commands print: rich tables for people, plain JSON for scripts."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported for tables only: --json answers without it
    from rich.console import Console


def console() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def when(epoch: float | None) -> str:
    """A recorded time in the local zone, to the second ("-" when unknown)."""
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch)) if epoch else "-"


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))
