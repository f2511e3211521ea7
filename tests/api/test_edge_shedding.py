"""The edge's admission control (api/edge.py), driven through its ASGI interface with a downstream app that holds
every request until released: beyond the slots a request waits only if the queue ahead of it drains within the
budget, else it is answered 503 + Retry-After at once; health is never queued."""

from __future__ import annotations

import asyncio

from leonet.api import edge as edge_module
from leonet.api.edge import EdgeMiddleware


def _scope(path: str) -> dict:
    return {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
            "headers": []}


async def _call(app, path: str) -> tuple[int, dict]:
    out: dict = {}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}

    await app(_scope(path), receive, send)
    return out["status"], out["headers"]


def _held_app():
    release = asyncio.Event()

    async def app(scope, receive, send):
        if scope["path"] != "/api/v1/health":
            await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return app, release


def test_a_request_is_shed_at_once_when_the_queue_would_not_drain_within_the_budget():
    async def scenario():
        app, release = _held_app()
        edge = EdgeMiddleware(app, authenticator_of=lambda: None)
        holders = [asyncio.create_task(_call(edge, "/assets/a.js")) for _ in range(edge_module.MAX_IN_FLIGHT)]
        await asyncio.sleep(0.01)
        assert edge.in_flight == edge_module.MAX_IN_FLIGHT
        # recent requests held a slot long enough that even one more in the queue would wait past the budget
        edge.service_s = 2 * edge_module.QUEUE_BUDGET_S * edge_module.MAX_IN_FLIGHT
        status, headers = await asyncio.wait_for(_call(edge, "/assets/b.js"), 1.0)  # answered, not queued
        assert status == 503 and headers["retry-after"] == str(edge_module.RETRY_AFTER_S)
        assert (await asyncio.wait_for(_call(edge, "/api/v1/health"), 1.0))[0] == 200  # never queued
        # fast service: the next request waits for a slot and is served once one frees
        edge.service_s = 0.001
        queued = asyncio.create_task(_call(edge, "/assets/c.js"))
        await asyncio.sleep(0.01)
        assert edge.waiting == 1 and not queued.done()
        release.set()
        assert (await asyncio.wait_for(queued, 1.0))[0] == 200
        assert [s for s, _ in await asyncio.gather(*holders)] == [200] * len(holders) and edge.shed == 1

    asyncio.run(scenario())


def test_the_queue_is_bounded_whatever_the_service_time():
    async def scenario():
        app, release = _held_app()
        edge = EdgeMiddleware(app, authenticator_of=lambda: None)
        n = edge_module.MAX_IN_FLIGHT + edge_module.MAX_WAITING
        tasks = [asyncio.create_task(_call(edge, f"/assets/{i}.js")) for i in range(n)]
        await asyncio.sleep(0.01)
        assert edge.waiting == edge_module.MAX_WAITING
        assert (await asyncio.wait_for(_call(edge, "/assets/x.js"), 1.0))[0] == 503
        release.set()
        assert [s for s, _ in await asyncio.gather(*tasks)] == [200] * n

    asyncio.run(scenario())
