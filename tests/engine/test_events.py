"""Decoding the plugin's JSON lines into typed events."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.engine.events import (
    PROTOCOL_VERSION,
    ProtocolError,
    SessionStarted,
    TestReport,
    decode_line,
)
from cockpit.engine.state import RunState


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


WRONG_SHAPES = [
    {"kind": "test_report"},
    {"kind": "test_report", "nodeid": 5, "when": "call", "outcome": "passed"},
    {"kind": "test_report", "nodeid": "a.py::t", "when": [], "outcome": "passed"},
    {"kind": "test_report", "nodeid": "a.py::t", "when": "lunch", "outcome": "passed"},
    {
        "kind": "test_report",
        "nodeid": "a.py::t",
        "when": "call",
        "outcome": "passed",
        "duration": "slow",
    },
    {"kind": "test_report", "nodeid": "a.py::t", "when": "call", "outcome": "failed", "stdout": 3},
    {
        "kind": "test_report",
        "nodeid": "a.py::t",
        "when": "call",
        "outcome": "p",
        "duration": float("nan"),
    },
    {"kind": "phases_passed", "nodeid": "a.py::t", "phases": 7},
    {"kind": "phases_passed", "nodeid": "a.py::t", "phases": ["call", 1]},
    {"kind": "test_start", "nodeid": None},
    {"kind": "test_start", "nodeid": "a.py::t", "time": "now"},
    {"kind": "collection", "items": [1, 2]},
    {"kind": "collection", "items": [{"nodeid": None, "file": "a.py"}]},
    {"kind": "collection", "items": {"nodeid": "a"}},
    {"kind": "collect_error", "nodeid": "a.py", "file": ["a.py"]},
    {"kind": "collect_error", "nodeid": "a.py", "file": "a.py", "lineno": "3"},
    {"kind": "deselected", "count": -1},
    {"kind": "deselected", "count": True},
    {"kind": "warning", "message": {}},
    {"kind": "session_finish", "exitstatus": "zero"},
    {"kind": "session_finish"},
    {"kind": "session_start", "protocol": PROTOCOL_VERSION, "rootdir": 1, "pytest_version": "9"},
]


@pytest.mark.parametrize("raw", WRONG_SHAPES, ids=[str(i) for i in range(len(WRONG_SHAPES))])
def test_valid_json_of_the_wrong_shape_is_not_an_event(raw: dict[str, object]) -> None:
    assert decode_line(json.dumps(raw).encode()) is None


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000,
        b'{"kind": "test_report", "nodeid": "a',
        b"\x00\xff\xfe",
        b"",
        b"null",
        b"1e999",
    ],
)
def test_lines_that_do_not_parse_are_not_events(raw: bytes) -> None:
    assert decode_line(raw) is None


@settings(max_examples=500, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    ),
    st.sampled_from(
        [
            "test_report",
            "phases_passed",
            "test_start",
            "collection",
            "collect_error",
            "collect_skip",
            "deselected",
            "warning",
            "session_finish",
            "nope",
        ]
    ),
)
def test_no_json_value_makes_the_decoder_raise(value: object, kind: str) -> None:
    """Random shapes under every kind: an event comes out typed, or nothing does."""
    raw = {**value, "kind": kind} if isinstance(value, dict) else value
    event = decode_line(json.dumps(raw).encode())
    state = RunState()
    if event is not None:
        state.apply(event)  # a decoded event never breaks the state either


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_no_bytes_make_the_decoder_raise(data: bytes) -> None:
    assert decode_line(data) is None or data.strip().startswith(b"{")
