"""`create_app`: the simulated Linkis deployment as one ASGI app (gateway in front of the services)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from linkis_harness.simulator.auth import Auth
from linkis_harness.simulator.clock import Clock
from linkis_harness.simulator.entrance import EntranceApi
from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.filesystem import FilesystemApi
from linkis_harness.simulator.gateway import Gateway
from linkis_harness.simulator.jobhistory import JobHistoryApi
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.responses import spring_error

__all__ = ["create_app"]


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    return spring_error(status, request.scope["path"])


def create_app(
    store: JobStore,
    clock: Clock,
    *,
    auth: Auth | None = None,
    faults: Faults | None = None,
    proxy_headers: bool = False,
    behind_proxy: bool = False,
    admin_token_mitigated: bool = False,
) -> ASGIApp:
    """Build the simulator app: `/api/rest_j/v1/...` of a gateway, entrance, job history and filesystem."""
    faults = faults or Faults()
    auth = auth or Auth(faults=faults)
    store.clock = clock

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        store.history.close()

    entrance = EntranceApi(store, faults, version=auth.version)
    routes = [
        *entrance.routes(),
        *JobHistoryApi(
            store,
            faults,
            missing_as_null=auth.version.history_missing_task_null,
            execution_code=auth.version.history_execution_code,
        ).routes(),
        *FilesystemApi(
            store, faults, column_paging=auth.version.openfile_column_paging
        ).routes(),
    ]
    services = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _http_error},
        lifespan=lifespan,
    )
    services.router.redirect_slashes = False
    gateway = Gateway(
        services,
        auth=auth,
        instance=store.instance,
        proxy_headers=proxy_headers,
        store=store,
        faults=faults,
        behind_proxy=behind_proxy,
        admin_token_mitigated=admin_token_mitigated,
    )
    for operation, handler in entrance.polled().items():
        gateway.forward(operation, handler)
    return gateway
