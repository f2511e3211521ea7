"""The REST API (FastAPI; OpenAPI at /docs). Routers live in ``api/routers``, one file per resource; the logic
lives in ``leonet.access``. Bad input answers 4xx with a message naming the field; never 500. The edge
(``api/edge.py``) sheds load, authenticates and bounds bodies before any route runs."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from leonet import __version__
from leonet.access import tx
from leonet.access.keys import KeyForbidden
from leonet.access.service import Conflict, Forbidden, NotFound
from leonet.api.auth import Authenticator, ensure_env_admin_key
from leonet.api.docs import attach_docs
from leonet.api.edge import EdgeMiddleware
from leonet.api.schemas import ERRORS
from leonet.api.security import install_security
from leonet.errors import LeonetInputError
from leonet.store.session import default_url, normalise_url, open_store


def _error(status: int, message: str, field: str | None = None, headers: dict | None = None) -> JSONResponse:
    body = {"detail": message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers)


class Readiness:
    """Ready once the policy context (borders, licensing, zones, terminals) is loaded, in the background."""

    def __init__(self, sessions, started_monotonic: float):
        self.sessions, self.started = sessions, started_monotonic
        self.event = threading.Event()
        self.start_to_ready_s: float | None = None
        self.error: str | None = None
        self.on_ready: list = []  # callbacks(start_to_ready_s), e.g. `leonet serve` printing the URL
        self.warmers: list = []  # callables run before ready (the OpenAPI document the edge reads on first use)

    def load(self) -> None:
        from leonet.access.decisions import POLICY

        try:
            with tx.read(self.sessions) as session:
                POLICY.snapshot(session)  # and decides a few warm-up positions (leonet.access.decisions.warm_up)
            for warm in self.warmers:
                warm()
            # What is loaded now (the app, the borders, the policy context) lives as long as the process: move it
            # out of the cyclic collector's reach, so a full collection under load does not walk it (tens of ms).
            gc.collect()
            gc.freeze()
            self.start_to_ready_s = time.monotonic() - self.started
            self.event.set()
            for callback in self.on_ready:
                callback(self.start_to_ready_s)
        except Exception as exc:  # reported by /ready (and the log), the server keeps answering health
            self.error = f"{type(exc).__name__}: {exc}"

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.load, name="leonet-ready", daemon=True)
        thread.start()
        return thread


def create_app(db_url: str | None = None, *, extra_routers: Iterable[APIRouter] = (), live=None,
               started_monotonic: float | None = None, cors_origins: Sequence[str] = ()) -> FastAPI:
    """The API over the store at ``db_url`` (schema created/upgraded); ``live`` is a running Simulation or None.
    Cross-origin requests are refused unless ``cors_origins`` names the origins allowed."""
    from leonet.api.routers import (
        accounts,
        analysis,
        audit,
        bulk,
        countries,
        decisions,
        history,
        keys,
        organisations,
        session,
        terminals,
        zones,
    )

    started = started_monotonic if started_monotonic is not None else time.monotonic()
    url = normalise_url(db_url or default_url())
    sessions = open_store(url)
    with tx.write(sessions) as s:
        ensure_env_admin_key(s)
    readiness = Readiness(sessions, started)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        readiness.start()
        yield

    app = FastAPI(title="leonet", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Service-authorization control plane of a LEO satellite internet system. Every "
                              "endpoint needs `Authorization: Bearer KEY` (or the session cookie) except health, "
                              "readiness and these docs.")
    app.state.sessions = sessions
    app.state.db_url = url
    app.state.live = live
    app.state.auth = Authenticator(sessions)
    app.state.readiness = readiness
    readiness.warmers.append(app.openapi)  # ~0.1 s to build; the edge needs it for the first request with a key
    app.add_middleware(EdgeMiddleware, authenticator_of=lambda: app.state.auth, routes_of=app.openapi)

    @app.exception_handler(LeonetInputError)
    async def _bad_input(_: Request, exc: LeonetInputError):
        return _error(422, str(exc), exc.field)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound):
        return _error(404, str(exc))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, exc: Conflict):
        return _error(409, str(exc))

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden):
        return _error(403, str(exc))

    @app.exception_handler(KeyForbidden)
    async def _key_forbidden(_: Request, exc: KeyForbidden):
        return _error(403, str(exc))

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError):
        return _error(409, "conflicts with stored data (a unique or referenced value)")

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError):
        return _error(422, "a value is outside what the store accepts")

    @app.exception_handler(OperationalError)
    async def _busy(_: Request, exc: OperationalError):
        return _error(503, "database busy, retry", headers={"Retry-After": "1"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):
        errors = [{"loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())],
                   "msg": str(e.get("msg", "invalid")), "type": str(e.get("type", "invalid"))} for e in exc.errors()]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        named = (exc.errors()[0].get("ctx") or {}).get("field") if exc.errors() else None  # a body-wide check's field
        field = ".".join(str(p) for p in first["loc"][1:]) or named or None
        msg = f"field '{field}': {first['msg']}" if field else first["msg"]
        raw = exc.errors()[0].get("input") if exc.errors() else None
        if field and isinstance(raw, str | int | float | bool) and not isinstance(raw, bool):
            msg += f" (value {str(raw)[:80]!r})"
        return JSONResponse({"detail": msg, "field": field, "errors": errors}, status_code=422)

    @app.get("/api/v1/health", tags=["meta"])
    async def health() -> dict:
        """Liveness: answers at once, whatever the load (never shed, no database)."""
        return {"status": "ok", "version": __version__, "live": live is not None}

    @app.get("/api/v1/ready", tags=["meta"], responses={503: ERRORS[503]})
    async def ready():
        """Readiness: 200 once the policy context is loaded (decisions answer without a cold start), else 503."""
        if readiness.event.is_set():
            return {"ready": True, "start_to_ready_s": round(readiness.start_to_ready_s, 3)}
        detail = f"loading failed: {readiness.error}" if readiness.error else "loading the policy context"
        return _error(503, detail, headers={"Retry-After": "1"})

    for module in (session, keys, countries, organisations, terminals, accounts, zones, decisions, history, audit,
                   analysis, bulk):
        app.include_router(module.router, prefix="/api/v1", responses=ERRORS)
    for router in extra_routers:
        app.include_router(router, responses=ERRORS)
    attach_docs(app)
    install_security(app, cors_origins)  # outermost: every answer, the edge's 401/413/503 too, has the headers
    return app
