"""The session picture: every test of the suite with its latest result in the session.

A run updates only the tests it ran; the others keep the result of the run that last ran
them. ``model`` holds the records, ``merge`` folds runs into a picture (pure), ``read``
reads one out of the session log on the quickest path (the standard ``sqlite3`` driver on
a current SQLite log, SQLAlchemy's engine elsewhere). Both fronts and the export build on
it; staleness (which files changed since a module's run) needs the import graph and is
added above, in :mod:`cockpit.session`.
"""
