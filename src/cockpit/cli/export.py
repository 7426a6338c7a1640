"""``cockpit export``: the session summary as a Markdown (or JSON) file, or in the terminal.

Kept apart from the other log commands so that exporting from a SQLite log imports neither
SQLAlchemy nor rich (see ``cockpit.report.collect``); ``--show`` alone loads rich.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from cockpit.cli.parsing import (
    CliError,
    Parser,
    add_session_option,
    add_store_options,
    resolve_project,
)
from cockpit.report.output import default_output, write_output

FORMATS = ("md", "json")


def _parser() -> Parser:
    parser = Parser(
        prog="cockpit export",
        description="Write the summary of a fix session, every figure measured from its runs "
        "(default: the open session, else the session of the last run).",
        allow_abbrev=False,
    )
    add_session_option(parser)
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
    project = resolve_project(options)
    summary = build_summary(project.database, options.session)
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
            target = default_output(project.root, summary.id, options.format)
        write_output(target, content)
        print(f"cockpit export: session {summary.id} written to {target}", file=sys.stderr)
    if options.show:
        from rich.console import Console
        from rich.markdown import Markdown

        Console(soft_wrap=False).print(Markdown(content))
    return 0
