"""The Markdown renderer: valid Markdown whatever test ids and messages hold."""

from __future__ import annotations

import json

import pytest

from cockpit.report.figures import rate, span
from cockpit.report.json_render import render_json, summary_data
from cockpit.report.markdown import render_markdown
from cockpit.report.markup import cell, clean, code, fenced, table, text
from cockpit.report.model import Cluster, KnownIssueReport, SessionSummary
from tests.report.export_support import (
    PARSER,
    cell_texts,
    html_tags,
    summary_with,
    table_problems,
    tables,
)

HOSTILE = {
    "pipe": "tests/test_a.py::test_x[a|b]",
    "backslash pipe": "tests/test_a.py::test_x[a\\|b\\]",
    "backticks": "tests/test_a.py::test_`tick`[``double``]",
    "leading backtick": "`starts with one",
    "html": "tests/test_a.py::test_x[<script>alert(1)</script><b>bold</b>]",
    "newlines": "tests/test_a.py::test_x[line one\nline two\r\nthree]",
    "ansi": "tests/test_a.py::test_x[\x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07]",
    "emoji": "tests/test_a.py::test_x[\U0001f389 party \u00e9t\u00e9 \u4e2d\u6587]",
    "long": "tests/test_" + "very_long_" * 30 + ".py::test_" + "x" * 300,
    "markup": "*not bold* _not italic_ [not](a link) # not a heading ![no](image) ~~no~~",
    "entities": "&amp; &lt;b&gt; \\* \\",
}


def visible(value: str) -> str:
    """What a reader must see of ``value``: the text without ANSI codes, on one line."""
    return clean(value)


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_cell_keeps_the_table_and_its_text(value: str) -> None:
    lines = table(("Test", "Figure"), [(cell(value), "1"), (text(value), "2")])
    markdown = "\n".join(lines) + "\n"
    assert tables(markdown) == 1
    assert table_problems(markdown) == []
    assert html_tags(markdown) == []
    assert cell_texts(markdown) == ["Test", "Figure", visible(value), "1", visible(value), "2"]


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_text_in_prose_reads_back_exactly(value: str) -> None:
    for rendered in (text(value), code(value)):
        tokens = PARSER.parse(f"- **Label**: {rendered}\n")
        inline = next(token for token in tokens if token.type == "inline")
        children = inline.children or []
        shown = "".join(c.content for c in children if c.type in ("text", "code_inline"))
        assert shown == "Label: " + visible(value)
        assert not [c for c in children if c.type == "html_inline"]


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_whole_summary_of_hostile_ids_is_valid_markdown(value: str) -> None:
    markdown = render_markdown(summary_with(value))
    assert table_problems(markdown) == []
    assert html_tags(markdown) == []
    assert tables(markdown) == 10
    assert "\x1b" not in markdown
    fences = [t for t in PARSER.parse(markdown) if t.type == "fence"]
    assert len(fences) == 1 and fences[0].info == "diff"
    assert "\x1b" not in fences[0].content and fences[0].content.startswith("--- a/")
    assert markdown.encode("utf-8").decode("utf-8") == markdown
    headings = [t for t in PARSER.parse(markdown) if t.type == "heading_open"]
    assert [h.tag for h in headings].count("h1") == 1
    assert visible(value) in cell_texts(markdown)


def test_emoji_and_accents_survive_a_utf8_round_trip() -> None:
    value = HOSTILE["emoji"]
    markdown = render_markdown(summary_with(value))
    data = markdown.encode("utf-8")
    assert "\U0001f389 party \u00e9t\u00e9".encode() in data
    assert data.decode("utf-8") == markdown
    assert json.loads(render_json(summary_with(value)).encode("utf-8"))["title"] == value


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="2 cells under 3 headers"):
        table(("a", "b", "c"), [("1", "2")])


def test_the_structure_check_catches_an_unescaped_pipe() -> None:
    broken = "| a | b |\n| --- | --- |\n| x|y | 1 |\n"
    assert table_problems(broken) == ["line 3: 3 cells under 2 headers"]


