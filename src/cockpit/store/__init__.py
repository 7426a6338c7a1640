"""The session log: every run, result, fix and known issue, kept in a SQL database."""
