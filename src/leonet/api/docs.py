"""Offline API docs: Swagger UI at /docs and ReDoc at /redoc, from assets packaged with the dashboard build
(``web/dist/docs``, copied from the ``swagger-ui-dist`` and ``redoc`` npm packages at build time; no CDN).

The pages carry no inline script (the CSP forbids it): each loads its bundle and a small init script that reads the
OpenAPI document's URL from a data attribute."""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS_ASSETS = "/static/docs"


def _page(title: str, head: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
            f"{head}</head><body>{body}</body></html>")


def attach_docs(app: FastAPI) -> bool:
    """Serve /docs and /redoc (FastAPI's own, CDN-based pages must be off: ``docs_url=None, redoc_url=None``).
    Returns False when the assets are not built (then both pages answer 503 saying how to build them)."""
    from leonet.web.serve import DIST

    assets = DIST / "docs"
    built = (assets / "swagger-ui-bundle.js").is_file() and (assets / "redoc.standalone.js").is_file()
    openapi = escape(app.openapi_url or "/openapi.json")

    def unavailable() -> Response:
        return PlainTextResponse("API docs assets are not built: run scripts/setup.sh (npm run build in "
                                 f"src/leonet/web); the OpenAPI document is at {app.openapi_url}", status_code=503)

    @app.get("/docs", include_in_schema=False)
    def swagger() -> Response:
        if not built:
            return unavailable()
        return HTMLResponse(_page(
            f"{app.title} API — Swagger UI", f'<link rel="stylesheet" href="{DOCS_ASSETS}/swagger-ui.css">',
            f'<div id="swagger-ui" data-openapi-url="{openapi}"></div>'
            f'<script src="{DOCS_ASSETS}/swagger-ui-bundle.js"></script>'
            f'<script src="{DOCS_ASSETS}/swagger-init.js"></script>'))

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> Response:
        if not built:
            return unavailable()
        return HTMLResponse(_page(
            f"{app.title} API — ReDoc", "", f'<div id="redoc" data-openapi-url="{openapi}"></div>'
            f'<script src="{DOCS_ASSETS}/redoc.standalone.js"></script>'
            f'<script src="{DOCS_ASSETS}/redoc-init.js"></script>'))

    if built:
        app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")
    return built
