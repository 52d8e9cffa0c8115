"""The gateway in front of the simulated services: `/user/*`, authentication, execID routing.

Order as in `SecurityFilter.doFilter` (Linkis 1.4.0 gateway/security/SecurityFilter.scala):
`/user/*` is answered here; otherwise a token request (both `Token-Code` and `Token-User` headers,
names case-sensitive) or the session cookie must identify the user (else 401, status -1, `method` =
URI); per-job entrance paths are then routed by their execID (routing errors: HTTP 200, status 1),
or from 1.5 by a taskID looked up in job history (`taskroute`). Bodies beyond a bound get 413.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from linkis_harness.core.envelope import swallowed_by_gateway
from linkis_harness.core.execid import ExecIdLayout
from linkis_harness.core.gatewaylint import ADMIN_TOKEN_SINCE
from linkis_harness.core.versions import Version
from linkis_harness.simulator.auth import Auth
from linkis_harness.simulator.faults import Faults
from linkis_harness.simulator.jobs import JobStore
from linkis_harness.simulator.responses import (
    API_PREFIX,
    Responder,
    envelope_response,
    gateway_error,
    json_response,
    spring_error,
)
from linkis_harness.simulator.routing import (
    ENTRANCE_APP,
    Route,
    RouteError,
    parse_exec_id,
    route_exec_id,
)
from linkis_harness.simulator.taskroute import TaskRoute, route_task_id
from linkis_harness.simulator.users import NOT_LOGGED_IN, UserApi

__all__ = [
    "FORWARDED_HEADERS",
    "RAW_HEADER_NAMES",
    "SCOPE_TASK",
    "SCOPE_TOKEN_CODE",
    "SCOPE_USER",
    "Gateway",
]

RAW_HEADER_NAMES = "linkis.raw_header_names"  # scope key set by our uvicorn protocol
SCOPE_USER = "linkis.user"
SCOPE_TOKEN_CODE = (
    "linkis.token_code"  # the Token-Code header the entrance sees (1.6+ admin)
)
# SpringCloudGatewayHttpRequest.getRequestRealIpAddr (1.3.2+:108-139): the first valid IP
# among these request headers, the TCP peer when none is given (ledger: gateway.token.host).
FORWARDED_HEADERS = (
    "X-Forwarded-For",
    "Proxy-Client-IP",
    "WL-Proxy-Client-IP",
    "HTTP_CLIENT_IP",
    "HTTP_X_FORWARDED_FOR",
)
SCOPE_SHORT_ID = "linkis.short_id"
SCOPE_TASK = "linkis.task"  # 1.5+: the TaskRoute of a numeric {id}
_log = logging.getLogger("linkis_harness.simulator")
Handler = Callable[[Request], Awaitable[Response]]
_VERSION = re.compile(r"^/api/rest_j/(v[^/]*)/")
# SecurityFilter adds these to every answer (Linkis 1.4.0 gateway/security/SecurityFilter.scala).
_CORS = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-credentials", b"true"),
    (b"access-control-allow-headers", b"authorization,Content-Type"),
    (b"access-control-allow-methods", b"POST, GET, OPTIONS, PUT, HEAD, DELETE"),
)
# ENTRANCE_REQUEST_REGEX: an id starting with this goes to any entrance, unparsed (1.2+).
_ANY_ENTRANCE = "operation"
_OPERATION_IDS = Version(1, 2)
# wds.linkis.gateway.server.reflesh.enabled=false: the instance is not checked (1.1+).
_UNCHECKED_INSTANCE = Version(1, 1)
# The entrance controller's per-job reads that parse the id first (`parseExecID(id)[3]`).
_PARSING = frozenset(
    {"status", "progress", "progressWithResource", "log", "kill", "pause"}
)


class Gateway:
    """ASGI middleware acting as the Linkis gateway in front of `backend`."""

    def __init__(
        self,
        backend: ASGIApp,
        *,
        auth: Auth,
        instance: str,
        proxy_headers: bool = False,
        max_body: int = 4 * 1024 * 1024,
        store: JobStore | None = None,
        faults: Faults | None = None,
        behind_proxy: bool = False,
        admin_token_mitigated: bool = False,
    ) -> None:
        self.backend = backend
        self.store = store
        self.faults = faults or Faults()
        self.auth = auth
        self.instance = instance
        self.proxy_headers = proxy_headers
        # Behind a proxy that overwrites the forwarded headers with the client's address.
        self.behind_proxy = behind_proxy
        # Drop a lone Token-Code (no Token-User) before it reaches the services.
        self.admin_token_mitigated = admin_token_mitigated
        self.max_body = max_body
        self._users = UserApi(auth, instance)
        self._routes: dict[str, Route] = {}
        self._direct: dict[str, Handler] = {}

    @property
    def _where(self) -> str:
        host, _, port = self.instance.rpartition(":")
        return f" ,ip: {host} ,port: {port} ,serviceKind: linkis-mg-gateway"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.backend(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *_CORS]
            await send(message)

        if _swallowed(scope) or (
            self.faults.execute_swallowed
            and scope["method"] == "POST"
            and scope["path"] == API_PREFIX + "/entrance/execute"
        ):
            # No filter ran: no CORS headers, no body (ledger: gateway.body.empty-body-swallowed)
            await Response(b"", status_code=200, media_type=None)(scope, receive, send)
            return
        response = await self._gate(scope, receive)
        if response is None:
            await self.backend(scope, receive, send_with_cors)
        else:
            await response(scope, receive, send_with_cors)

    async def _gate(self, scope: Scope, receive: Receive) -> Response | None:
        path: str = scope["path"]
        request = Request(scope, receive)
        if _too_long(request, self.max_body):
            return self._own_error(413, path)
        version = _VERSION.match(path)
        if version is None:
            return self._own_error(404, path)
        if version.group(1) != "v1":
            unsupported = f"The gatewayv1 not support version {version.group(1)}."
            return self._routing_error(path, unsupported, "")
        rest = path[len(API_PREFIX) :]
        if rest.startswith("/user/"):
            return await self._users.answer(request, rest[len("/user/") :])
        user = self._authenticate(request)
        if isinstance(user, Response):
            return user
        if self.proxy_headers:
            user = self._proxy_header_user(request, user)
            if isinstance(user, Response):
                return user
        refusal = self.auth.access_refusal(user, _peer(request), path)
        if (
            refusal is not None
        ):  # SecurityFilter: Message.error, no method (1.5.0:196-236)
            return envelope_response(None, 1, refusal)
        scope[SCOPE_USER] = user
        scope[SCOPE_TOKEN_CODE] = self._token_code_seen(request)
        parts = rest.split("/")
        # EntranceRequestGatewayParser: /entrance/<id>/<anything> (ledger:
        # gateway.entrance.per-job-routing); execute/submit ids are parsed like any other.
        if len(parts) >= 4 and parts[1] == "entrance" and parts[3]:
            routed = self._route_entrance(request, parts)
            if routed is not None:
                return routed
            direct = self._direct.get(parts[3]) if len(parts) == 4 else None
            if direct is not None and scope["method"] == "GET":
                scope["path_params"] = {"id": parts[2]}
                try:
                    return await direct(request)
                except Exception:  # a simulator bug: log it, answer like Spring would
                    _log.exception("unhandled error on %s", path)
                    return spring_error(500, path)
        return None

    def _route_entrance(self, request: Request, parts: list[str]) -> Response | None:
        """Route `/entrance/<id>/...`; an answer when the gateway or the entrance's parse refuses it."""
        path: str = request.scope["path"]
        exec_id = parts[2]
        version = self.auth.version.version
        if exec_id.startswith(_ANY_ENTRANCE) and version >= _OPERATION_IDS:
            # Any entrance, unparsed; its controller parses the id itself and throws
            # (ledger: gateway.entrance.operation-id).
            try:
                request.scope[SCOPE_SHORT_ID] = parse_exec_id(exec_id)[3]
            except RouteError as exc:
                if len(parts) == 4 and parts[3] in _PARSING:
                    return self._entrance_crash(exc.root_cause)
                request.scope[SCOPE_SHORT_ID] = ""
            return None
        if (
            self.auth.version.task_id_as_exec_id
            and self.store is not None
            and not exec_id.startswith("exec_id")
        ):
            return self._route_task_id(request.scope, exec_id, path)
        try:
            route = self._route(exec_id)
        except RouteError as exc:
            return self._routing_error(path, exc.root_cause, exc.stack)
        if route.service != ENTRANCE_APP:
            return spring_error(404, path)  # another service has no /entrance routes
        if version < _UNCHECKED_INSTANCE and route.instance != self.instance:
            # 1.0.x refreshes and checks the instance (ledger: gateway.entrance.unregistered-instance)
            app, instance = route.service, route.instance
            message = (
                f"errCode: 10051 ,desc: The instance {instance} of application {app} is not "
                f"exists.{self._where}"
            )
            return self._routing_error(
                path, f"NoInstanceExistsException: {message}", ""
            )
        request.scope[SCOPE_SHORT_ID] = route.short_id
        return None

    def _entrance_crash(self, root_cause: str) -> Response:
        """Answer as the entrance does for an exception in its controller (status 1, errCode 0)."""
        # ledger: gateway.entrance.operation-id
        return Responder("entrance", self.faults).crash(None, root_cause)

    def forward(self, operation: str, handler: Handler) -> None:
        """Send `GET /entrance/<execID>/<operation>` straight to `handler` once routed.

        The polled reads skip the backend's route table (the gateway already knows where they go);
        every other request, including wrong methods on these paths, goes through it.
        """
        self._direct[operation] = handler

    def _route_task_id(self, scope: Scope, text: str, path: str) -> Response | None:
        """Route a (1.5+) taskID in place of the execID; a Response on failure."""
        assert self.store is not None
        found = route_task_id(self.store, text, path)
        if not isinstance(found, TaskRoute):
            return found
        scope[SCOPE_TASK] = found
        scope[SCOPE_SHORT_ID] = found.short_id
        return None

    def _own_error(self, status: int, path: str) -> Response:
        """Answer an error of the gateway itself (1.5+: `CustomErrorAttributes`' body)."""
        return gateway_error(status, path, custom=self.auth.version.gateway_error_body)

    def _route(self, exec_id: str) -> Route:
        """Route an execID like the gateway (memoized: polls repeat ids)."""
        route = self._routes.get(exec_id)
        if route is None:
            legacy = self.auth.version.execid_layout is ExecIdLayout.LEGACY
            route = route_exec_id(exec_id, instance=self.instance, legacy=legacy)
            if len(self._routes) >= 100_000:
                self._routes.clear()
            self._routes[exec_id] = route
        return route

    def _routing_error(self, path: str, message: str, stack: str) -> Response:
        # GatewayAuthorizationFilter's catch never sets an HTTP status: HTTP 200
        # (ledger: gateway.entrance.malformed-execid).
        return envelope_response(path, 1, message, {"stack": stack}, http_status=200)

    def _has_header(self, request: Request, name: str) -> bool:
        raw = request.scope.get(RAW_HEADER_NAMES)
        if (
            raw is None
        ):  # a server that lower-cases names: fall back to case-insensitive
            return name.lower() in request.headers
        return name.encode() in raw

    def _authenticate(self, request: Request) -> str | Response:
        path = request.scope["path"]
        if self._has_header(request, "Token-Code") and self._has_header(
            request, "Token-User"
        ):
            return self._token_user(request)
        cookies = request.cookies
        if "Token-Code" in cookies and "Token-User" in cookies:
            # token cookies alone: an NPE in 1.x (Linkis 1.4.0 TokenAuthentication.scala)
            return self._crash(path)
        ticket = cookies.get(self.auth.cookie)
        user = self.auth.session_user(ticket)
        if user is not None:
            return user
        if ticket is not None:
            expired = (
                "errCode: 11002 ,desc: You are not logged in, please login first!"
                + self._where
            )
            return envelope_response(path, -1, expired)
        anonymous = self.auth.anonymous_user()
        return (
            anonymous
            if anonymous is not None
            else envelope_response(path, -1, NOT_LOGGED_IN)
        )

    def _token_user(self, request: Request) -> str | Response:
        path = request.scope["path"]
        if not self.auth.tokens_enabled:
            return envelope_response(
                path, -1, "Gateway未启用token认证，请采用其他认证方式!"
            )
        code = request.headers.get("token-code", "")
        user = request.headers.get("token-user", "")
        if not code.strip() or not user.strip():
            cookies = request.cookies
            if "Token-Code" in cookies and "Token-User" in cookies:
                return envelope_response(
                    path,
                    -1,
                    "请在Header或Cookie中同时指定Token-Code 和 Token-User，以便完成token认证！",
                )
            return self._crash(path)
        verdict = self.auth.check_token(
            code, user, self._token_host(request), where=self._where
        )
        if verdict.user is None:
            message = (
                f"Token Authentication Failed, token: {code}，tokenUser: {user}, reason: "
                f"errCode: {verdict.code} ,desc: {verdict.desc}{self._where}"
            )
            return envelope_response(path, -1, message)
        return verdict.user

    def _crash(self, path: str) -> Response:
        """Answer a gateway that blew up (an NPE): WebFlux's 500, in 1.5+ through CustomErrorAttributes."""
        if self.auth.version.gateway_error_body:
            return gateway_error(500, path, custom=True)
        return _webflux_crash(path)

    def _token_host(self, request: Request) -> str:
        """Return the host `doAuth` checks: forwarded headers first from 1.3 (spoofable), else the peer."""
        if self.auth.real_ip_from_headers and not self.behind_proxy:
            for name in FORWARDED_HEADERS:
                for value in request.headers.getlist(name):
                    if _is_ip(value):
                        return value
        return _peer(request)

    def _token_code_seen(self, request: Request) -> str | None:
        """Return the Token-Code the services see: as sent, or dropped without Token-User (mitigated)."""
        code = request.headers.get("token-code")
        if self.auth.version.version < ADMIN_TOKEN_SINCE:
            return None  # only 1.6+ services read it (EntranceRestfulApi.submit)
        if self.admin_token_mitigated and not self._has_header(request, "Token-User"):
            return None
        return code

    def _proxy_header_user(self, request: Request, user: str) -> str | Response:
        """Apply the documented-but-unimplemented `Proxy-User` + `Validation-Code` form (option)."""
        proxy_user = request.headers.get("proxy-user")
        code = request.headers.get("validation-code")
        if proxy_user is None or code is None:
            return user
        if self.auth.proxy_allows(code, proxy_user):
            return proxy_user.lower()
        return envelope_response(request.scope["path"], 1, "Validation failed")


def _swallowed(scope: Scope) -> bool:
    """Tell whether a request is a non-GET with an empty body to a path whose body the gateway reads."""
    headers = dict(scope.get("headers") or ())
    length = headers.get(b"content-length")
    empty = length == b"0" or (length is None and b"transfer-encoding" not in headers)
    return empty and swallowed_by_gateway(
        scope["method"], scope["path"], request_body=b""
    )


def _peer(request: Request) -> str:
    """Return the TCP peer's address (`getRemoteAddress`)."""
    client = request.scope.get("client")
    return str(client[0]) if client else ""


def _is_ip(value: str) -> bool:
    """Guava `InetAddresses.isInetAddress`: an IPv4 or IPv6 literal, nothing else."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _too_long(request: Request, limit: int) -> bool:
    length = request.headers.get("content-length", "")
    return length.isascii() and length.isdigit() and int(length) > limit


def _webflux_crash(path: str) -> Response:
    """Spring WebFlux's default body for a gateway that blew up (issue #2642)."""
    response = spring_error(500, path)
    body = json.loads(bytes(response.body))
    body.update(message="", requestId="linkis-sim")
    return json_response(body, status=500)
