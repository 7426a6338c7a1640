"""Folding library frames out of recorded tracebacks: pytest's styles and Python's own."""

from __future__ import annotations

from cockpit.rootcause.folding import FOLD_MARK, fold_traceback, short_library_path

ROOT = "/work/proj"
SITE = "/venv/lib/python3.11/site-packages"
STDLIB = "/usr/lib/python3.11"
SEP = "_ " * 40

# pytest's auto style: the first and last entries long, the middle ones short.
AUTO = f"""    def test_lib():
>       helper("{{bad")

tests/test_tb.py:8:{" "}
{SEP}
tests/test_tb.py:5: in helper
    return json.loads(x)
           ^^^^^^^^^^^^^
{STDLIB}/json/__init__.py:346: in loads
    return _default_decoder.decode(s)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^
{STDLIB}/json/decoder.py:337: in decode
    obj, end = self.raw_decode(s, idx=_w(s, 0).end())
               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
{SEP}

self = <json.decoder.JSONDecoder object at 0x7f12f43b22d0>, s = '{{bad', idx = 0

    def raw_decode(self, s, idx=0):
        try:
>           obj, end = self.scan_once(s, idx)
                       ^^^^^^^^^^^^^^^^^^^^^^
E           json.decoder.JSONDecodeError: Expecting property name: line 1 column 2 (char 1)

{STDLIB}/json/decoder.py:353: JSONDecodeError"""

# A collection error (short style) that opens in importlib's and pytest's frames.
COLLECTION = f"""{STDLIB}/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
<frozen importlib._bootstrap>:1204: in _gcd_import
    ???
{SITE}/_pytest/assertion/rewrite.py:186: in exec_module
    exec(co, module.__dict__)
tests/sub/conftest.py:2: in <module>
    from app.core import thing
app/core.py:4: in <module>
    x = weakref.ref(f)
        ^^^^^^^
E   NameError: name 'weakref' is not defined"""

NATIVE = f"""Traceback (most recent call last):
  File "<frozen runpy>", line 198, in _run_module_as_main
  File "{SITE}/_pytest/config/__init__.py", line 860, in import_plugin
    __import__(importspec)
  File "{SITE}/_pytest/assertion/rewrite.py", line 186, in exec_module
    exec(co, module.__dict__)
  File "{ROOT}/badplugin.py", line 2, in <module>
    x = undefined_name
        ^^^^^^^^^^^^^^
NameError: name 'undefined_name' is not defined"""

PLAIN_ASSERT = """    def test_assert():
        x = 1
>       assert x == 2
E       assert 1 == 2

tests/test_tb.py:12: AssertionError"""


def test_library_frames_fold_to_one_line_each_and_project_frames_stay_whole() -> None:
    folded = fold_traceback(AUTO, ROOT)
    lines = folded.text.splitlines()
    assert lines[0] == "    def test_lib():"
    assert "tests/test_tb.py:5: in helper" in lines
    assert "    return json.loads(x)" in lines
    assert f"  {FOLD_MARK} json/__init__.py:346 in loads" in lines
    assert f"  {FOLD_MARK} json/decoder.py:337 in decode" in lines
    assert f"  {FOLD_MARK} json/decoder.py:353 in raw_decode" in lines
    assert lines[-1].startswith("E           json.decoder.JSONDecodeError")  # kept
    assert (
        "self.scan_once" not in folded.text
    )  # the project's callees: one line each and "self = <json" not in folded.text
    assert folded.folded_frames == 3
    assert folded.raised_in == "tests/test_tb.py:5" and folded.raised_in_library
    assert folded.full == AUTO


def test_a_collection_error_opens_on_the_project_not_importlib() -> None:
    folded = fold_traceback(COLLECTION, ROOT)
    lines = folded.text.splitlines()
    # The frames that called into the project (what pytest's own traceback cuts) are one.
    assert lines[:2] == [
        f"  {FOLD_MARK} 3 library frames calling the project (importlib, _pytest)",
        "tests/sub/conftest.py:2: in <module>",
    ]
    assert folded.folded_frames == 3
    assert folded.raised_in == "app/core.py:4" and not folded.raised_in_library


def test_a_native_traceback_folds_too() -> None:
    folded = fold_traceback(NATIVE, ROOT)
    assert folded.text.splitlines()[1] == (
        f"  {FOLD_MARK} 3 library frames calling the project (runpy, _pytest)"
    )
    assert "__import__(importspec)" not in folded.text
    assert f'  File "{ROOT}/badplugin.py", line 2, in <module>' in folded.text
    assert folded.text.endswith("NameError: name 'undefined_name' is not defined")
    assert folded.raised_in == "badplugin.py:2"


def test_a_plain_assert_is_raised_in_the_test_file() -> None:
    folded = fold_traceback(PLAIN_ASSERT, ROOT)
    assert folded.text == PLAIN_ASSERT
    assert folded.raised_in == "tests/test_tb.py:12" and not folded.raised_in_library
    assert folded.folded_frames == 0


def test_the_kept_tail_never_begins_mid_frame() -> None:
    folded = fold_traceback(AUTO, ROOT)
    tail = folded.tail(7).splitlines()
    assert tail[0] == f"  {FOLD_MARK} 1 earlier frame"
    assert tail[1] == "tests/test_tb.py:5: in helper"  # a whole frame, never a bare ^^^^
    assert tail[-1].startswith("E ")
    assert fold_traceback(PLAIN_ASSERT).tail(2) == PLAIN_ASSERT  # the last frame is whole


def test_a_chained_traceback_keeps_both_parts_and_raises_in_the_last() -> None:
    joint = "The above exception was the direct cause of the following exception:"
    text = f"{COLLECTION}\n\n{joint}\n\n{PLAIN_ASSERT}"
    folded = fold_traceback(text, ROOT)
    assert joint in folded.text
    assert folded.raised_in == "tests/test_tb.py:12"


def test_text_without_frames_is_kept_as_it_is() -> None:
    assert fold_traceback("ERROR: file or directory not found: x").text == (
        "ERROR: file or directory not found: x"
    )
    assert fold_traceback("").text == ""
    assert short_library_path(f"{SITE}/sqlalchemy/orm/session.py") == "sqlalchemy/orm/session.py"


def test_a_tail_shortens_a_long_run_of_library_frames_to_keep_the_project_in_view() -> None:
    frames = "".join(
        f'  File "{SITE}/sqlalchemy/orm/m{i}.py", line {i}, in f{i}\n    call()\n' for i in range(9)
    )
    text = (
        'Traceback (most recent call last):\n  File "/work/proj/tests/test_a.py", line 4, in t\n'
        f"    Customer()\n{frames}sqlalchemy.exc.InvalidRequestError: no Invoice"
    )
    tail = fold_traceback(text, ROOT).tail(8).splitlines()
    assert tail == [
        "Traceback (most recent call last):",
        '  File "/work/proj/tests/test_a.py", line 4, in t',
        "    Customer()",
        f"  {FOLD_MARK} sqlalchemy/orm/m0.py:0 in f0",
        f"  {FOLD_MARK} 7 more library frames (sqlalchemy)",
        f"  {FOLD_MARK} sqlalchemy/orm/m8.py:8 in f8",
        "sqlalchemy.exc.InvalidRequestError: no Invoice",
    ]
    assert len(fold_traceback(text, ROOT).text.splitlines()) == 13  # the full fold: one each
