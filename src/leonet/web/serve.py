"""Serve the built dashboard (``web/dist``, built by ``npm run build``) and its live feed from the API app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

DIST = Path(__file__).resolve().parent / "dist"


def dashboard_built() -> bool:
    return (DIST / "index.html").is_file()


def attach_dashboard(app: FastAPI) -> bool:
    """Mount the dashboard at / when its assets are built; the live router always. Returns True if mounted."""
    from leonet.api.routers.live import router
    from leonet.api.schemas import ERRORS

    app.include_router(router, responses=ERRORS)  # 401/403/404/…: declared in the OpenAPI document, as elsewhere
    if not dashboard_built():
        return False

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(DIST / "index.html")

    app.mount("/assets", StaticFiles(directory=DIST / "assets"), name="assets")
    return True
