"""The session summary: read from the session log (``collect``), rendered as Markdown or JSON.

Nothing here imports Textual, rich or (on a SQLite log) SQLAlchemy: the summary of a
50,000-result session has to be about as quick as the command line's own start-up.
"""
