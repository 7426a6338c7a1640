"""Reading pytest's command line: which options take a value, which files a run covers.

Nothing heavy: the quickest commands (``cockpit status``, ``cockpit export``) read recorded
runs' arguments through this, and ``dataclasses`` alone would cost them a fifth of their
start-up.
"""

from collections.abc import Sequence

TAKES_VALUE = (  # options whose value is the next argument
    "-k",
    "-m",
    "-n",
    "-p",
    "-o",
    "-c",
    "-W",
    "--deselect",
    "--ignore",
    "--ignore-glob",
    "--maxfail",
    "--tb",
    "-r",
    "--dist",
    "--numprocesses",
    "--rootdir",
    "--confcutdir",
    "--basetemp",
    "--durations",
    "--override-ini",
)

# Options that leave out some tests of the files a run names, or may stop it early.
_LEAVES_OUT = (
    "-k",
    "-m",
    "--deselect",
    "--ignore",
    "--ignore-glob",
    "--lf",
    "--last-failed",
    "--sw",
    "--stepwise",
    "--sw-skip",
    "-x",
    "--exitfirst",
    "--maxfail",
)


def arguments(pytest_args: Sequence[str]) -> list[tuple[str, str | None]]:
    """Each argument with the value it takes (the next argument, for ``TAKES_VALUE``)."""
    pairs: list[tuple[str, str | None]] = []
    args = list(pytest_args)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in TAKES_VALUE and index + 1 < len(args):
            pairs.append((arg, args[index + 1]))
            index += 2
        else:
            pairs.append((arg, None))
            index += 1
    return pairs


def whole_paths(pytest_args: Sequence[str]) -> tuple[str, ...] | None:
    """The files and folders whose every test ``pytest_args`` run (``()``: everything), or
    None when some of their tests may be left out (``-k``, ``-m``, a node id,
    ``--deselect``, ``--lf``, stepwise, ``-x`` or ``--maxfail``, which may stop early).

    A run that covered a file whole and recorded no test of it shows that the file has no
    tests any more: the session picture forgets them.
    """
    paths: list[str] = []
    for arg, value in arguments(pytest_args):
        name = arg.split("=", 1)[0]
        if name in _LEAVES_OUT or (len(arg) > 2 and arg[:2] in ("-k", "-m")):
            return None
        if value is not None or arg.startswith("-"):
            continue
        if "::" in arg or arg.startswith("/"):
            return None
        path = arg.removeprefix("./").rstrip("/")
        if path in ("", "."):
            return ()  # the folder pytest runs in: everything
        paths.append(path)
    return tuple(paths)
