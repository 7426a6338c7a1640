"""``cockpit session`` and ``cockpit note``: fix sessions and the notes kept in them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from cockpit.cli.output import console, print_json, when
from cockpit.cli.parsing import CliError, command_parser, resolve_project, sub_actions
from cockpit.engine.display import visible
from cockpit.session.gitinfo import head_commit

if TYPE_CHECKING:
    from cockpit.store.models import FixSession


def _session_json(session: FixSession, runs: int) -> dict[str, Any]:
    return {
        "id": session.id,
        "title": session.title,
        "started_at": session.started_at,
        "ended_at": session.ended_at,
        "automatic": session.automatic_day is not None,
        "git_start": session.git_start,
        "git_end": session.git_end,
        "runs": runs,
    }


def command_session(argv: Sequence[str]) -> int:
    parser = command_parser(
        "cockpit session", "Start, end or list fix sessions.", store_options=False
    )
    action = sub_actions(parser)
    start = action("start", "start a fix session")
    start.add_argument("title")
    start.add_argument("--json", action="store_true")
    ending = action("end", "end the open session")
    ending.add_argument("--json", action="store_true")
    listing = action("list", "list sessions")
    listing.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    project = resolve_project(options)
    log = project.open_log()
    out = console()
    if options.action == "start":
        if not options.title.strip():
            raise CliError("a session needs a title: cockpit session start 'what this is about'")
        session = log.start_session(options.title.strip(), head_commit(project.folder))
        if options.json:
            print_json(_session_json(session, 0))
        else:
            out.print(f"session {session.id} started: {escape(visible(session.title))}")
        return 0
    if options.action == "end":
        session = log.end_session(head_commit(project.folder))
        if options.json:
            print_json(
                _session_json(session, dict((s.id, n) for s, n in log.sessions())[session.id])
            )
        else:
            out.print(f"session {session.id} ended: {escape(visible(session.title))}")
        return 0
    rows = log.sessions()
    if options.json:
        print_json([_session_json(session, count) for session, count in rows])
        return 0
    table = Table("id", "title", "started", "ended", "runs", title="sessions")
    for session, count in rows:
        kind = " (automatic)" if session.automatic_day else ""
        table.add_row(
            str(session.id),
            escape(visible(session.title)) + kind,
            when(session.started_at),
            when(session.ended_at) if session.ended_at else "open",
            str(count),
        )
    out.print(table)
    return 0


def command_note(argv: Sequence[str]) -> int:
    parser = command_parser("cockpit note", "Add a note to the current session.")
    parser.add_argument("text")
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args(argv)
    if not options.text.strip():
        raise CliError("the note is empty")
    note = resolve_project(options).open_log().add_note(options.text)
    if options.json:
        print_json(
            {
                "id": note.id,
                "session_id": note.session_id,
                "text": note.text,
                "created_at": note.created_at,
            }
        )
    else:
        console().print(f"note {note.id} added")
    return 0
