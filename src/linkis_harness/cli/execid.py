"""`linkis-harness execid`: parse execIDs and print their fields."""

from __future__ import annotations

import json

import click

from linkis_harness.cli.options import streams
from linkis_harness.core.execid import ExecId
from linkis_harness.errors import ExitCode, InvalidExecId

__all__ = ["execid"]


@click.command()
@click.argument("exec_ids", nargs=-1, required=True, metavar="ID...")
@click.pass_context
def execid(ctx: click.Context, exec_ids: tuple[str, ...]) -> None:
    """Print each execID's fields as JSON; exit 1 if one does not parse."""
    io = streams(ctx)
    code = ExitCode.OK
    for text in exec_ids:
        try:
            io.out.write(
                json.dumps(ExecId.parse(text).describe(), ensure_ascii=False) + "\n"
            )
        except InvalidExecId as exc:
            # The message already names the input, the offset and what was expected.
            io.err.write(f"error: {exc}\n")
            code = ExitCode.FINDINGS
    ctx.obj["code"] = code
