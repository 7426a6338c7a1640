"""Is a failure real, order-dependent or flaky? Pure classification and bisection planning.

Two questions, answered from outcomes alone so that every rule is unit-tested without
starting a process:

* a failing test rerun alone K times: failing every time is a real failure, passing every
  time means something earlier in its run broke it, anything else is flaky;
* for an order-dependent test, which earlier test pollutes it: :class:`Bisection` plans
  the runs (``prefix + [target]``) that halve the suspects, assuming one polluter, and
  confirms the last suspect before naming it.

(Flakiness seen in a test's history is :mod:`cockpit.isolation.flaky`.)
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cockpit.engine.outcomes import FAILING


class Verdict(enum.StrEnum):
    FAILS_ALONE = "fails-alone"
    """Fails in every fresh process: a real failure of the test or the code."""
    PASSES_ALONE = "passes-alone"
    """Passes in every fresh process: something earlier in the run breaks it."""
    FLAKY = "flaky"
    """Differs between repeats in fresh processes."""


@dataclass(frozen=True, slots=True)
class IsolationVerdict:
    """One test rerun alone: its verdict, each repeat's outcome, and its polluter if found."""

    nodeid: str
    verdict: Verdict
    outcomes: tuple[str, ...]
    polluter: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "nodeid": self.nodeid,
            "verdict": str(self.verdict),
            "outcomes": list(self.outcomes),
            "polluter": self.polluter,
        }


def classify(outcomes: Sequence[str]) -> Verdict:
    """The verdict of one test from the outcome of each repeat alone (at least one)."""
    if not outcomes:
        raise ValueError("a verdict needs at least one repeat")
    failing = [outcome in FAILING for outcome in outcomes]
    if all(failing):
        return Verdict.FAILS_ALONE
    if not any(failing):
        return Verdict.PASSES_ALONE
    return Verdict.FLAKY


def ran_before(run_order: Sequence[str], target: str) -> tuple[str, ...]:
    """The tests that ran before ``target`` in a run (all of them if it is absent: none)."""
    try:
        index = list(run_order).index(target)
    except ValueError:
        return ()
    return tuple(run_order[:index])


class BisectStage(enum.StrEnum):
    REPRODUCE = "reproduce"
    """Run every suspect before the target once: does the failure come back at all?"""
    HALVE = "halve"
    """Run the first half of the suspects: the polluter is in whichever half breaks it."""
    CONFIRM = "confirm"
    """One suspect left that no run has shown breaking the target: run it with the target."""
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Bisection:
    """The search for the one earlier test that makes ``target`` fail. Immutable.

    Ask :meth:`probe` for the tests to run before the target, run ``probe + [target]``
    (same interpreter, no random ordering), and feed whether the target failed to
    :meth:`after`. When the first half of the suspects does not break the target, the
    polluter is assumed to be in the second half without a run (one polluter, ``log2(n)``
    runs); the last suspect is always confirmed by a run of its own, so a wrong assumption
    ends with no polluter rather than a wrong one.
    """

    target: str
    suspects: tuple[str, ...]
    stage: BisectStage = BisectStage.REPRODUCE
    polluter: str | None = None
    runs: int = 0

    @classmethod
    def start(cls, target: str, run_order: Sequence[str]) -> Bisection:
        suspects = ran_before(run_order, target)
        stage = BisectStage.REPRODUCE if suspects else BisectStage.DONE
        return cls(target, suspects, stage)

    @property
    def done(self) -> bool:
        return self.stage is BisectStage.DONE

    def probe(self) -> tuple[str, ...] | None:
        """The tests to run before the target next; None when the search is over."""
        if self.stage is BisectStage.HALVE:
            return self.suspects[: len(self.suspects) // 2]
        if self.stage in (BisectStage.REPRODUCE, BisectStage.CONFIRM):
            return self.suspects
        return None

    def after(self, target_failed: bool) -> Bisection:
        """The next step, given whether the target failed after :meth:`probe`."""
        probe = self.probe()
        if probe is None:
            raise ValueError("the bisection is over")
        runs = self.runs + 1
        if self.stage is not BisectStage.HALVE:
            # The whole suspect list ran: it breaks the target or the search ends empty.
            if not target_failed:
                return replace(self, stage=BisectStage.DONE, runs=runs)
            return self._narrowed(self.suspects, confirmed=True, runs=runs)
        if target_failed:
            return self._narrowed(probe, confirmed=True, runs=runs)
        return self._narrowed(self.suspects[len(probe) :], confirmed=False, runs=runs)

    def _narrowed(self, suspects: tuple[str, ...], *, confirmed: bool, runs: int) -> Bisection:
        if len(suspects) > 1:
            return replace(self, suspects=suspects, stage=BisectStage.HALVE, runs=runs)
        if confirmed:
            return replace(
                self, suspects=suspects, stage=BisectStage.DONE, polluter=suspects[0], runs=runs
            )
        return replace(self, suspects=suspects, stage=BisectStage.CONFIRM, runs=runs)
