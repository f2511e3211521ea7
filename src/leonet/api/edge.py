"""The API's edge, as one ASGI middleware in front of every route: it answers before any work is done.

In order: a NUL byte in the path or query → 422; at most ``MAX_IN_FLIGHT`` requests are served at once, up to
``MAX_WAITING`` more wait at most ``MAX_WAIT_S`` for a slot, and anything beyond → 503 with ``Retry-After`` at once
(a bounded queue, never one that grows without bound; health and readiness are never queued or shed). A request
that would join the queue is also answered 503 at once when the queue ahead of it would take longer than
``QUEUE_BUDGET_S`` to drain (its length × the recent mean service time / ``MAX_IN_FLIGHT``): under overload a client
learns in milliseconds, and the requests admitted are answered within about that budget;
authentication (Bearer key or session cookie) → 401 *before the body is read*; a state-changing request
authenticated by cookie without ``X-Requested-With: leonet`` → 403 (CSRF guard); a body larger than the route's
limit → 413 (from ``Content-Length`` before reading, or while streaming a chunked body).
"""

from __future__ import annotations

import asyncio
import json
import re
import time

import anyio
from starlette.exceptions import HTTPException

OPEN_PATHS = ("/api/v1/health", "/api/v1/ready", "/openapi.json", "/docs", "/redoc", "/favicon.ico")
OPEN_PREFIXES = ("/docs/", "/redoc/", "/assets/", "/static/")
UNSHED = ("/api/v1/health", "/api/v1/ready")
STREAM_PATHS = ("/api/v1/live/stream",)
# Requests served at once. Each runs in a worker thread that competes with the event loop (which parses requests,
# sheds and answers health) for the GIL: at 1,000 decisions/s offered on 2 cores, 4 served as many as 8 (the SQLite
# writers queue on one lock anyway; PostgreSQL's round trips release the GIL) and shed faster (503 p99 8-10 ms
# against 37-74 ms in the same runs; benchmarks/bench_api_latency.py, 2026-11-26).
MAX_IN_FLIGHT = 4
MAX_WAITING = 64  # requests that may wait for a slot (a short, bounded queue absorbs bursts: 20 writers at once)
MAX_WAIT_S = 2.0  # a request waits at most this long for a slot, then 503
QUEUE_BUDGET_S = 1.5  # ... and is turned away at once if the queue ahead would take longer than this (1.5 s, not less:
# 20 writers at once on a loaded 2-core machine must never see a 503, issue 15; at 1,000/s the 64-place queue binds)
SERVICE_EWMA_ALPHA = 0.05  # weight of the newest request in the mean service time (~20 requests' memory)
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


def method_table(openapi: dict) -> list[tuple[re.Pattern, frozenset[str]]]:
    """(path pattern, methods) for every path of the OpenAPI document: the methods each path really answers."""
    table = []
    for template, item in openapi.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$")
        table.append((pattern, frozenset(m.upper() for m in item if m.lower() in HTTP_METHODS)))
    return table


def allowed_methods(table, path: str) -> set[str]:
    """Every HTTP method the documented paths matching ``path`` answer (empty when none does, e.g. static files)."""
    methods: set[str] = set()
    for pattern, path_methods in table:
        if pattern.match(path):
            methods |= path_methods
    return methods


HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


class EdgeMiddleware:
    def __init__(self, app, authenticator_of, routes_of=lambda: {}):
        self.app = app
        self.authenticator_of = authenticator_of  # () → Authenticator (built with the app's store)
        self.routes_of = routes_of  # () → the OpenAPI document, to answer 405 for a method a path does not have
        self._methods: list | None = None
        self._allowed: dict[str, set[str]] = {}
        self.in_flight = 0
        self.waiting = 0
        self.streams = 0
        self._slots: asyncio.Semaphore | None = None
        self.shed = 0  # requests answered 503 (benchmark/tests read it)
        self.service_s = 0.0  # mean time a request holds a slot (exponentially weighted)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, query = scope.get("path", ""), scope.get("query_string", b"")
        if "\x00" in path or b"%00" in query or b"\x00" in query or "%00" in scope.get("raw_path", b"").decode(
                "latin-1"):
            return await _send_json(send, 422, "NUL bytes are not allowed in the path or query")
        if path in UNSHED:
            return await self.app(scope, receive, send)
        if self._methods is None:
            self._methods = method_table(self.routes_of())
        allowed = self._allowed.get(path)
        if allowed is None:  # one regex per documented path: remembered per request path (bounded)
            allowed = allowed_methods(self._methods, path)
            if len(self._allowed) >= 4096:
                self._allowed.clear()
            self._allowed[path] = allowed
        if allowed and scope.get("method", "GET") not in allowed:  # before authentication: no key needed to learn it
            return await _send_json(send, 405, f"method {scope.get('method')} is not allowed on {path}",
                                    {"Allow": ", ".join(sorted(allowed))})
        if path in STREAM_PATHS:
            if self.streams >= MAX_STREAMS:
                return await self._shed(send)
            self.streams += 1
            try:
                return await self._serve(scope, receive, send, path)
            finally:
                self.streams -= 1
        if self._slots is None:
            self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        if self._slots.locked():
            drain_s = (self.waiting + 1) * self.service_s / MAX_IN_FLIGHT
            if self.waiting >= MAX_WAITING or drain_s > QUEUE_BUDGET_S:
                return await self._shed(send)
            self.waiting += 1
            try:
                await asyncio.wait_for(self._slots.acquire(), MAX_WAIT_S)
            except TimeoutError:
                return await self._shed(send)
            finally:
                self.waiting -= 1
        else:
            await self._slots.acquire()
        self.in_flight += 1
        started = time.monotonic()
        try:
            await self._serve(scope, receive, send, path)
        finally:
            self.in_flight -= 1
            self._slots.release()
            self.service_s += SERVICE_EWMA_ALPHA * (time.monotonic() - started - self.service_s)

    async def _shed(self, send) -> None:
        self.shed += 1
        await _send_json(send, 503, "server at capacity, retry shortly", {"Retry-After": str(RETRY_AFTER_S)})

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
            cached = auth.cached(headers.get("authorization"))  # no thread hop for a key seen in the last 2 s
            who, why = cached if cached is not None else await anyio.to_thread.run_sync(
                auth.resolve, headers.get("authorization"), cookie)
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
