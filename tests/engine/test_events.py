"""Decoding the plugin's JSON lines into typed events."""

from __future__ import annotations

import json

import pytest

from cockpit.engine.events import (
    PROTOCOL_VERSION,
    ProtocolError,
    SessionStarted,
    TestReport,
    decode_line,
)


def line(**raw: object) -> bytes:
    return json.dumps(raw).encode()


def test_report_round_trip() -> None:
    event = decode_line(
        line(
            kind="test_report",
            nodeid="a.py::t",
            when="call",
            outcome="failed",
            category="failed",
            duration=0.25,
            worker="gw0",
            crash={"path": "/p/a.py", "lineno": 3, "message": "assert 1 == 2"},
            longrepr="E  assert 1 == 2",
            stdout="out",
        )
    )
    assert isinstance(event, TestReport)
    assert event.crash is not None and event.crash.lineno == 3
    assert (event.worker, event.stdout, event.stderr) == ("gw0", "out", None)


def test_session_start_checks_the_protocol() -> None:
    good = dict(kind="session_start", pytest_version="9", rootdir="/p", protocol=PROTOCOL_VERSION)
    assert isinstance(decode_line(line(**good)), SessionStarted)
    with pytest.raises(ProtocolError, match="protocol"):
        decode_line(line(**{**good, "protocol": 99}))


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'{"kind": "from-the-future"}', b"\xff"])
def test_garbage_and_unknown_kinds_are_skipped(raw: bytes) -> None:
    assert decode_line(raw) is None
