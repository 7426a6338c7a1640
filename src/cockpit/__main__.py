"""``python -m cockpit``: the same as the ``cockpit`` console script."""

from cockpit.cli.main import console_main

console_main()
