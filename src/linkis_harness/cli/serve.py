"""`linkis-harness serve`: the embedded simulator's options, handed to `simulator.server`."""

from __future__ import annotations

from pathlib import Path

import click

from linkis_harness.cli.options import (
    gateway_properties_option,
    now_option,
    proxy_rules_option,
    streams,
    token_rules_option,
    token_table_option,
)

__all__ = ["serve"]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=9001,
    show_default=True,
    help="Port (0: any free port).",
)
@proxy_rules_option("proxy.properties for /user/proxy.")
@token_rules_option("Token rules for Token-Code/Token-User.")
@click.option(
    "--fault", default=None, help="Serve one named defect ('list' shows them)."
)
@click.option(
    "--speed",
    type=float,
    default=1.0,
    show_default=True,
    help="Divide every job duration by this.",
)
@click.option(
    "--users-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Login users, one 'user=password' a line (default: hadoop, alice, bob).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file for job history (default: in memory; a file survives restarts).",
)
@click.option(
    "--evict-after",
    type=float,
    default=600.0,
    show_default=True,
    help="Seconds a finished job stays in entrance memory (status/log/kill by execID).",
)
@click.option(
    "--proxy-headers",
    is_flag=True,
    help="Also honour the documented Proxy-User + Validation-Code headers.",
)
@click.option(
    "--linkis-version",
    default="1.8",
    show_default=True,
    help="Linkis release to imitate: 1.8, 1.7, 1.6, 1.5 (taskID polling, 1.5+ gateway "
    "errors), 1.4, 1.2/1.3, 1.1/1.0 (bdp-user-ticket-id cookie, substring token match) or "
    "0.11 (legacy execIDs too).",
)
@click.option(
    "--max-running",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="J",
    help="Engine slots: at most J jobs of one group (creator, user, engine) hold a slot at "
    "once; the rest wait Inited in the group's queue, as in Linkis (0: unlimited).",
)
@token_table_option()
@gateway_properties_option()
@click.option(
    "--behind-proxy",
    is_flag=True,
    help="Act as a gateway behind a proxy that overwrites X-Forwarded-For and friends "
    "(the token host check then sees the real client).",
)
@click.option(
    "--admin-token-exposed",
    is_flag=True,
    help="Pass a Token-Code sent without Token-User on to the services, as the 1.6+ release "
    "code does (ADMIN- tokens then ride a cookie session); default: dropped (mitigated).",
)
@now_option("Fixed time for token expiry (ISO date or date-time; default: the clock).")
@click.pass_context
def serve(
    ctx: click.Context,
    /,
    *,
    host: str,
    port: int,
    proxy_rules: Path | None,
    token_rules: Path | None,
    fault: str | None,
    speed: float,
    users_file: Path | None,
    db: Path | None,
    evict_after: float,
    proxy_headers: bool,
    linkis_version: str,
    max_running: int,
    token_table: Path | None,
    gateway_properties: Path | None,
    behind_proxy: bool,
    admin_token_exposed: bool,
    now: str | None,
) -> None:
    """Run the embedded Linkis simulator (a faithful twin with named fault modes)."""
    from linkis_harness.simulator import server

    io = streams(ctx)
    ctx.obj["code"] = server.run_serve(
        host=host,
        port=port,
        proxy_rules=proxy_rules,
        token_rules=token_rules,
        fault=fault,
        speed=speed,
        users_file=users_file,
        db=db,
        evict_after=evict_after,
        proxy_headers=proxy_headers,
        max_running=max_running,
        linkis_version=linkis_version,
        token_table=token_table,
        gateway_properties=gateway_properties,
        behind_proxy=behind_proxy,
        admin_token_mitigated=not admin_token_exposed,
        now=now,
        out=io.out,
        err=io.err,
    )
