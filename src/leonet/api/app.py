"""The REST API (FastAPI; OpenAPI at /docs). Routers live in ``api/routers``, one file per resource; the logic
lives in ``leonet.access``. Bad input answers 4xx with a message naming the field; never 500."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from leonet import __version__
from leonet.access.service import Conflict, Forbidden, NotFound
from leonet.api.auth import ensure_env_admin_key
from leonet.api.docs import attach_docs
from leonet.api.security import install_security
from leonet.errors import LeonetInputError
from leonet.store.session import default_url, normalise_url, open_store


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    body = {"detail": message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status)


def create_app(db_url: str | None = None, *, extra_routers: Iterable[APIRouter] = (), live=None,
               cors_origins: Sequence[str] = ()) -> FastAPI:
    """The API over the store at ``db_url`` (schema created/upgraded); ``live`` is a running Simulation or None.
    Cross-origin requests are refused unless ``cors_origins`` names the origins allowed."""
    from leonet.api.routers import accounts, analysis, audit, countries, decisions, organisations, terminals, zones

    url = normalise_url(db_url or default_url())
    app = FastAPI(title="leonet", version=__version__, docs_url=None, redoc_url=None,
                  description="Service-authorization control plane of a LEO satellite internet system.")
    app.state.sessions = open_store(url)
    app.state.db_url = url
    app.state.live = live
    with app.state.sessions.begin() as session:
        ensure_env_admin_key(session)

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

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError):
        return _error(409, f"conflicts with stored data: {str(exc.orig).splitlines()[0]}")

    @app.exception_handler(OperationalError)
    async def _busy(_: Request, exc: OperationalError):
        return _error(503, "database busy, retry")

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        msg = f"field '{field}': {first.get('msg', 'invalid')}" if field else first.get("msg", "invalid request")
        if "input" in first and field:
            msg += f" (value {str(first['input'])[:80]!r})"
        return JSONResponse({"detail": msg, "field": field, "errors": jsonable(exc.errors())}, status_code=422)

    @app.get("/api/v1/health", tags=["meta"])
    def health() -> dict:
        return {"status": "ok", "version": __version__, "live": live is not None}

    for module in (countries, organisations, terminals, accounts, zones, decisions, audit, analysis):
        app.include_router(module.router, prefix="/api/v1")
    for router in extra_routers:
        app.include_router(router)
    attach_docs(app)
    install_security(app, cors_origins)
    return app


def jsonable(errors: list) -> list:
    out = []
    for e in errors:
        out.append({k: (v if isinstance(v, str | int | float | list | type(None)) else str(v))
                    for k, v in e.items() if k != "ctx"})
    return out
