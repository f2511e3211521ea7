"""Security headers on every response, and CORS closed unless the operator names the origins allowed.

The dashboard and the API docs are built without inline script (``web/index.html``, ``web/public/docs``), so the
Content-Security-Policy allows scripts from this origin only. Two relaxations, each the least its page needs:

- ``img-src data:``: the stylesheets' inline SVG icons (MapLibre's controls, Swagger UI's);
- on ``/docs`` and ``/redoc`` only, ``style-src 'unsafe-inline'``: Swagger UI and ReDoc (styled-components) add
  ``<style>`` elements at run time, and ReDoc's search index runs in a ``blob:`` worker. Script stays 'self'.
- on the evidence report (a self-contained HTML document with its own ``<style>``), ``style-src 'unsafe-inline'``.

MDN's CSP reference (https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Content-Security-Policy, read
2026-11-26) and OWASP's Secure Headers Project (https://owasp.org/www-project-secure-headers/, read 2026-11-26).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_BASE = ("default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
         "form-action 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'")
CSP = f"{_BASE}; style-src 'self'; worker-src 'self'"
DOCS_CSP = f"{_BASE}; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
REPORT_CSP = f"{_BASE}; style-src 'self' 'unsafe-inline'; worker-src 'none'"
PAGE_CSP = {"/docs": DOCS_CSP, "/redoc": DOCS_CSP, "/api/v1/incidents/report": REPORT_CSP}

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SecurityHeaders:
    """Pure ASGI middleware (streams such as the live SSE feed pass through unbuffered)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = PAGE_CSP.get(scope["path"], CSP)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = csp
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security(app: FastAPI, cors_origins: Sequence[str] = ()) -> None:
    """Add the headers to every response; CORS only for ``cors_origins`` (none by default: same-origin only)."""
    if cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        bad = [o for o in cors_origins if o == "*" or not o.startswith(("http://", "https://"))]
        if bad:
            from leonet.errors import LeonetInputError

            raise LeonetInputError("a CORS origin is a scheme and host such as https://ops.example.org (no '*')",
                                   field="cors_origin", value=bad[0])
        app.add_middleware(CORSMiddleware, allow_origins=[o.rstrip("/") for o in cors_origins],
                           allow_credentials=False, allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Requested-With"])
    app.add_middleware(SecurityHeaders)
