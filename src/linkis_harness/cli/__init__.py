"""The `linkis-harness` command: check | load | rules | serve | execid.

`main()` is the console entry point and the only caller of `sys.exit`; tests call
`run(argv, stdout, stderr)`, which returns the exit code (0 held, 1 findings, 2 not run).
Each command's options are declared in its own module here (`cli/check.py`, ...), the options
several commands share once in `cli/options.py`; each hands typed values to its runner.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Any, TextIO

import click

from linkis_harness.cli.check import check
from linkis_harness.cli.execid import execid
from linkis_harness.cli.load import load
from linkis_harness.cli.options import Streams
from linkis_harness.cli.rules import rules
from linkis_harness.cli.serve import serve
from linkis_harness.errors import ExitCode, HarnessError

__all__ = ["cli", "main", "run"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", is_flag=True, help="Show tracebacks for internal errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Contract, load and proxy-rule tests for the Apache Linkis REST API."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


for _command in (check, load, rules, serve, execid):
    cli.add_command(_command)


def run(
    argv: Sequence[str], stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Run the CLI with `argv` and return its exit code; never raises for user errors."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    obj: dict[str, Any] = {"streams": Streams(out, err)}
    verbose = "--verbose" in argv
    try:
        cli.main(list(argv), prog_name="linkis-harness", standalone_mode=False, obj=obj)
    except click.UsageError as exc:
        path = exc.ctx.command_path if exc.ctx else "linkis-harness"
        hint = f"\n\nRun '{path} --help'."
        err.write(f"error: {exc.format_message()}{hint}\n")
        return ExitCode.NOT_RUN
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        err.write("aborted\n")
        return ExitCode.NOT_RUN
    except click.ClickException as exc:
        err.write(f"error: {exc.format_message()}\n")
        return ExitCode.NOT_RUN
    except HarnessError as exc:
        err.write(f"error: {exc}\n")
        if verbose:
            err.write(traceback.format_exc())
        return ExitCode.NOT_RUN
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return ExitCode.NOT_RUN
    except Exception as exc:
        err.write(f"internal error: {type(exc).__name__}: {exc}\n")
        if verbose:
            err.write(traceback.format_exc())
        else:
            err.write("(run with --verbose for the traceback)\n")
        return ExitCode.NOT_RUN
    return int(obj.get("code", ExitCode.OK))


def main() -> None:
    """Console entry point."""
    sys.exit(run(sys.argv[1:]))
