"""``cockpit serve``'s pure parts and its refusals (the browser test drives the rest)."""

from __future__ import annotations

import shlex
import sys

import pytest

from cockpit.cli.serve import app_command, is_loopback, page_url
from cockpit.cli.web import CockpitServer


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.7", False),
        ("devbox.example", False),
    ],
)
def test_only_loopback_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_printed_url_carries_the_token_and_a_reachable_host() -> None:
    assert page_url("127.0.0.1", 8000, "abc") == "http://127.0.0.1:8000/abc/"
    assert page_url("::1", 8000, None) == "http://[::1]:8000/"
    assert not page_url("0.0.0.0", 8000, "abc").startswith("http://0.0.0.0")


def test_each_tab_execs_one_cockpit_app_with_the_pytest_arguments() -> None:
    command = app_command(["--project", "/p q", "--", "-k", "not slow"])
    assert command.startswith("exec ")
    assert shlex.split(command)[1:] == [
        sys.executable,
        "-m",
        "cockpit",
        "app",
        "--project",
        "/p q",
        "--",
        "-k",
        "not slow",
    ]


def test_every_path_needs_the_token_as_its_first_part() -> None:
    server = CockpitServer("true", host="127.0.0.1", port=0, token="s3cret", title="t")
    assert server.allowed("/s3cret/") and server.allowed("/s3cret/ws")
    assert not server.allowed("/") and not server.allowed("/ws")
    assert not server.allowed("/s3cre/") and not server.allowed("/s3cretX/ws")
    open_server = CockpitServer("true", host="127.0.0.1", port=0, token=None, title="t")
    assert open_server.allowed("/ws")
