"""The gateway's own `/api/rest_j/v1/user/*` answers (Linkis 1.4.0 UserRestful.scala).

Dispatched by suffix, any HTTP method. Gateway messages carry `method: null`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from linkis_harness.core.versions import LoginAgain
from linkis_harness.simulator.auth import SESSION_TIMEOUT_MS, Auth
from linkis_harness.simulator.bodies import read_bounded
from linkis_harness.simulator.responses import envelope_response, json_response

__all__ = ["NOT_LOGGED_IN", "UserApi"]

NOT_LOGGED_IN = "You are not logged in, please login first(您尚未登录，请先登录)!"
_LOGIN_LIMIT = 64 * 1024  # past it the body is ignored (no credentials in it)


class UserApi:
    """`/api/rest_j/v1/user/<suffix>`: dispatched by suffix, any HTTP method (`UserRestful`)."""

    def __init__(self, auth: Auth, instance: str) -> None:
        self.auth = auth
        self.instance = instance
        self._handlers: dict[str, Callable[[Request], Awaitable[Response]]] = {
            "login": self._login,
            "logout": self._logout,
            "userInfo": self._user_info,
            "heartbeat": self._heartbeat,
            "publicKey": self._public_key,
            "baseinfo": self._base_info,
            "proxy": self._proxy,
        }

    async def answer(self, request: Request, suffix: str) -> Response:
        handler = self._handlers.get(suffix)
        if suffix == "proxy" and not self.auth.version.proxy_endpoint:  # added in 1.0
            handler = None
        if suffix == "baseinfo" and not self.auth.version.baseinfo_keys:  # 1.3.2+
            handler = None
        if handler is None:
            return envelope_response(None, 1, f"unknown request URI {suffix}")
        return await handler(request)

    def _current(self, request: Request) -> str | None:
        return self.auth.session_user(request.cookies.get(self.auth.cookie))

    def _not_logged_in(self) -> str:
        host, _, port = self.instance.rpartition(":")
        return (
            "errCode: 11002 ,desc: You are not logged in, please login first(您尚未登录，请先登录!) "
            f",ip: {host} ,port: {port} ,serviceKind: linkis-mg-gateway"
        )

    async def _login(self, request: Request) -> Response:
        current = self._current(request)
        if current is not None:
            message = f"{current}Already logged in, please log out before signing in(已经登录，请先退出再进行登录)！"
            if self.auth.version.login_again is LoginAgain.REDIRECT:  # 0.9.4, 1.0.0
                return envelope_response(None, 1, message, {"redirectToIndex": True})
            return envelope_response(None, 0, message, {"userName": current})
        user, password = await _credentials(request)
        if not user:
            return envelope_response(
                None, 1, "Username can not be empty(用户名不能为空)！"
            )
        if not password:
            return envelope_response(
                None, 1, "Password can not be blank(密码不能为空)！"
            )
        verdict = self.auth.login(user, password)
        if verdict is None:
            return envelope_response(
                None, 1, "wrong user name or password(用户名或密码错误)！"
            )
        name, is_admin = verdict
        data = {
            "userName": name,
            "isAdmin": is_admin,
            "sessionTimeOut": SESSION_TIMEOUT_MS,
            "enableWatermark": False,
        }
        response = envelope_response(None, 0, "login successful(登录成功)！", data)
        if self.auth.faults.login_envelope:
            body = {
                "method": None,
                "message": "login successful(登录成功)！",
                "data": data,
            }
            response = json_response(body)
        response.set_cookie(
            self.auth.cookie, self.auth.open_session(name), path="/", httponly=True
        )
        return response

    async def _logout(self, request: Request) -> Response:
        self.auth.close_session(request.cookies.get(self.auth.cookie))
        response = envelope_response(None, 0, "Logout successful(退出登录成功)！")
        response.delete_cookie(self.auth.cookie, path="/")
        return response

    async def _user_info(self, request: Request) -> Response:
        user = self._current(request)
        if user is None:
            # SecurityFilter's catch: a LinkisException's own text, method = the request URI
            # (ledger: user.userInfo.not-logged-in)
            return envelope_response(request.scope["path"], 1, self._not_logged_in())
        return envelope_response(
            None, 0, "get user information succeed!", {"userName": user}
        )

    async def _heartbeat(self, request: Request) -> Response:
        if self._current(request) is None:
            return envelope_response(None, -1, NOT_LOGGED_IN)
        return envelope_response(None, 0, "Maintain heartbeat success(维系心跳成功)")

    async def _public_key(self, request: Request) -> Response:
        return envelope_response(
            None, 0, "OK", {"enableSSL": False, "enableLoginEncrypt": False}
        )

    async def _base_info(self, request: Request) -> Response:
        """`UserRestful.baseinfo` (1.3.2+): keys by release, the shipped defaults as values.

        ledger: gateway.user.baseinfo (`linkis.cluster.name` defaults to "").
        """
        defaults: dict[str, object] = {
            "resultSetExportEnable": True,
            "linkisClusterName": "",
            "engineLogOnlyAdminEnable": False,
        }
        keys = self.auth.version.baseinfo_keys
        data = {key: defaults[key] for key in keys}
        return envelope_response(None, 0, "get baseinfo success(获取成功)！", data)

    async def _proxy(self, request: Request) -> Response:
        proxy_user = request.query_params.get("proxyUser")
        code = request.query_params.get("validationCode")
        if proxy_user is None or code is None:
            # ledger: user.proxy.missing-param (method = the request URI)
            return envelope_response(
                request.scope["path"], 1, "login failed! reason: NullPointerException: "
            )
        if not self.auth.proxy_allows(code, proxy_user):
            return envelope_response(None, 1, "Validation failed")
        name = proxy_user.lower()
        # the session is the lower-cased user; the answer echoes proxyUser as sent
        # (ledger: user.proxy.echoes-proxy-user)
        response = envelope_response(None, 0, "代理成功", {"proxyUser": proxy_user})
        response.set_cookie(
            self.auth.cookie, self.auth.open_session(name), path="/", httponly=True
        )
        return response


async def _credentials(request: Request) -> tuple[str, str]:
    """`userName`/`password` from the query string, else from a JSON body (`passwdEncrypt` fallback)."""
    query = request.query_params
    if "userName" in query or "password" in query:
        return query.get("userName", ""), query.get("password", "")
    try:
        body: Any = json.loads(await read_bounded(request, limit=_LOGIN_LIMIT) or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    user = body.get("userName")
    password = body.get("password") or body.get("passwdEncrypt")
    return (user if isinstance(user, str) else ""), (
        password if isinstance(password, str) else ""
    )
