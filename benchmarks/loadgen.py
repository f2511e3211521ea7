"""A lean open-loop HTTP/1.1 load generator for the API benchmarks: raw asyncio streams, keep-alive connections,
requests encoded once per distinct body. Lean so that on a 2-core machine the client does not eat the CPU the server
is measured with (httpx costs several times the server's own per-request CPU), but it still reads every response
completely, checks its status and, for a 200, that the body is the JSON answer expected (``ok_key`` present).

Open loop: request ``i`` leaves at ``start + i / rate`` whatever the latency of the others, on an idle connection
(or a new one); when ``max_in_flight`` requests are already outstanding the request is not sent and counts as a
``client-bound`` error. A timeout, a refused or reset connection, a malformed answer: each is an error.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field


def encode_request(method: str, path: str, host: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    """One HTTP/1.1 keep-alive request, as bytes on the wire."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items())]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class BadResponse(Exception):
    """The server's answer is not well-formed HTTP/1.1."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep the connection open) of one HTTP/1.1 response (Content-Length or chunked)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise BadResponse(lines[0][:80])
    status, length, chunked, keep = int(parts[1]), None, False, parts[0] == b"HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            keep = value.strip().lower() != b"close"
    if chunked:
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        return status, bytes(body), keep
    if length is None:
        return status, await reader.read(), False
    return status, await reader.readexactly(length), keep


@dataclass
class Result:
    offered: float
    n: int
    seconds: float = 0.0
    ok_ms: list[float] = field(default_factory=list)
    shed_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


IDLE_EXPIRY_S = 4.0  # below uvicorn's keep-alive timeout (5 s): a client never reuses a connection the server closes


class Pool:
    """Keep-alive connections to one host:port; a connection is used by one request at a time. Like any HTTP client
    (httpx's keepalive_expiry), an idle connection is dropped before the server's keep-alive timeout, and one the
    server has already closed is never reused."""

    def __init__(self, host: str, port: int):
        self.host, self.port, self.idle = host, port, deque()

    async def get(self):
        now = time.monotonic()
        while self.idle:
            reader, writer, since = self.idle.pop()
            if now - since < IDLE_EXPIRY_S and not reader.at_eof():
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self.host, self.port)

    def put(self, conn) -> None:
        self.idle.append((*conn, time.monotonic()))

    def close(self) -> None:
        while self.idle:
            self.idle.pop()[1].close()


async def exchange(pool: Pool, raw: bytes, timeout_s: float) -> tuple[int, bytes]:
    """Send one request on a pooled connection and read its answer (the connection is dropped on any failure)."""
    conn = await asyncio.wait_for(pool.get(), timeout_s)
    try:
        conn[1].write(raw)
        status, body, keep = await asyncio.wait_for(read_response(conn[0]), timeout_s)
    except BaseException:
        conn[1].close()
        raise
    if keep:
        pool.put(conn)
    else:
        conn[1].close()
    return status, body


async def open_loop(host: str, port: int, requests: list[bytes], rate: float, max_in_flight: int,
                    timeout_s: float = 5.0, ok_key: str = "code") -> Result:
    """Offer ``requests`` (cycled) at ``rate`` per second; every answer is examined (see the module docstring)."""
    res, pool = Result(offered=rate, n=len(requests)), Pool(host, port)
    in_flight = 0
    last_done = 0.0

    async def one(raw: bytes) -> None:
        nonlocal in_flight, last_done
        t0 = time.perf_counter()
        try:
            status, body = await exchange(pool, raw, timeout_s)
            dt = (time.perf_counter() - t0) * 1000
            if status == 200:
                try:
                    ok = ok_key in json.loads(body)
                except ValueError:
                    ok = False
                if ok:
                    res.ok_ms.append(dt)
                else:
                    res.error("200-malformed")
            elif status == 503:
                res.shed_ms.append(dt)
            else:
                res.error(str(status))
        except TimeoutError:
            res.error("timeout")
        except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, BadResponse) as exc:
            res.error(type(exc).__name__)
        finally:
            in_flight -= 1
            last_done = time.perf_counter()

    tasks = set()
    start = time.perf_counter()
    for i, raw in enumerate(requests):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if in_flight >= max_in_flight:  # the generator is bounded: count it, never queue it
            res.error("client-bound")
            continue
        in_flight += 1
        task = asyncio.create_task(one(raw))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    while tasks:
        await asyncio.gather(*list(tasks))
    pool.close()
    res.seconds = max(last_done, start + len(requests) / rate) - start
    return res


async def probe(host: str, port: int, path: str, every_s: float, stop: asyncio.Event, timeout_s: float = 5.0
                ) -> list[float]:
    """Latency (ms) of ``GET path`` every ``every_s`` on its own connection until ``stop``; a failure counts as
    ``timeout_s``."""
    out, pool = [], Pool(host, port)
    raw = encode_request("GET", path, f"{host}:{port}", {})
    while not stop.is_set():
        t0 = time.perf_counter()
        try:
            status, _ = await exchange(pool, raw, timeout_s)
            out.append((time.perf_counter() - t0) * 1000 if status == 200 else timeout_s * 1000)
        except (TimeoutError, OSError, EOFError, asyncio.IncompleteReadError, BadResponse):
            out.append(timeout_s * 1000)
        await asyncio.sleep(every_s)
    pool.close()
    return out


def quantile(xs: list[float], p: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")
