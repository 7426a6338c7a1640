"""The command line: one module per command group, the headless view, shared parsing."""
