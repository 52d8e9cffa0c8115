"""A real misbehaving HTTP server on a loopback port, for the reliability tests (issue 7).

`BadServer` speaks HTTP/1.1 over raw asyncio sockets in a background thread, so it can send
bytes no well-behaved framework would: truncated JSON, a gzip header over plain text, nothing
at all. Requests are answered by a tiny fake gateway (login with a session cookie, token
headers, `{method,status,message,data}` answers) or, with `upstream=`, forwarded to a real
server (the simulator) -- and from request number `after` on (for `count` requests, or for
good), the chosen `mode` takes over:

    html          200 text/html (a web server's welcome page instead of Linkis)
    empty         200 application/json with an empty body
    truncated     200 application/json, the envelope cut in half (Content-Length honest)
    gzip-lie      Content-Encoding: gzip over a plain JSON body
    proxy-502     502 Bad Gateway page from an nginx in front
    storm         a 5xx storm: 500/502/503/504 in turn, Spring and nginx bodies
    hang          reads the request and never answers
    die           closes the listener and every connection: the target dies mid-run
    login-refused login answers status 1 / HTTP 400 "wrong user name or password"
    no-cookie     login answers status 0 but sets no session cookie
    session-expiry a ticket serves `expire_after` requests, then 401/-1; a new login works
    token-rejected Token-Code/Token-User answered 401/-1 "Token Authentication Failed" (echoing
                  the token, as real Linkis does)
    ok            no fault (the fake gateway or the upstream, unchanged)

Every request is recorded (`seen`), so tests count what reached the target and when.
Run by hand: `python -m tests.support.badserver --mode html [--upstream URL] [--after N]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import json
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx

__all__ = [
    "MODES",
    "BadServer",
    "Seen",
    "max_in_window",
    "self_signed_context",
]

MODES = (
    "ok",
    "html",
    "empty",
    "truncated",
    "gzip-lie",
    "proxy-502",
    "storm",
    "hang",
    "die",
    "login-refused",
    "no-cookie",
    "session-expiry",
    "token-rejected",
)
PREFIX = "/api/rest_j/v1"
TICKET = "linkis_user_session_ticket_id_v1"
DEFAULT_USERS: Mapping[str, str] = {
    "hadoop": "hadoop",
    "alice": "alice123",
    "bob": "bob123",
}
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_NOT_LOGGED_IN = "You are not logged in, please login first(您尚未登录，请先登录)!"
_NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
_WELCOME = (
    b"<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>"
    b"<body><h1>Welcome to nginx!</h1></body></html>\n"
)


@dataclass(frozen=True, slots=True)
class Seen:
    """One request as the bad server received it."""

    at: float  # time.monotonic() when the request line was read
    method: str
    path: str  # without the query
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    raw_headers: tuple[
        tuple[str, str], ...
    ] = ()  # as sent (Token-Code is case-sensitive)


@dataclass(slots=True)
class _Reply:
    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _envelope(
    status: int, message: str, data: object = None, method: str | None = None
) -> bytes:
    return json.dumps(
        {"method": method, "status": status, "message": message, "data": data or {}},
        ensure_ascii=False,
    ).encode()


def max_in_window(times: list[float], window: float) -> int:
    """The largest number of events in any half-open interval [t, t + window) starting at an event."""
    times = sorted(times)
    best = 0
    j = 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j < len(times) and times[j] < start + window:
            j += 1
        best = max(best, j - i)
    return best


class BadServer:
    """A misbehaving Linkis gateway (or a misbehaving proxy in front of one) on 127.0.0.1."""

    def __init__(
        self,
        mode: str = "ok",
        *,
        after: int = 0,
        count: int | None = None,
        upstream: str | None = None,
        tls: ssl.SSLContext | None = None,
        expire_after: int = 5,
        users: Mapping[str, str] = DEFAULT_USERS,
        tokens: Mapping[str, str] | None = None,
        only: str | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(
                f"unknown mode {mode!r}; expected one of {', '.join(MODES)}"
            )
        self.mode = mode
        self.after = after
        self.fault_count = count
        # With `only`, `after` and `count` count just the requests whose path contains it, and
        # only those are broken (e.g. "/entrance/": the login and version probe stay whole).
        self.only = only
        self._matching = 0
        self.upstream = upstream.rstrip("/") if upstream else None
        self.expire_after = expire_after
        self.users = dict(users)
        self.tokens = dict(tokens or {"BML-AUTH": "*"})
        self._tls = tls
        self._lock = threading.Lock()
        self._seen: list[Seen] = []
        self._tickets: dict[str, int] = {}  # ticket -> requests it may still serve
        self.logins = 0
        self.expired = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._stopping: asyncio.Event | None = None
        self._upstream_http: httpx.AsyncClient | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The gateway root, e.g. http://127.0.0.1:PORT (https with TLS)."""
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> BadServer:
        """Bind a free loopback port and serve in a background thread."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def main() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._open())
            except BaseException as exc:  # reported to start()
                failure.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        self._thread = threading.Thread(target=main, name="badserver", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("bad server did not start within 10 s")
        if failure:
            raise failure[0]
        return self

    async def _open(self) -> None:
        self._stopping = asyncio.Event()
        if self.upstream:
            # A proxy must not keep cookies: each client's own Cookie header goes through as is.
            jar = http.cookiejar.CookieJar(
                policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
            )
            self._upstream_http = httpx.AsyncClient(
                timeout=30.0, follow_redirects=False, cookies=jar
            )
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", 0, ssl=self._tls, backlog=512
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _close(self) -> None:
        assert self._stopping is not None
        self._stopping.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        await asyncio.sleep(0)
        if self._upstream_http is not None:
            await self._upstream_http.aclose()

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if (
            self._loop is not None
            and self._thread is not None
            and self._thread.is_alive()
        ):
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> BadServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_mode(self, mode: str, *, after: int | None = None) -> None:
        """Switch the fault mode while running (`after` counts from the first request)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        with self._lock:
            self.mode = mode
            if after is not None:
                self.after = after

    # -- what the tests read -------------------------------------------------------------------

    @property
    def seen(self) -> list[Seen]:
        """Every request received so far (a copy)."""
        with self._lock:
            return list(self._seen)

    @property
    def count(self) -> int:
        """How many requests reached the server."""
        with self._lock:
            return len(self._seen)

    def paths(self) -> list[str]:
        """The paths of every request, in order."""
        return [s.path for s in self.seen]

    # -- serving -------------------------------------------------------------------------------

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._writers.add(writer)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    return
                keep = await self._answer(request, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, OSError):
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _read_request(self, reader: asyncio.StreamReader) -> Seen | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return None
        method, target, _ = parts
        headers: dict[str, str] = {}
        raw: list[tuple[str, str]] = []
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
                raw.append((name.strip(), value.strip()))
        body = b""
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                data = await reader.readexactly(size + 2)
                if size == 0:
                    break
                chunks.append(data[:-2])
            body = b"".join(chunks)
        elif headers.get("content-length"):
            body = await reader.readexactly(int(headers["content-length"]))
        split = urlsplit(target)
        seen = Seen(
            at=time.monotonic(),
            method=method.upper(),
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=headers,
            body=body,
            raw_headers=tuple(raw),
        )
        return seen

    async def _answer(self, request: Seen, writer: asyncio.StreamWriter) -> bool:
        with self._lock:
            index = len(self._seen)
            self._seen.append(request)
            matches = self.only is None or self.only in request.path
            if self.only is not None:
                index = self._matching
                self._matching += matches
            in_window = (
                matches
                and index >= self.after
                and (self.fault_count is None or index < self.after + self.fault_count)
            )
            mode = self.mode if in_window else "ok"
        if mode == "hang":
            assert self._stopping is not None
            await self._stopping.wait()
            return False
        if mode == "die":
            await self._die()
            return False
        reply = self._fault_reply(mode, request, index)
        if reply is None:
            reply = await self._normal(request, mode)
        await self._write(writer, reply, mode)
        return request.headers.get("connection", "").lower() != "close"

    async def _die(self) -> None:
        if self._server is not None:
            self._server.close()
        for other in list(self._writers):
            other.close()

    def _fault_reply(self, mode: str, request: Seen, index: int) -> _Reply | None:
        uri = request.path
        if mode == "html":
            return _Reply(200, _WELCOME, "text/html")
        if mode == "empty":
            return _Reply(200, b"")
        if mode == "truncated":
            full = _envelope(
                0,
                "OK",
                {"execID": "exec_id018011linkis-cg-entrance", "taskID": 1},
                "/api/entrance/execute",
            )
            return _Reply(200, full[: len(full) // 2])
        if mode == "proxy-502":
            return _Reply(502, _NGINX_502, "text/html")
        if mode == "storm":
            code = (500, 502, 503, 504)[(index - self.after) % 4]
            if code == 500:
                body = json.dumps(
                    {
                        "timestamp": "2026-11-28T08:00:00.000+00:00",
                        "path": uri,
                        "status": 500,
                        "error": "Internal Server Error",
                        "message": "",
                        "requestId": f"{index:08x}",
                    }
                ).encode()
                return _Reply(500, body)
            return _Reply(
                code,
                _NGINX_502.replace(
                    b"502 Bad Gateway", f"{code} {_REASONS[code]}".encode()
                ),
                "text/html",
            )
        if mode == "token-rejected" and "token-code" in request.headers:
            token = request.headers.get("token-code", "")
            user = request.headers.get("token-user", "")
            message = (
                f"Token Authentication Failed, token: {token}，tokenUser: {user}, reason: errCode: 15201 ,"
                " desc: Token is not valid or stale(token 令牌无效或已过期)! ,ip: 127.0.0.1 ,port: 9001 ,serviceKind: linkis-mg-gateway"
            )
            return _Reply(401, _envelope(-1, message, method=uri))
        if uri == PREFIX + "/user/login":
            if mode == "login-refused":
                return _Reply(
                    400, _envelope(1, "wrong user name or password(用户名或密码错误)！")
                )
            if mode == "no-cookie":
                user = self._credentials(request)[0] or "alice"
                return _Reply(
                    200,
                    _envelope(
                        0,
                        "login successful(登录成功)！",
                        {"userName": user, "isAdmin": False},
                    ),
                )
        if mode == "session-expiry" and not uri.startswith(PREFIX + "/user/"):
            ticket = self._ticket_of(request)
            with self._lock:
                left = self._tickets.get(ticket or "", None) if ticket else None
                if left is not None:
                    if left <= 0:
                        self.expired += 1
                        message = "errCode: 11002 ,desc: You are not logged in, please login first! ,ip: 127.0.0.1 ,port: 9001 ,serviceKind: linkis-mg-gateway"
                        return _Reply(401, _envelope(-1, message, method=uri))
                    self._tickets[ticket or ""] = left - 1
        return None

    async def _normal(self, request: Seen, mode: str) -> _Reply:
        if self.upstream:
            reply = await self._forward(request)
        else:
            reply = self._fake_gateway(request)
        if request.path == PREFIX + "/user/login" and reply.status == 200:
            for name, value in reply.headers:
                if name.lower() == "set-cookie" and value.startswith(TICKET + "="):
                    ticket = value.split(";", 1)[0].split("=", 1)[1]
                    with self._lock:
                        self.logins += 1
                        self._tickets[ticket] = (
                            self.expire_after if mode == "session-expiry" else 1 << 30
                        )
        return reply

    async def _forward(self, request: Seen) -> _Reply:
        assert self._upstream_http is not None
        assert self.upstream is not None
        hop = {
            "host",
            "connection",
            "keep-alive",
            "transfer-encoding",
            "content-length",
            "accept-encoding",
        }
        headers = [(k, v) for k, v in request.raw_headers if k.lower() not in hop]
        try:
            response = await self._upstream_http.request(
                request.method,
                self.upstream + request.path,
                params=request.query or None,
                headers=headers,
                content=request.body or None,
            )
        except httpx.HTTPError:
            return _Reply(502, _NGINX_502, "text/html")
        keep = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k.lower()
            not in hop | {"content-type", "content-encoding", "date", "server"}
        ]
        return _Reply(
            response.status_code,
            response.content,
            response.headers.get("content-type"),
            keep,
        )

    def _credentials(self, request: Seen) -> tuple[str | None, str | None]:
        if request.body:
            with contextlib.suppress(ValueError, AttributeError):
                data = json.loads(request.body)
                return data.get("userName"), data.get("password")
        return request.query.get("userName"), request.query.get("password")

    def _ticket_of(self, request: Seen) -> str | None:
        for item in request.headers.get("cookie", "").split(";"):
            name, _, value = item.strip().partition("=")
            if name == TICKET:
                return value
        return None

    def _fake_gateway(self, request: Seen) -> _Reply:
        uri = request.path
        if uri == PREFIX + "/user/login":
            user, password = self._credentials(request)
            if user is None or self.users.get(user) != password:
                return _Reply(
                    400, _envelope(1, "wrong user name or password(用户名或密码错误)！")
                )
            ticket = secrets.token_hex(16)
            return _Reply(
                200,
                _envelope(
                    0,
                    "login successful(登录成功)！",
                    {"userName": user, "isAdmin": user == "hadoop"},
                ),
                headers=[("Set-Cookie", f"{TICKET}={ticket}; Path=/; HttpOnly")],
            )
        if uri == PREFIX + "/user/logout":
            return _Reply(200, _envelope(0, "Logout successful(退出登录成功)！"))
        token = request.headers.get("token-code")
        if token is not None:
            legal = self.tokens.get(token)
            user = request.headers.get("token-user", "")
            if legal is None or (legal != "*" and user not in legal.split(",")):
                message = f"Token Authentication Failed, token: {token}，tokenUser: {user}, reason: errCode: 15201"
                return _Reply(401, _envelope(-1, message, method=uri))
        else:
            presented = self._ticket_of(request)
            with self._lock:
                known = presented is not None and presented in self._tickets
            if not known:
                return _Reply(401, _envelope(-1, _NOT_LOGGED_IN, method=uri))
        method = "/api" + uri.removeprefix(PREFIX)
        return _Reply(200, _envelope(0, "OK", {}, method))

    async def _write(
        self, writer: asyncio.StreamWriter, reply: _Reply, mode: str
    ) -> None:
        head = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Unknown')}"]
        if reply.content_type:
            head.append(f"Content-Type: {reply.content_type}")
        if mode == "gzip-lie":
            head.append("Content-Encoding: gzip")
        head.append(f"Content-Length: {len(reply.body)}")
        head += [f"{k}: {v}" for k, v in reply.headers]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + reply.body)
        await writer.drain()


