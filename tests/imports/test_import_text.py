"""The pure parts of an import: node ids from JUnit names, failure text clipped as it streams."""

from __future__ import annotations

import random

import pytest

from cockpit.child.cockpit_event_fields import clip
from cockpit.imports.nodeids import NodeIdResolver
from cockpit.imports.text import BoundedText, CheckoutPaths, SectionedText, crash_of, unescape

FILES = (
    "tests/pkg/__init__.py",
    "tests/pkg/sub/__init__.py",
    "tests/pkg/sub/test_deep.py",
    "tests/v1.2/test_versioned.py",
    "tests/test_ids.py",
    "test_top.py",
)


@pytest.mark.parametrize(
    ("classname", "name", "nodeid"),
    [
        ("tests.test_ids", "test_param_ids[a.b]", "tests/test_ids.py::test_param_ids[a.b]"),
        ("tests.test_ids", "test_param_ids[k::v]", "tests/test_ids.py::test_param_ids[k::v]"),
        (
            "tests.pkg.sub.test_deep.TestOuter.TestInner",
            "test_nested_param[1]",
            "tests/pkg/sub/test_deep.py::TestOuter::TestInner::test_nested_param[1]",
        ),
        ("tests.v1.2.test_versioned", "test_in", "tests/v1.2/test_versioned.py::test_in"),
        ("test_top", "test_x", "test_top.py::test_x"),
        ("ci.tests.test_ids", "test_y", "tests/test_ids.py::test_y"),  # junit_prefix="ci"
    ],
)
def test_junit_names_resolve_to_node_ids_among_the_projects_files(
    classname: str, name: str, nodeid: str
) -> None:
    resolver = NodeIdResolver(FILES)
    assert resolver.nodeid(classname, name) == nodeid
    assert resolver.guessed == set()


def test_unknown_files_are_guessed_and_counted_and_xunit1_files_are_trusted() -> None:
    resolver = NodeIdResolver(FILES)
    assert resolver.nodeid("other.test_b.TestX", "test_y") == "other/test_b.py::TestX::test_y"
    assert resolver.guessed == {"other.test_b.TestX"}
    assert resolver.nodeid("a.b.TestX", "t", file="a/b.py") == "a/b.py::TestX::t"
    assert resolver.collector_path("tests.test_ids") == "tests/test_ids.py"
    assert resolver.collector_path("tests.pkg") == "tests/pkg"


@pytest.mark.parametrize("size", [0, 10, 255, 256, 257, 1000, 5000])
def test_bounded_text_keeps_exactly_what_clip_keeps_of_the_whole(size: int) -> None:
    chunks_rng = random.Random(size)
    text = "".join(chr(chunks_rng.choice([65, 66, 0x263A, 0x1F4A5])) for _ in range(size))
    bounded = BoundedText(256)
    start = 0
    while start < len(text):
        step = chunks_rng.randint(1, 300)
        bounded.append(text[start : start + step])
        start += step
    assert bounded.value() == clip(text, 256)


def test_captured_sections_split_even_when_a_header_straddles_two_chunks() -> None:
    out = " Captured Out ".center(80, "-")
    log = " Captured Log ".center(80, "-")
    whole = f"{log}\nlogged\n\n{out}\nprinted\n" + "x" * 300 + "\n\n"
    for cut in (1, 40, 81, 90, len(whole) - 3):
        sections = SectionedText(1000, "stdout")
        sections.append(whole[:cut])
        sections.append(whole[cut:])
        assert sections.values() == {"log": "logged\n", "stdout": "printed\n" + "x" * 300 + "\n"}
    plain = SectionedText(1000, "stdout")
    plain.append("no pytest headers here\n")
    assert plain.values() == {"stdout": "no pytest headers here\n"}


def test_pytests_visual_escapes_are_read_back() -> None:
    assert (
        unescape("#x1B[31mred#x1B[0m #x1F4A5 #x41 and #x07")
        == "\x1b[31mred\x1b[0m \U0001f4a5 #x41 and \x07"
    )


def test_crash_locations_from_junit_text() -> None:
    traceback = (
        "def test():\n>       assert 1 == 2\nE       assert 1 == 2\n\n"
        "tests/test_a.py:3: AssertionError"
    )
    crash = crash_of("assert 1 == 2", traceback)
    assert crash is not None and (crash.path, crash.lineno) == ("tests/test_a.py", 3)
    assert crash_of("[XPASS(strict)] why", "[XPASS(strict)] why") is None
    fixture = (
        "file /ci/tests/test_a.py, line 5\n  def test_a(missing):\nE       fixture 'missing' not "
        "found\n>       available fixtures: tmp_path\n\n/ci/tests/test_a.py:5"
    )
    crash = crash_of(fixture, fixture)
    assert crash is not None
    assert (crash.path, crash.lineno) == ("/ci/tests/test_a.py", 5)
    assert crash.message == "FixtureLookupError: fixture 'missing' not found"


def test_paths_into_the_ci_checkout_are_rewritten_into_this_one() -> None:
    paths = CheckoutPaths("/home/me/app")
    paths.learn("tests/test_a.py", "elsewhere")
    assert paths.ci is None
    paths.learn("tests/test_a.py", 'File "/home/runner/work/app/tests/test_a.py", line 3')
    assert paths.rewrite("/home/runner/work/app/app/x.py") == "/home/me/app/app/x.py"