@pytest.mark.parametrize(
    "content",
    [
        ["```", "````python", "~~~", "</pre><script>x</script>"],
        ["\x1b[31mred\x1b[0m", "tab\there", "    ```` indented"],
        [],
    ],
)
def test_a_fenced_block_holds_any_lines_literally(content: list[str]) -> None:
    markdown = "\n".join(["before", *fenced(content, "di`ff"), "after"]) + "\n"
    tokens = PARSER.parse(markdown)
    (fence,) = [t for t in tokens if t.type == "fence"]
    assert fence.info == "diff"
    assert fence.content.splitlines() == [clean_line(line) for line in content]
    assert html_tags(markdown) == []
    assert [t.content for t in tokens if t.type == "inline"] == ["before", "after"]


def clean_line(line: str) -> str:
    return line.replace("\x1b[31m", "").replace("\x1b[0m", "")


def test_code_spans_fence_around_backtick_runs() -> None:
    assert code("a`b") == "``a`b``"
    assert code("``x``") == "``` ``x`` ```"
    assert code("") == "-"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.04, "0.0 s"), (42.25, "42.2 s"), (59.96, "1 min 00.0 s"), (3723.4, "1 h 02 min 03.4 s")],
)
def test_durations_are_exact_to_the_tenth(seconds: float, shown: str) -> None:
    assert span(seconds) == shown


def test_a_pass_rate_of_100_percent_means_every_test() -> None:
    assert rate(9999, 10000) == "99.9 %"
    assert rate(10000, 10000) == "100.0 %"
    assert rate(0, 0) == "-"


def test_rendering_is_deterministic_and_json_holds_the_same_content() -> None:
    summary = summary_with("tests/test_a.py::test_x")
    assert render_markdown(summary) == render_markdown(summary)
    assert render_json(summary) == render_json(summary)
    data = summary_data(summary)
    assert data["comparison"]["fixed"] == ["tests/test_a.py::test_x"]
    assert data["before"]["counts"] == {
        "passed": 1,
        "failed": 2,
        "errors": 0,
        "crashed": 0,
        "skipped": 0,
        "xfailed": 0,
        "xpassed": 0,
        "tests": 3,
        "failing": 2,
    }
    assert data["open_known_issues"] == 1


def test_long_lists_of_tests_are_cut_in_markdown_but_not_in_json() -> None:
    summary = summary_with("tests/test_a.py::test_x")
    tests = tuple(f"tests/test_a.py::test_{n:02d}" for n in range(25))
    issue = summary.known_issues[0]._replace(tests=tests, deselected=tests)
    summary = summary._replace(known_issues=(issue,))
    markdown = render_markdown(summary)
    assert "`tests/test_a.py::test_19`, `tests/test_a.py::test_20`" not in markdown
    assert "`tests/test_a.py::test_19` and 5 more (the JSON export lists them all)" in markdown
    assert summary_data(summary)["known_issues"][0]["tests"] == list(tests)


def priorities(summary: SessionSummary) -> list[str]:
    section = render_markdown(summary).split("## Next priorities\n\n", 1)[1]
    return section.split("\n\n", 1)[0].splitlines()


def test_a_root_cause_made_only_of_known_issues_tests_is_said_once_under_the_issue() -> None:
    names = ("tests/test_a.py::test_1", "tests/test_a.py::test_2")
    issue = KnownIssueReport(4, "Slugs drop symbols", names, None, (), "high", "", "open")
    known_cause = Cluster("AssertionError @ a.py:3", 2, (("failed", 2),), ("a.py",), *names[:1], "")
    summary = summary_with("x")._replace(
        known_issues=(issue,),
        clusters=(
            known_cause._replace(known_tests=names),
            Cluster("KeyError @ b.py:9", 3, (("failed", 3),), ("b.py",), "b", "", names[:0]),
            Cluster("ValueError @ c.py:1", 4, (("error", 4),), ("c.py",), "c", "", ("c::t",)),
        ),
        isolations=(),
    )
    assert priorities(summary) == [
        "1. Known issue, high priority: Slugs drop symbols (2 tests); "
        "they fail with `AssertionError @ a.py:3`",
        "2. 3 tests failing with `KeyError @ b.py:9`",
        "3. 3 tests failing with `ValueError @ c.py:1` (and 1 test listed above under a known "
        "issue)",
    ]
