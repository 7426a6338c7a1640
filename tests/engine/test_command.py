"""Which arguments cockpit adds to the user's pytest command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.engine.command import PLUGIN_MODULE, build_command

PY = Path("/usr/bin/python3")
CACHE = Path("/p/.cockpit/pytest-cache")


def test_defaults() -> None:
    command = build_command(PY, ["tests", "-q"], cache_dir=CACHE)
    assert command.argv == (
        str(PY),
        "-m",
        "pytest",
        "-p",
        PLUGIN_MODULE,
        "--continue-on-collection-errors",
        "-o",
        f"cache_dir={CACHE}",
        "tests",
        "-q",
    )
    assert command.quiet_terminal


@pytest.mark.parametrize("flag", ["-x", "--exitfirst", "--maxfail=2", "--maxfail", "--sw"])
def test_stopping_early_is_respected(flag: str) -> None:
    command = build_command(PY, [flag], cache_dir=None)
    assert "--continue-on-collection-errors" not in command.argv


def test_flag_not_doubled() -> None:
    argv = build_command(PY, ["--continue-on-collection-errors"], cache_dir=None).argv
    assert argv.count("--continue-on-collection-errors") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["-o", "cache_dir=x"],
        ["-ocache_dir=x"],
        ["--override-ini=cache_dir=x"],
        ["-p", "no:cacheprovider"],
    ],
)
def test_user_cache_choice_wins(args: list[str]) -> None:
    argv = build_command(PY, args, cache_dir=CACHE).argv
    assert f"cache_dir={CACHE}" not in argv


@pytest.mark.parametrize("flag", ["--fixtures", "--markers", "--pdb", "--setup-show", "--help"])
def test_terminal_kept_for_commands_that_print_through_it(flag: str) -> None:
    assert not build_command(PY, [flag], cache_dir=None).quiet_terminal


def test_terminal_kept_on_request() -> None:
    assert not build_command(PY, [], cache_dir=None, keep_terminal=True).quiet_terminal


def test_flags_after_double_dash_are_not_options() -> None:
    command = build_command(PY, ["--", "-x"], cache_dir=None)
    assert "--continue-on-collection-errors" in command.argv
