"""``cockpit export``: the session summary as a Markdown (or JSON) file, or in the terminal.

Kept apart from the other log commands so that exporting from a SQLite log imports neither
SQLAlchemy nor rich (see ``cockpit.report.collect``); ``--show`` alone loads rich.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from cockpit.cli_support import CliError, Parser, add_store_options, project_of
from cockpit.report import default_file_name

FORMATS = ("md", "json")


def default_output(project_root: Path, session_id: int, file_format: str = "md") -> Path:
    """Where ``cockpit export`` writes when no ``-o`` is given."""
    return project_root / default_file_name(session_id, file_format)


def write_output(path: Path, content: str) -> None:
    """Write ``content`` to ``path``: a file whole or not at all; a device or a pipe
    (``-o /dev/stdout``, ``/dev/null``, a FIFO) in place, never replaced by a file."""
    if path.is_dir():
        raise CliError(f"-o {path} is a folder; name a file")
    if path.exists() and not path.is_file():
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
        except OSError as error:
            raise CliError(f"cannot write {path}: {error.strerror or error}") from None
        return
    write_atomically(path, content)


def write_atomically(path: Path, content: str) -> None:
    """Write the whole file or nothing: a temporary file beside it, renamed over it.

    (Not ``tempfile``: importing it costs more than the rest of this command's own code.)
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise CliError(
            f"cannot write {path}: {error.strerror or error}; pass -o with a writable path"
        ) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _parser() -> Parser:
    parser = Parser(
        prog="cockpit export",
        description="Write the summary of a fix session, every figure measured from its runs "
        "(default: the open session, else the session of the last run).",
        allow_abbrev=False,
    )
    parser.add_argument("--session", type=int, metavar="ID", help="session id (session list)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write ('-' for standard output; default: "
        "cockpit-session-<id>.<format> in the project folder)",
    )
    parser.add_argument("--format", choices=FORMATS, default="md", help="md (default) or json")
    parser.add_argument(
        "--show", action="store_true", help="print the Markdown in the terminal (no file unless -o)"
    )
    add_store_options(parser)
    return parser


def command_export(argv: Sequence[str]) -> int:
    from cockpit.report.collect import build_summary

    options = _parser().parse_args(argv)
    if options.show and options.format != "md":
        raise CliError("--show prints the Markdown summary; drop --format json or --show")
    project = project_of(options)
    summary = build_summary(project, options.db, options.session)
    if options.format == "json":
        from cockpit.report.json_render import render_json

        content = render_json(summary)
    else:
        from cockpit.report.markdown import render_markdown

        content = render_markdown(summary)
    if options.output == "-":
        sys.stdout.buffer.write(content.encode("utf-8"))
        sys.stdout.buffer.flush()
    elif options.output or not options.show:
        if options.output:
            target = Path(options.output).expanduser().resolve()
        else:
            from cockpit.store.paths import find_project_root

            target = default_output(find_project_root(project), summary.id, options.format)
        write_output(target, content)
        print(f"cockpit export: session {summary.id} written to {target}", file=sys.stderr)
    if options.show:
        from rich.console import Console
        from rich.markdown import Markdown

        Console(soft_wrap=False).print(Markdown(content))
    return 0
