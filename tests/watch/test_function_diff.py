"""The function-level diff precise selection rests on: bodies vs module-level changes."""

from __future__ import annotations

from cockpit.watch.function_diff import function_diff, function_of

OLD = b'''import os

LIMIT = 3


def helper(x):
    """Add one."""
    return x + 1


class Formatter:
    width = 80

    def write_usage(self):
        return "usage"

    @property
    def size(self):
        return 1

    @size.setter
    def size(self, value):
        self._size = value

    class Inner:
        def deep(self):
            def nested():
                return 1
            return nested()
'''


def diff(new: bytes) -> tuple[frozenset[str], str]:
    result = function_diff(OLD, new)
    return result.changed, result.module_level


def test_a_changed_method_body_is_that_method_alone() -> None:
    assert diff(OLD.replace(b'return "usage"', b'return "Usage"')) == (
        frozenset({"Formatter.write_usage"}),
        "",
    )


def test_nested_functions_and_classes_belong_to_their_outer_definition() -> None:
    changed, level = diff(OLD.replace(b"                return 1", b"                return 2"))
    assert (changed, level) == (frozenset({"Formatter.Inner.deep"}), "")


def test_a_setter_sharing_its_getters_name_is_compared_too() -> None:
    changed, _ = diff(OLD.replace(b"self._size = value", b"self._size = value * 2"))
    assert changed == frozenset({"Formatter.size"})


def test_comments_blank_lines_and_moves_change_nothing() -> None:
    moved = OLD.replace(b"LIMIT = 3\n", b"LIMIT = 3  # the most\n\n\n")
    assert diff(moved) == (frozenset(), "")


def test_a_docstring_is_part_of_the_body() -> None:
    assert diff(OLD.replace(b"Add one.", b"Add two."))[0] == frozenset({"helper"})


def test_module_level_changes_fall_back() -> None:
    cases = [
        OLD.replace(b"import os", b"import sys"),  # imports
        OLD.replace(b"LIMIT = 3", b"LIMIT = 4"),  # module code
        OLD.replace(b"width = 80", b"width = 100"),  # a class body
        OLD.replace(b"def helper(x):", b"def helper(x, y=1):"),  # a signature
        OLD.replace(b"    @property\n", b""),  # a decorator
        OLD + b"\ndef added():\n    return 0\n",  # a new top-level name
    ]
    for new in cases:
        changed, level = diff(new)
        assert (changed, level) == (frozenset(), "module-level code changed"), new


def test_content_that_does_not_parse_is_module_level() -> None:
    assert diff(OLD + b"\ndef broken(:\n")[1] == "it does not parse (SyntaxError)"


def test_a_code_objects_qualname_maps_to_its_outer_function() -> None:
    assert function_of("Formatter.write_help.<locals>.<listcomp>") == "Formatter.write_help"
    assert function_of("f.<locals>.g") == "f"
    assert function_of("Formatter.write_usage") == "Formatter.write_usage"


def test_a_function_that_caches_its_results_is_named() -> None:
    old = b"import functools\n\n@functools.lru_cache(maxsize=10)\ndef env():\n    return 1\n"
    new = old.replace(b"return 1", b"return 2")
    assert function_diff(old, new).caching == frozenset({"env"})
    plain = b"def env():\n    return 1\n"
    assert function_diff(plain, plain.replace(b"1", b"2")).caching == frozenset()