# -- TLS ---------------------------------------------------------------------------------------


def _cert_with_cryptography(cert: Path, key: Path) -> bool:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        return False
    import datetime as dt
    import ipaddress

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(private, hashes.SHA256())
    )
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return True


def _cert_with_openssl(cert: Path, key: Path) -> bool:
    openssl = shutil.which("openssl")
    if openssl is None:
        return False
    done = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        capture_output=True,
        check=False,
        timeout=30,
    )
    return done.returncode == 0


def self_signed_context() -> ssl.SSLContext | None:
    """A server TLS context with a fresh self-signed certificate, or None when none can be made."""
    with tempfile.TemporaryDirectory() as tmp:
        cert, key = Path(tmp) / "cert.pem", Path(tmp) / "key.pem"
        if not (_cert_with_cryptography(cert, key) or _cert_with_openssl(cert, key)):
            return None
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return context


@contextlib.contextmanager
def running(mode: str = "ok", **kwargs: object) -> Iterator[BadServer]:
    """`with running("html") as bad: ...` -- start a BadServer and stop it afterwards."""
    server = BadServer(mode, **kwargs)  # type: ignore[arg-type]
    with server:
        yield server


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=MODES, default="ok")
    parser.add_argument("--after", type=int, default=0)
    parser.add_argument("--upstream")
    parser.add_argument("--expire-after", type=int, default=5)
    parser.add_argument("--tls", action="store_true")
    args = parser.parse_args()
    bad = BadServer(
        args.mode,
        after=args.after,
        upstream=args.upstream,
        expire_after=args.expire_after,
        tls=self_signed_context() if args.tls else None,
    ).start()
    print(f"badserver ({args.mode}) listening on {bad.url}", flush=True)  # noqa: T201
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
