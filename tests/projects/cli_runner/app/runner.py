"""A command runner for tests, like click's CliRunner: it catches what a command raises
and reports it as an exit code, so a test sees ``exit_code == 1``, never the exception."""

import io
from contextlib import redirect_stdout


class Result:
    def __init__(self, exit_code, output, exception):
        self.exit_code = exit_code
        self.output = output
        self.exception = exception


def invoke(command, *args):
    out = io.StringIO()
    try:
        with redirect_stdout(out):
            command(*args)
    except Exception as error:
        return Result(1, out.getvalue(), error)
    return Result(0, out.getvalue(), None)
