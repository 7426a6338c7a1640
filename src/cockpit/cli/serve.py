"""``cockpit serve``: the app in a browser, one real ``cockpit`` app process per tab.

Built on textual-serve, Textual's own web server: each websocket (a browser tab) starts a
``cockpit app`` process under Textual's web driver and relays its screen and keys. Whoever
can open the page can run the project's code, so the server listens on 127.0.0.1 by
default and every URL carries a secret token (``http://127.0.0.1:8000/<token>/``): a
request without it, the websocket's included, gets 403. ``--no-token`` is allowed on a
loopback address only; a remote box is reached through an SSH port forward.

Closing a tab ends its app as ``ctrl+q`` would (a run going is cancelled, its pytest
process group ended, and recorded as interrupted); an app that does not end in time is
killed with its process group. Stopping the server (Ctrl+C, SIGTERM) ends every app.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import shlex
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cockpit.cli.parsing import (
    CliError,
    Parser,
    add_app_options,
    add_store_options,
    resolve_project,
    split_at_dashes,
)

QUIT_GRACE = 10.0
"""Seconds an app gets to end by itself (cancelling its run) before it is killed."""
DEFAULT_PORT = 8000


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other name may resolve to an outside address


def page_url(host: str, port: int, token: str | None) -> str:
    """The URL to open: a wildcard bind is shown with this machine's name."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/{token + '/' if token else ''}"


def app_command(argv: Sequence[str]) -> str:
    """The shell command textual-serve runs per tab (``exec``: the app is the process)."""
    return "exec " + shlex.join([sys.executable, "-m", "cockpit", "app", *argv])


def _parser() -> Parser:
    parser = Parser(
        prog="cockpit serve",
        description="Serve the cockpit app to a browser, one app per tab (pytest arguments "
        "after -- go to every run).",
        allow_abbrev=False,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port (8000; 0 picks a free one)"
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="no secret token in the URL (refused unless --host is a loopback address)",
    )
    add_app_options(parser)
    add_store_options(parser)
    return parser


def command_serve(argv: Sequence[str]) -> int:
    argv, extra = split_at_dashes(argv)
    options = _parser().parse_args(argv)
    if options.no_token and not is_loopback(options.host):
        raise CliError(
            f"--no-token with --host {options.host} would let anyone who reaches this machine "
            "run the project's code; drop --no-token (the URL then carries a secret token) "
            "or listen on 127.0.0.1 and use an SSH port forward"
        )
    if not 0 <= options.port <= 65535:
        raise CliError(f"--port {options.port}: a port is 0-65535 (0 picks a free one)")
    project = resolve_project(options, python=options.python, runs_tests=True)
    from cockpit.cli.app import check_theme

    check_theme(options.theme)  # each tab's app would fail on it, one by one
    app_argv = ["--project", str(project.folder)]
    for flag, value in (("--db", options.db), ("--python", options.python)):
        if value:
            app_argv += [flag, value]
    if options.theme:
        app_argv += ["--theme", options.theme]
    token = None if options.no_token else secrets.token_urlsafe(24)
    server = make_server(
        app_command([*app_argv, "--", *extra]),
        host=options.host,
        port=options.port,
        token=token,
        title=f"cockpit: {project.folder.name}",
    )

    def announce(port: int) -> None:
        print(f"cockpit serve: the app on {project.folder}, one app per browser tab")
        print(f"  open {page_url(options.host, port, token)}", flush=True)
        if token:
            print("  the URL's token is the key: anyone who has it can run the project's code")
        print("  Ctrl+C stops the server and every app", flush=True)

    return asyncio.run(run_server(server, options.host, options.port, announce))


def make_server(command: str, *, host: str, port: int, token: str | None, title: str) -> Any:
    """A textual-serve server for ``command`` behind the token (imported here: textual-serve
    and aiohttp cost the other commands nothing)."""
    from cockpit.cli.web import CockpitServer

    return CockpitServer(
        command, host=host, port=port, token=token, title=title, quit_grace=QUIT_GRACE
    )


async def run_server(server: Any, host: str, port: int, announce: Callable[[int], None]) -> int:
    """Listen until SIGINT or SIGTERM, then end every app and stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    started: Callable[[], Awaitable[int]] = server.start
    try:
        bound = await started()
    except OSError as error:
        raise CliError(
            f"cannot listen on {host}:{port}: {error.strerror or error}; pass --port with "
            "another port (0 picks a free one)"
        ) from None
    announce(bound)
    await stop.wait()
    await server.close()
    print("cockpit serve: stopped", flush=True)
    return 0
