"""Importing pytest's own machine-readable results (JUnit XML, report-logs) as recorded runs.

Between the store (which it writes through) and the session layer: one module per format
(``junit``, ``reportlog``) turning a file into the events a live run sends, pure helpers for
node ids (``nodeids``) and failure text (``text``), and ``record``, which merges the files
into one run of the session log in one transaction.
"""
