"""Where a fix sits among runs, and what its evidence counts (pure rules, runs by hand)."""

from __future__ import annotations

from collections.abc import Callable

from cockpit.session.fix_placement import fix_files, last_change, place
from cockpit.session.fixes import evidence_words
from cockpit.store.coverage import RunOutcomes, covers, evidence_between, proves

BROKEN = RunOutcomes(
    {"t/a.py::x": ("t/a.py", "failed"), "t/b.py::y": ("t/b.py", "passed")},
    frozenset({"t/c.py"}),
)
STILL = RunOutcomes({"t/a.py::x": ("t/a.py", "failed")}, frozenset())
FIXED = RunOutcomes({"t/a.py::x": ("t/a.py", "passed")}, frozenset())
OTHER = RunOutcomes({"t/b.py::y": ("t/b.py", "passed")}, frozenset())
IMPORTED = RunOutcomes({f"t/c.py::t{n}": ("t/c.py", "passed") for n in range(4)}, frozenset())


def test_covering_and_proving() -> None:
    assert covers(BROKEN, STILL) and not proves(BROKEN, STILL)
    assert covers(BROKEN, FIXED) and proves(BROKEN, FIXED)
    assert not covers(BROKEN, OTHER) and not proves(BROKEN, OTHER)
    assert covers(BROKEN, IMPORTED) and proves(BROKEN, IMPORTED)
    again = RunOutcomes({}, frozenset({"t/c.py"}))
    assert covers(BROKEN, again) and not proves(BROKEN, again)


def test_the_evidence_counts_each_kind_apart() -> None:
    evidence = evidence_between(BROKEN, IMPORTED, before_whole=False)
    assert evidence.flipped == {} and evidence.errors_resolved == ["t/c.py"]
    assert evidence.new_passing_count == 4
    assert evidence_words(evidence) == "1 collection error resolved, 4 new tests passing"
    flipped = evidence_between(BROKEN, FIXED, before_whole=False)
    assert evidence_words(flipped) == "1 test flipped to pass"
    assert evidence_words(evidence_between(BROKEN, STILL, before_whole=False)) == (
        "0 tests flipped to pass"
    )
    added = RunOutcomes({"t/d.py::new": ("t/d.py", "passed")}, frozenset())
    assert evidence_between(BROKEN, added, before_whole=False).new_passing == {}
    assert evidence_between(BROKEN, added, before_whole=True).new_passing == {
        "t/d.py": ["t/d.py::new"]
    }


def test_the_last_change_of_the_named_files() -> None:
    states = [{"a": "1", "b": "1"}, {"a": "1", "b": "2"}, {"a": "2", "b": "2"}]
    assert last_change(states, None) == 1
    assert last_change(states, ["b"]) == 0
    assert last_change(states, ["c"]) == 2  # never changed: the last state


def test_a_file_changed_back_is_not_part_of_the_fix() -> None:
    before = {"app/models.py": "1", "app/util.py": "1"}
    proving = {"app/models.py": "2", "app/util.py": "2"}
    now = {"app/models.py": "2", "app/util.py": "1"}
    assert fix_files(before, proving, now) == ("app/models.py",)
    assert fix_files(before, None, now) == ("app/models.py",)


def outcomes_of(runs: dict[int, RunOutcomes]) -> Callable[[int], RunOutcomes]:
    return runs.__getitem__


def test_a_fix_logged_after_its_proving_run_gets_it() -> None:
    runs = {1: BROKEN, 2: STILL, 3: FIXED}
    states = [{"m.py": "1"}, {"m.py": "2"}, {"m.py": "3"}]
    placed = place([1, 2, 3], states, {"m.py": "3"}, outcomes_of(runs))
    # run 2 covered the test and it still failed: the fix was still in progress
    assert placed == (1, 3, ("m.py",))


def test_a_fix_logged_before_its_proving_run_waits() -> None:
    placed = place([1], [{"m.py": "1"}], {"m.py": "2"}, outcomes_of({1: BROKEN}))
    assert placed == (1, None, ("m.py",))


GREEN = RunOutcomes({"t/a.py::x": ("t/a.py", "passed")}, frozenset())


def test_the_before_run_is_the_run_that_failed_not_the_change_that_broke_it() -> None:
    runs = {1: GREEN, 2: STILL, 3: FIXED}
    states = [{"m.py": "1"}, {"m.py": "broken"}, {"m.py": "1"}]
    placed = place([1, 2, 3], states, {"m.py": "1"}, outcomes_of(runs))
    assert placed == (2, 3, ("m.py",))


def test_a_run_of_other_tests_in_between_is_no_before_run() -> None:
    runs = {1: BROKEN, 2: OTHER, 3: FIXED}
    states = [{"m.py": "1"}, {"m.py": "1"}, {"m.py": "2"}]
    assert place([1, 2, 3], states, states[-1], outcomes_of(runs)) == (1, 3, ("m.py",))


def test_a_rerun_without_changes_is_the_last_run_before_the_change() -> None:
    runs = {1: BROKEN, 2: STILL, 3: FIXED}
    states = [{"m.py": "1"}, {"m.py": "1"}, {"m.py": "2"}]
    assert place([1, 2, 3], states, states[-1], outcomes_of(runs)) == (2, 3, ("m.py",))


def test_a_module_imported_again_after_it_broke() -> None:
    error = RunOutcomes({}, frozenset({"t/c.py"}))
    runs = {1: IMPORTED, 2: error, 3: error, 4: IMPORTED}
    states = [{"c.py": "1"}, {"c.py": "2"}, {"c.py": "2"}, {"c.py": "1"}]
    assert place([1, 2, 3, 4], states, states[-1], outcomes_of(runs)) == (3, 4, ("c.py",))


def test_named_files_choose_the_files_and_the_change() -> None:
    runs = {1: BROKEN, 2: BROKEN, 3: FIXED}
    states = [{"m.py": "1", "x.py": "1"}, {"m.py": "1", "x.py": "2"}, {"m.py": "2", "x.py": "2"}]
    placed = place([1, 2, 3], states, states[-1], outcomes_of(runs), ["m.py"])
    assert placed == (2, 3, ("m.py",))
    waiting = place([1], states[:1], states[-1], outcomes_of(runs), ["m.py"])
    assert waiting == (1, None, ("m.py",))


def test_a_second_fix_proved_by_tests_the_first_fixs_proof_did_not_rerun() -> None:
    both = RunOutcomes(
        {"t/a.py::x": ("t/a.py", "failed"), "t/b.py::y": ("t/b.py", "failed")}, frozenset()
    )
    a_fixed = RunOutcomes({"t/a.py::x": ("t/a.py", "passed")}, frozenset())
    b_fixed = RunOutcomes({"t/b.py::y": ("t/b.py", "passed")}, frozenset())
    runs = {1: both, 2: a_fixed, 3: b_fixed}
    states = [{"a.py": "1", "b.py": "1"}, {"a.py": "2", "b.py": "1"}, {"a.py": "2", "b.py": "2"}]
    first = place([1, 2, 3], states, states[-1], outcomes_of(runs))
    assert first == (1, 2, ("a.py",))
    # The first fix's proof (run 2) is the bound: t/b.py::y last failed in run 1.
    second = place([1, 2, 3], states, states[-1], outcomes_of(runs), bound=1)
    assert second == (1, 3, ("b.py",))  # a.py changed before the bound: the first fix's
