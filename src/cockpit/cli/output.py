"""How the session-log commands print: rich tables for people, plain JSON for scripts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.console import Console


def console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def when(epoch: float | None) -> str:
    """A recorded time in the local zone, to the second ("-" when unknown)."""
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S") if epoch else "-"


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))
