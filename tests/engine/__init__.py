"""Tests of the run engine: the command, the event stream, the runner, the state."""
