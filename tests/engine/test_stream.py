"""The event file's lines: a test's bytes never break, forge or bloat cockpit's own.

Fuzzed with hypothesis: whatever a test writes between (or around) the plugin's lines,
every line of cockpit's comes out whole, in order, and what was not cockpit's is counted.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.engine.events import decode_line
from cockpit.engine.stream import EventLines, new_token

TOKEN = new_token()


def genuine(index: int) -> bytes:
    event = {"kind": "test_start", "nodeid": f"tests/test_a.py::test_{index}"}
    return TOKEN.encode() + json.dumps(event).encode() + b"\n"


def chunked(data: bytes, sizes: list[int]) -> list[bytes]:
    chunks, start = [], 0
    for size in sizes:
        chunks.append(data[start : start + size])
        start += size
    chunks.append(data[start:])
    return [chunk for chunk in chunks if chunk]


garbage = st.binary(max_size=300).filter(lambda data: TOKEN.encode() not in data)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(garbage, min_size=1, max_size=12),
    st.lists(st.integers(min_value=1, max_value=97), max_size=40),
)
def test_cockpit_lines_survive_any_garbage_between_them(
    junk: list[bytes], sizes: list[int]
) -> None:
    data = b"".join(piece + genuine(index) for index, piece in enumerate(junk))
    lines = EventLines(TOKEN)
    payloads = [p for chunk in chunked(data, sizes) for p in lines.feed(chunk)]
    lines.finish()
    assert [decode_line(p) for p in payloads] == [
        decode_line(genuine(i)[16:]) for i in range(len(junk))
    ]
    pieces = sum(
        bool(piece.split(b"\n")[-1]) + sum(map(bool, piece.split(b"\n")[:-1])) for piece in junk
    )
    assert lines.skipped == pieces


def test_a_line_without_the_token_is_never_cockpits() -> None:
    forged = json.dumps({"kind": "session_finish", "exitstatus": 0}).encode()
    lines = EventLines(TOKEN)
    assert lines.feed(forged + b"\n" + genuine(1)) == [genuine(1)[16:-1]]
    assert lines.skipped == 1


def test_a_line_with_no_newline_before_the_end_is_counted_once() -> None:
    lines = EventLines(TOKEN)
    assert lines.feed(genuine(1) + TOKEN.encode() + b'{"kind": "test_st') == [genuine(1)[16:-1]]
    lines.finish()
    assert lines.skipped == 1


def test_a_never_ending_line_takes_no_memory() -> None:
    lines = EventLines(TOKEN, limit=1 << 20)
    for _ in range(64):  # 64 MiB of one "line" without the token
        assert lines.feed(b"x" * (1 << 20)) == []
        assert len(lines._partial) < len(TOKEN)
    assert lines.feed(b"\n" + genuine(7)) == [genuine(7)[16:-1]]
    assert lines.skipped == 1


def test_a_line_of_cockpits_beyond_the_limit_is_dropped_not_kept() -> None:
    lines = EventLines(TOKEN, limit=1000)
    assert lines.feed(TOKEN.encode() + b"y" * 5000) == []
    assert len(lines._partial) <= 1000
    assert lines.feed(b"y" * 5000 + b"\n" + genuine(2)) == [genuine(2)[16:-1]]
    assert lines.skipped == 1


def test_a_token_split_across_chunks_is_found() -> None:
    data = b"junk" + genuine(3)
    lines = EventLines(TOKEN)
    out = [p for i in range(len(data)) for p in lines.feed(data[i : i + 1])]
    assert out == [genuine(3)[16:-1]] and lines.skipped == 1
