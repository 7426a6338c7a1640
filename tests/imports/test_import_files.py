"""Bad and hostile result files: one clear error, and nothing written, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from cockpit.imports.record import ImportRequest, import_files
from cockpit.imports.sources import ResultFileError
from cockpit.store.models import FixSession, Run, RunImport
from cockpit.store.session_log import SessionLog

GOLDEN = Path(__file__).resolve().parent / "golden"
BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<testsuites><testsuite><testcase classname="t" name="x"><failure message="&lol3;"/></testcase>
</testsuite></testsuites>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<testsuite><testcase classname="t" name="x"><failure message="&secret;"/></testcase></testsuite>
"""


def counts(log: SessionLog) -> tuple[int, int, int]:
    with log.engine.connect() as connection:
        return tuple(  # type: ignore[return-value]
            connection.execute(select(func.count()).select_from(table)).scalar()
            for table in (Run, RunImport, FixSession)
        )


def attempt(log: SessionLog, tmp_path: Path, *files: Path) -> str:
    request = ImportRequest(files=files, project_root=tmp_path)
    with pytest.raises(ResultFileError) as raised:
        import_files(log, request)
    assert counts(log) == (0, 0, 0)
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty: neither JUnit XML nor a pytest report-log"),
        (b"hello, world\n", "is neither JUnit XML nor a pytest report-log (it starts with 'hello"),
        (
            b"<html><body>502 Bad Gateway</body></html>",
            "is XML but not JUnit: its root element is <html>",
        ),
        (b"<testsuites><testsuite><testcase", "is cut off: the XML ends at line 1"),
        (
            b"<testsuite><testcase></testsuite>",
            "is not well-formed XML at line 1, column 23 (mismatched tag)",
        ),
        (
            BOMB.encode(),
            "declares XML entities: refused, since entity expansion is how XML bombs work",
        ),
        (XXE.encode(), "declares XML entities: refused"),
        (b'{"$report_type": "SessionStart"}\nnot json\n{}\n', "line 2 is not JSON"),
        (
            b'{"$report_type": "SessionStart"}\n{"nodeid": "t", "$report_ty',
            "is cut off: its last line (2) is not complete JSON",
        ),
        (b'{"name": "x"}\n', "line 1 is not a pytest report-log record (no $report_type)"),
        (
            b'{"$report_type": "TestReport", "nodeid": "t"}\n',
            "line 1: a TestReport pytest cannot read back",
        ),
        (b"\xff\xfe<\x00t\x00", "is neither JUnit XML nor a pytest report-log"),
    ],
)
def test_a_bad_file_is_one_clear_line_and_writes_nothing(
    log: SessionLog, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "results.xml"
    path.write_bytes(content)
    message = attempt(log, tmp_path, path)
    assert message.startswith(f"{path} {expected}"), message


def test_missing_files_folders_and_repeats(log: SessionLog, tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    assert attempt(log, tmp_path, missing) == f"no such file: {missing}"
    assert "is a folder" in attempt(log, tmp_path, tmp_path)
    golden = GOLDEN / "outcomes.xml"
    assert (
        attempt(log, tmp_path, golden, golden)
        == f"{golden} is given twice; give each result file once"
    )


def test_a_good_shard_then_a_bad_one_leaves_nothing(log: SessionLog, tmp_path: Path) -> None:
    bad = tmp_path / "bomb.xml"
    bad.write_text(BOMB)
    assert "XML bombs" in attempt(log, tmp_path, GOLDEN / "app_small.shard-1.xml", bad)


def test_a_report_log_without_its_session_finish_is_an_interrupted_run(
    log: SessionLog, tmp_path: Path
) -> None:
    lines = (GOLDEN / "outcomes.reportlog.jsonl").read_text().splitlines(keepends=True)
    assert '"SessionFinish"' in lines[-1]
    killed = tmp_path / "killed.jsonl"
    killed.write_text("".join(lines[:-1]))
    result = import_files(log, ImportRequest(files=(killed,), project_root=tmp_path))
    assert (result.ending.outcome, result.ending.exit_code) == ("interrupted", 2)
    assert counts(log) == (1, 1, 1)


def test_a_huge_captured_output_is_clipped_while_it_streams(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "big.xml"
    header = " Captured Out ".center(80, "-")
    with path.open("w") as out:
        out.write('<testsuite><testcase classname="tests.test_a" name="test_x" time="1">')
        out.write('<failure message="boom">tests/test_a.py:3: ValueError</failure>')
        out.write(f"<system-out>{header}\n")
        for _ in range(400):
            out.write("y" * 10_000 + "\n")
        out.write("the end\n\n</system-out></testcase></testsuite>")
    request = ImportRequest(files=(path,), project_root=tmp_path, capture_cap=4096)
    result = import_files(log, request)
    (failure,) = log.failures(result.run_id).values()
    assert failure.stdout is not None and failure.stdout.endswith("y\nthe end\n")
    assert "[cockpit cut 3996312 characters]" in failure.stdout
    assert (failure.crash_path, failure.crash_line, failure.message) == (
        "tests/test_a.py",
        3,
        "boom",
    )
