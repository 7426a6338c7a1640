"""The run engine: the pytest command, the interpreter, the event stream, the runner and the
live state of a run. No terminal, no database."""
