"""The session summary: read from the session log (``collect``), rendered as Markdown or JSON.

Nothing here imports Textual, rich or (on a SQLite log) SQLAlchemy: the summary of a
50,000-result session has to be about as quick as the command line's own start-up.
"""

from __future__ import annotations


def default_file_name(session_id: int, file_format: str = "md") -> str:
    """The file ``cockpit export`` writes in the project folder when no ``-o`` is given."""
    return f"cockpit-session-{session_id}.{file_format}"
