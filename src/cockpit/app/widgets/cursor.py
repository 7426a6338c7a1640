"""The row under a DataTable's cursor, by key: what the root-cause table calls "selected".

(The module and test tables are ``RowTable``s, which know their ``cursor_key``.)"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist


def key_at_cursor(table: DataTable[Any]) -> str | None:
    """The key of the highlighted row; None for an empty table."""
    if not table.row_count:
        return None
    try:
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
    except CellDoesNotExist:
        return None
    return str(key.value) if key.value is not None else None
