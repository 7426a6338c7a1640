"""End-to-end tests of the command line on small real projects."""
