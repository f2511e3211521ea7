"""The API's edge, as one ASGI middleware in front of every route: it answers before any work is done.

In order: a NUL byte in the path or query → 422; beyond ``MAX_IN_FLIGHT`` requests being served → 503 with
``Retry-After`` at once (no queue that could grow without bound; health, readiness and docs are never shed);
authentication (Bearer key or session cookie) → 401 *before the body is read*; a state-changing request
authenticated by cookie without ``X-Requested-With: leonet`` → 403 (CSRF guard); a body larger than the route's
limit → 413 (from ``Content-Length`` before reading, or while streaming a chunked body).
"""

from __future__ import annotations

import json

import anyio
from starlette.exceptions import HTTPException

OPEN_PATHS = ("/api/v1/health", "/api/v1/ready", "/openapi.json", "/docs", "/redoc", "/favicon.ico")
OPEN_PREFIXES = ("/docs/", "/redoc/", "/assets/", "/static/")
UNSHED = ("/api/v1/health", "/api/v1/ready")
STREAM_PATHS = ("/api/v1/live/stream",)
MAX_IN_FLIGHT = 32  # requests served at once (each holds at most one DB connection: store/session.POOL_SIZE)
MAX_STREAMS = 16  # concurrent server-sent-event streams
RETRY_AFTER_S = 1
BODY_LIMIT_BYTES = 1 << 20  # 1 MiB
BODY_LIMITS = {"/api/v1/decisions/batch": 16 << 20, "/api/v1/import/": 16 << 20, "/api/v1/zones": 4 << 20}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def is_open(path: str) -> bool:
    """Paths that need no key: health, readiness, the OpenAPI document, docs and static assets (no data)."""
    return path in OPEN_PATHS or path == "/" or path.startswith(OPEN_PREFIXES) or path.endswith(
        (".js", ".css", ".svg", ".png", ".ico", ".woff2", ".map")) and not path.startswith("/api/")


def body_limit(path: str) -> int:
    for prefix, limit in BODY_LIMITS.items():
        if path.startswith(prefix):
            return limit
    return BODY_LIMIT_BYTES


async def _send_json(send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    hdrs = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    hdrs += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised from ``receive`` mid-body; an HTTPException so FastAPI's body reader passes it on as a 413."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body is over this endpoint's limit of {limit} bytes")


class EdgeMiddleware:
    def __init__(self, app, authenticator_of):
        self.app = app
        self.authenticator_of = authenticator_of  # () → Authenticator (built with the app's store)
        self.in_flight = 0
        self.streams = 0
        self.shed = 0  # requests answered 503 (benchmark/tests read it)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, query = scope.get("path", ""), scope.get("query_string", b"")
        if "\x00" in path or b"%00" in query or b"\x00" in query or "%00" in scope.get("raw_path", b"").decode(
                "latin-1"):
            return await _send_json(send, 422, "NUL bytes are not allowed in the path or query")
        if path in UNSHED:
            return await self.app(scope, receive, send)
        stream = path in STREAM_PATHS
        if (self.streams >= MAX_STREAMS) if stream else (self.in_flight >= MAX_IN_FLIGHT):
            self.shed += 1
            return await _send_json(send, 503, "server at capacity, retry shortly",
                                    {"Retry-After": str(RETRY_AFTER_S)})
        if stream:
            self.streams += 1
        else:
            self.in_flight += 1
        try:
            await self._serve(scope, receive, send, path)
        finally:
            if stream:
                self.streams -= 1
            else:
                self.in_flight -= 1

    async def _serve(self, scope, receive, send, path):
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope.get("method", "GET")
        if not is_open(path):
            from leonet.api.auth import COOKIE

            cookie = None
            for part in headers.get("cookie", "").split(";"):
                name, _, value = part.strip().partition("=")
                if name == COOKIE:
                    cookie = value
            auth = self.authenticator_of()
            who, why = await anyio.to_thread.run_sync(auth.resolve, headers.get("authorization"), cookie)
            if who is None:
                return await _send_json(send, 401, why, {"WWW-Authenticate": "Bearer"})
            if who.via == "cookie" and method not in SAFE_METHODS and headers.get("x-requested-with") != "leonet":
                return await _send_json(send, 403, "a request that changes state with a session cookie must send "
                                                   "the header 'X-Requested-With: leonet'")
            scope.setdefault("state", {})["principal"] = who
        if method in SAFE_METHODS:
            return await self.app(scope, receive, send)
        limit = body_limit(path)
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                return await _send_json(send, 400, "invalid Content-Length")
            if int(length) > limit:
                return await _send_json(send, 413, f"request body of {length} bytes is over this endpoint's limit "
                                                   f"of {limit} bytes")
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_json(send, 413, f"request body is over this endpoint's limit of {limit} bytes")
