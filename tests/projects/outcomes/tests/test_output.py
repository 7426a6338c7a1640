"""Tests whose output is large, binary or full of markup."""

import sys

TEN_MB = 10 * 1024 * 1024


def test_prints_10mb():
    line = "0123456789" * 10 + "\n"  # 101 characters
    count = TEN_MB // len(line)
    sys.stdout.write(line * count)
    sys.stdout.write("x" * (TEN_MB - count * len(line)))
    sys.stdout.flush()


def test_ansi_and_bad_utf8():
    sys.stdout.buffer.write(b"\x1b[31mred on stdout\x1b[0m then bad bytes: \xff\xfe\xc3\x28\n")
    sys.stdout.buffer.flush()
    sys.stderr.buffer.write(b"\x1b[1;33myellow on stderr\x1b[0m bad bytes: \x80\xbf\xed\xa0\x80\n")
    sys.stderr.buffer.flush()
    assert False, "\x1b[31mexploded\x1b[0m \U0001f4a5"


def test_fail_with_pipes():
    assert False, "a | b | c, `code` and ``more``, <b>html</b>"
