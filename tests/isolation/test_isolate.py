"""Isolation verdicts and bisection planning: pure logic, no process started."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from cockpit.isolation.verdicts import (
    Bisection,
    BisectStage,
    IsolationVerdict,
    Verdict,
    classify,
    ran_before,
)


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        (["failed", "failed", "failed"], Verdict.FAILS_ALONE),
        (["error"], Verdict.FAILS_ALONE),
        (["crashed", "failed"], Verdict.FAILS_ALONE),
        (["passed", "passed", "passed"], Verdict.PASSES_ALONE),
        (["passed", "skipped"], Verdict.PASSES_ALONE),
        (["passed", "failed", "passed"], Verdict.FLAKY),
        (["error", "passed"], Verdict.FLAKY),
    ],
)
def test_classify(outcomes: list[str], verdict: Verdict) -> None:
    assert classify(outcomes) is verdict


def test_classify_needs_a_repeat() -> None:
    with pytest.raises(ValueError, match="at least one"):
        classify([])


def test_verdict_json_has_the_documented_keys() -> None:
    verdict = IsolationVerdict("t.py::a", Verdict.PASSES_ALONE, ("passed",), "t.py::p")
    assert verdict.as_json() == {
        "nodeid": "t.py::a",
        "verdict": "passes-alone",
        "outcomes": ["passed"],
        "polluter": "t.py::p",
    }


def test_tests_before() -> None:
    order = ["a", "b", "target", "c"]
    assert ran_before(order, "target") == ("a", "b")
    assert ran_before(order, "a") == ()
    assert ran_before(order, "missing") == ()


def bisect(
    order: Sequence[str], target: str, breaks: Callable[[tuple[str, ...]], bool]
) -> tuple[Bisection, list[tuple[str, ...]]]:
    """Drive a bisection with ``breaks(prefix)`` standing in for a real rerun."""
    bisection = Bisection.start(target, order)
    probes = []
    while (probe := bisection.probe()) is not None:
        probes.append(probe)
        bisection = bisection.after(breaks(probe))
    return bisection, probes


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1000])
def test_bisection_names_the_one_polluter_wherever_it_is(size: int) -> None:
    order = [f"t{i}" for i in range(size)] + ["target"]
    for polluter in {order[0], order[size // 2], order[size - 1]}:
        bisection, probes = bisect(order, "target", lambda prefix, p=polluter: p in prefix)
        assert bisection.done and bisection.polluter == polluter
        assert bisection.runs == len(probes)
        # reproduce + about log2(n) halvings + at most one confirmation
        assert len(probes) <= 2 + max(1, (size - 1).bit_length())
        assert all(probe and set(probe) <= set(order[:size]) for probe in probes)


def test_bisection_ends_empty_when_the_full_prefix_does_not_break_the_target() -> None:
    bisection, probes = bisect(["a", "b", "target"], "target", lambda prefix: False)
    assert bisection.polluter is None and bisection.done
    assert probes == [("a", "b")]


def test_two_polluters_needed_together_name_no_one() -> None:
    # The target fails only after both a and d: no single test is to blame, and the
    # confirmation run keeps the assumption of one polluter from naming a wrong one.
    order = ["a", "b", "c", "d", "target"]
    bisection, _ = bisect(order, "target", lambda prefix: {"a", "d"} <= set(prefix))
    assert bisection.done and bisection.polluter is None


def test_nothing_before_the_target_means_nothing_to_run() -> None:
    bisection = Bisection.start("target", ["target", "later"])
    assert bisection.stage is BisectStage.DONE and bisection.probe() is None
    with pytest.raises(ValueError, match="over"):
        bisection.after(True)


def test_halving_takes_the_first_half_first() -> None:
    bisection = Bisection.start("target", ["a", "b", "c", "d", "target"]).after(True)
    assert bisection.stage is BisectStage.HALVE and bisection.probe() == ("a", "b")
    second_half = bisection.after(False)
    assert second_half.suspects == ("c", "d") and second_half.probe() == ("c",)
    unconfirmed = second_half.after(False)
    assert unconfirmed.stage is BisectStage.CONFIRM and unconfirmed.probe() == ("d",)
    assert unconfirmed.after(True).polluter == "d"
