"""Reading a session out of the log: before / after, fixes, subsets, and the same bytes on
every path (the sqlite3 quick read, SQLAlchemy on SQLite, SQLAlchemy on PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cockpit.errors import NotFound, StoreError
from cockpit.isolation.log import record_isolations
from cockpit.isolation.verdicts import IsolationVerdict, Verdict
from cockpit.report.collect import SummaryReader, build_summary, engine_query
from cockpit.report.json_render import render_json
from cockpit.report.markdown import render_markdown
from cockpit.session.fixes import fix_evidence
from cockpit.settings import database_location
from cockpit.store.database import DatabaseLocation, open_engine
from cockpit.store.recorder import module_digests
from cockpit.store.rows import FailureRow, ResultRow, RunTotals
from cockpit.store.session_log import SessionLog
from cockpit.store.snapshots import MAX_KEPT_BYTES, FileState, ProjectFiles
from tests.conftest import FakeClock
from tests.report.export_support import table_problems

WHOLE = "the whole suite"
Plan = dict[str, tuple[str, str | None]]
"""node id -> (outcome, root key) of one run."""

MAPPER = "sqlalchemy.exc.InvalidRequestError: expression 'Tag' failed to locate a name"


def record(
    log: SessionLog,
    plan: Plan,
    selection: str = WHOLE,
    duration: float = 0.5,
    *,
    digests: bool = True,
) -> int:
    """One finished run of ``plan``, written as the recorder writes it (without the module
    digests of schema 0005 when ``digests`` is false, as older runs were)."""
    run_id = log.begin_run(
        [], whole_suite=selection == WHOLE, selection_reason=selection, interpreter="python"
    )
    results, failures = [], []
    for index, (nodeid, (outcome, key)) in enumerate(sorted(plan.items())):
        results.append(
            ResultRow(
                nodeid=nodeid,
                module=nodeid.split("::")[0],
                outcome=outcome,
                duration=duration + index / 1000,
                signature=key and key.split(" @ ")[0],
                root_key=key,
            )
        )
        if key is not None:
            failures.append(FailureRow(nodeid, "call", None, None, f"{key}\ndetails", ""))
    log.write_results(run_id, results, failures)
    failing = sum(outcome in ("failed", "error") for outcome, _ in plan.values())
    log.finish_run(
        run_id,
        exit_code=1 if failing else 0,
        outcome="failed" if failing else "passed",
        totals=RunTotals(len(plan), len(plan) - failing, failing, 0, 0, 0, 0),
        crashed_test=None,
        module_digests=module_digests(
            {n: n.split("::")[0] for n in plan}, {n: outcome for n, (outcome, _) in plan.items()}
        )
        if digests
        else None,
    )
    return run_id


def two_step_session(log: SessionLog, *, digests: bool = True) -> int:
    """A session fixing a mapper error, in which one test then fails with another error."""
    session = log.start_session("Fix the mapper", "abc123")
    record(
        log,
        {
            "tests/test_a.py::test_1": ("failed", MAPPER),
            "tests/test_a.py::test_2": ("failed", MAPPER),
            "tests/test_a.py::test_3": ("error", MAPPER),
            "tests/test_b.py::test_1": ("failed", "AssertionError @ app/b.py:3"),
            "tests/test_b.py::test_2": ("passed", None),
            "tests/test_c.py::test_gone": ("failed", "KeyError: 'x'"),
        },
        digests=digests,
    )
    log.add_fix("Import Tag", root_cause="Tag never imported", files=["app/models.py"])
    second = record(
        log,
        {
            "tests/test_a.py::test_1": ("passed", None),
            "tests/test_a.py::test_2": ("passed", None),
            "tests/test_a.py::test_3": ("failed", "KeyError: 'tag' @ app/a.py:9"),
            "tests/test_b.py::test_1": ("failed", "AssertionError @ app/b.py:3"),
            "tests/test_b.py::test_2": ("failed", "ValueError: broken"),
            "tests/test_d.py::test_new": ("failed", "ValueError: broken"),
        },
        digests=digests,
    )
    log.add_known_issue(
        "B asserts",
        ["tests/test_b.py::test_1"],
        workaround="-k 'not test_1'",
        deselected=["tests/test_b.py::test_1"],
        priority="high",
        effort="1h",
    )
    log.add_note("one note")
    b_1, b_2 = "tests/test_b.py::test_1", "tests/test_b.py::test_2"
    record_isolations(log, second, [IsolationVerdict(b_2, Verdict.FLAKY, ("passed", "failed"))])
    record_isolations(
        log,
        second,
        [
            IsolationVerdict(b_1, Verdict.FAILS_ALONE, ("failed", "failed", "failed")),
            IsolationVerdict(b_2, Verdict.PASSES_ALONE, ("passed",) * 3, "tests/test_a.py::test_3"),
        ],
    )
    log.end_session("def456")
    return session.id


def test_isolation_checks_show_each_tests_latest_verdict(log: SessionLog) -> None:
    session_id = two_step_session(log)
    summary = SummaryReader(engine_query(log.engine)).summary(session_id)
    assert [(c.nodeid, c.verdict, c.polluter) for c in summary.isolations] == [
        ("tests/test_b.py::test_2", "passes-alone", "tests/test_a.py::test_3"),
        ("tests/test_b.py::test_1", "fails-alone", None),
    ]
    markdown = render_markdown(summary)
    section = markdown.split("## Isolation checks\n\n")[1].split("\n## ")[0]
    assert section.startswith("2 failing tests rerun alone in fresh processes")
    assert "- 1 passes alone: order-dependent" in section
    assert "- 1 fails alone: a real failure" in section
    assert (
        "| `tests/test_b.py::test_2` | passes-alone | passed, passed, passed "
        "| `tests/test_a.py::test_3` | run 2 |"
    ) in section
    assert "Test pollution: `tests/test_a.py::test_3` breaks `tests/test_b.py::test_2`" in markdown
    assert table_problems(markdown) == []
    data = json.loads(render_json(summary))
    assert data["isolations"][1] == {
        "nodeid": "tests/test_b.py::test_1",
        "verdict": "fails-alone",
        "outcomes": ["failed", "failed", "failed"],
        "polluter": None,
        "run_id": 2,
    }


def test_a_session_without_isolation_checks_has_no_such_section(log: SessionLog) -> None:
    session = log.start_session("No isolate", None)
    record(log, {"tests/test_a.py::test_1": ("failed", MAPPER)})
    summary = SummaryReader(engine_query(log.engine)).summary(session.id)
    assert summary.isolations == ()
    assert "## Isolation checks" not in render_markdown(summary)


def test_a_changed_error_is_never_counted_as_fixed(log: SessionLog) -> None:
    session_id = two_step_session(log)
    summary = SummaryReader(engine_query(log.engine)).summary(session_id)
    assert summary.before is not None and summary.after is not None
    assert (summary.before.id, summary.after.id) == (1, 2)
    comparison = summary.comparison
    assert comparison is not None
    assert comparison.fixed == ("tests/test_a.py::test_1", "tests/test_a.py::test_2")
    assert comparison.changed_error == ("tests/test_a.py::test_3",)
    assert comparison.still_failing == 1
    assert comparison.broken == ("tests/test_b.py::test_2",)
    assert comparison.new_failing == ("tests/test_d.py::test_new",)
    assert comparison.gone == 1
    (fix,) = summary.fixes
    assert [(c.key, c.flipped, c.size) for c in fix.resolved] == [(MAPPER, 2, 3)]
    assert [(m.module, m.before.passed, m.after.passed, m.flipped) for m in fix.modules] == [
        ("tests/test_a.py", 0, 2, 2)
    ]
    assert fix.files == ("app/models.py",)
    assert [(c.key, c.size) for c in summary.clusters] == [
        ("ValueError: broken", 2),
        ("AssertionError @ app/b.py:3", 1),
        ("KeyError: 'tag' @ app/a.py:9", 1),
    ]
    markdown = render_markdown(summary)
    assert "- **Tests fixed**: 2 (failing in run 1, not failing in run 2)" in markdown
    assert "- **Failing with another error**: 1 (" in markdown
    assert "**2 tests flipped to pass**" in markdown
    assert table_problems(markdown) == []


def test_fix_evidence_agrees_with_the_session_log(log: SessionLog) -> None:
    session_id = two_step_session(log)
    (fix,) = SummaryReader(engine_query(log.engine)).summary(session_id).fixes
    (stored,) = log.fixes(session_id)
    evidence = fix_evidence(log, stored)
    assert evidence is not None and fix.comparison is not None
    assert sorted(t for tests in evidence.flipped.values() for t in tests) == list(
        fix.comparison.fixed
    )


def test_a_session_of_subset_runs_says_there_are_no_totals(log: SessionLog) -> None:
    session = log.start_session("Only subsets", None)
    plan: Plan = {"tests/test_a.py::test_1": ("passed", None)}
    record(log, plan, "subset: tests/test_a.py")
    summary = SummaryReader(engine_query(log.engine)).summary(session.id)
    assert summary.before is None and summary.after is None and summary.comparison is None
    assert summary.status_run is not None and not summary.status_run.whole_suite
    markdown = render_markdown(summary)
    assert "No whole-suite run finished in this session, so there are no suite totals" in markdown
    assert "From run 1 (subset: tests/test\\_a.py), the last run: **a subset**" in markdown
    assert "Tests passing" not in markdown


def test_before_falls_back_to_the_last_whole_suite_run_before_the_session(
    log: SessionLog,
) -> None:
    log.start_session("Earlier", None)
    record(log, {"tests/test_a.py::test_1": ("failed", "E")})
    record(log, {"tests/test_a.py::test_1": ("failed", "E")}, "subset: tests/test_a.py")
    log.end_session(None)
    session = log.start_session("Later", None)
    record(log, {"tests/test_a.py::test_1": ("passed", None)})
    summary = SummaryReader(engine_query(log.engine)).summary(session.id)
    assert summary.before is not None and summary.before.id == 1
    assert summary.after is not None and summary.after.id == 3
    assert summary.comparison is not None
    assert summary.comparison.fixed == ("tests/test_a.py::test_1",)
    assert "in run 1 (the whole suite), before the session" in render_markdown(summary)


def test_an_empty_session_renders(log: SessionLog) -> None:
    session = log.start_session("Nothing yet", None)
    summary = SummaryReader(engine_query(log.engine)).summary(session.id)
    assert summary.runs == () and summary.status_run is None
    assert "No run was recorded in this session." in render_markdown(summary)


def test_the_default_session_and_unknown_ones(log: SessionLog) -> None:
    reader = SummaryReader(engine_query(log.engine))
    with pytest.raises(NotFound, match="holds no session yet"):
        reader.summary(None)
    first = log.start_session("First", None)
    log.end_session(None)
    assert reader.summary(None).id == first.id
    second = log.start_session("Open", None)
    assert reader.summary(None).id == second.id
    with pytest.raises(NotFound, match="no session 99"):
        reader.summary(99)


def test_every_path_gives_the_same_bytes(log: SessionLog, db_url: str, tmp_path: Path) -> None:
    """SQLAlchemy on this backend and the sqlite3 quick read of a SQLite copy agree, and
    module counts read from ``run_modules`` agree with counting the results (the copy's
    runs have no module digests, as runs recorded before schema 0005)."""
    session_id = two_step_session(log)
    reference = tmp_path / "reference" / "cockpit.db"
    reference.parent.mkdir()
    url = f"sqlite:///{reference}"
    copy = SessionLog(open_engine(DatabaseLocation(url, "test")), FakeClock())
    try:
        assert two_step_session(copy, digests=False) == session_id
    finally:
        copy.close()
    general = SummaryReader(engine_query(log.engine)).summary(session_id)
    quick = build_summary(database_location(tmp_path, url), session_id)
    assert render_markdown(general) == render_markdown(quick)
    assert render_json(general) == render_json(quick)


def test_a_missing_sqlite_log_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no session log at"):
        build_summary(database_location(tmp_path), None)
    assert not (tmp_path / ".cockpit").exists()


def test_the_quick_path_reads_the_current_schema() -> None:
    from cockpit.report import collect
    from cockpit.store import database

    assert collect.SCHEMA_REVISION == database.HEAD_REVISION


def snapshot(log: SessionLog, run_id: int, contents: dict[str, bytes]) -> None:
    """Attach the files ``run_id`` saw to it, as the recorder does."""
    states = {
        path: FileState(path, len(data), 1, hashlib.sha256(data).hexdigest())
        for path, data in contents.items()
    }
    read = {state.digest: contents[path] for path, state in states.items()}
    log.record_snapshot(run_id, ProjectFiles(states, read, "fingerprint"))


def test_a_fix_shows_its_diff_or_why_it_cannot(log: SessionLog) -> None:
    session = log.start_session("Diffs", None)
    big = b"x = 1\n" * (MAX_KEPT_BYTES // 6 + 10)
    first = record(log, {"tests/test_a.py::t": ("failed", "AssertionError @ app/a.py:1")})
    snapshot(log, first, {"app/a.py": b"A = 1\n```\n", "big.py": big, "old.py": b"gone\n"})
    log.add_fix("Fix A", files=["app/a.py", "big.py", "old.py", "never.py"])
    second = record(log, {"tests/test_a.py::t": ("passed", None)})
    snapshot(log, second, {"app/a.py": b"A = 2\n```\n", "big.py": big + b"y = 2\n"})
    (fix,) = SummaryReader(engine_query(log.engine)).summary(session.id).fixes
    assert fix.evidence_run is not None and fix.evidence_run.id == second
    diffs = {diff.path: diff for diff in fix.diffs}
    assert diffs["app/a.py"].lines == (
        f"--- a/app/a.py (run {first})",
        f"+++ b/app/a.py (run {second})",
        "@@ -1,2 +1,2 @@",
        "-A = 1",
        "+A = 2",
        " ```",
    )
    assert diffs["big.py"].note is not None and "too large to keep" in diffs["big.py"].note
    assert diffs["old.py"].lines[1] == "+++ /dev/null"
    assert diffs["never.py"].note == f"not in the project's files in run {first} or run {second}"
    markdown = render_markdown(SummaryReader(engine_query(log.engine)).summary(session.id))
    assert "````diff\n--- a/app/a.py" in markdown and "\n ```\n````\n" in markdown
    assert table_problems(markdown) == []


def test_a_fix_between_runs_without_snapshots_says_so(log: SessionLog) -> None:
    session_id = two_step_session(log)
    (fix,) = SummaryReader(engine_query(log.engine)).summary(session_id).fixes
    (diff,) = fix.diffs
    assert diff.path == "app/models.py" and diff.lines == ()
    assert diff.note == "no diff: the runs predate snapshots of the project's files"
