"""Security headers on every response, CORS closed unless asked for, and a dashboard build CSP can run as is
(no inline script, style or event handler in the built index.html)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from leonet.api.app import create_app
from leonet.api.security import CSP, DOCS_CSP, install_security
from leonet.errors import LeonetInputError
from leonet.web.serve import DIST, attach_dashboard
from tests.api.conftest import ADMIN, auth


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One app for the module (the full API with the dashboard attached), started once."""
    mp = pytest.MonkeyPatch()
    mp.setenv("LEONET_ADMIN_KEY", ADMIN)
    app = create_app(f"sqlite:///{tmp_path_factory.mktemp('h') / 'h.sqlite'}")
    attach_dashboard(app)
    with TestClient(app) as c:
        yield c
    mp.undo()


def _bare(cors_origins=()) -> TestClient:
    """A bare FastAPI app with only the security layer (no store): for the CORS rules."""
    app = FastAPI()
    app.get("/ping")(lambda: {"ok": True})
    install_security(app, cors_origins)
    return TestClient(app)


def _directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/countries", "/api/v1/nowhere", "/openapi.json",
                                  "/docs"])
def test_every_response_carries_the_security_headers(client, path):
    r = client.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    d = _directives(r.headers["content-security-policy"])
    assert d["script-src"] == ["'self'"]  # no inline script, no eval, no other origin — on every page
    assert d["frame-ancestors"] == ["'none'"] and d["object-src"] == ["'none'"] and d["base-uri"] == ["'none'"]
    assert d["default-src"] == ["'self'"]


def test_only_the_docs_pages_relax_styles(client):
    assert client.get("/api/v1/health").headers["content-security-policy"] == CSP
    for page in ("/docs", "/redoc"):
        assert client.get(page).headers["content-security-policy"] == DOCS_CSP
    strict = _directives(CSP)
    assert strict["style-src"] == ["'self'"] and strict["worker-src"] == ["'self'"]
    relaxed = _directives(DOCS_CSP)
    assert relaxed["script-src"] == ["'self'"] and "'unsafe-inline'" in relaxed["style-src"]


def test_cors_closed_by_default(client):
    pre = client.options("/api/v1/countries", headers={"Origin": "https://evil.example",
                                                       "Access-Control-Request-Method": "GET"})
    r = client.get("/api/v1/countries", headers={"Origin": "https://evil.example", **auth(ADMIN)})
    assert r.status_code == 200
    assert "access-control-allow-origin" not in pre.headers
    assert "access-control-allow-origin" not in r.headers


def test_cors_opens_only_for_the_named_origin():
    with _bare(["https://ops.example.org/"]) as c:
        ok = c.get("/ping", headers={"Origin": "https://ops.example.org"})
        other = c.get("/ping", headers={"Origin": "https://evil.example"})
    assert ok.headers["access-control-allow-origin"] == "https://ops.example.org"
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-credentials" not in ok.headers
    assert ok.headers["x-frame-options"] == "DENY"  # the headers on CORS answers too


@pytest.mark.parametrize("origin", ["*", "ops.example.org"])
def test_cors_origin_must_be_an_origin(origin):
    with pytest.raises(LeonetInputError, match="cors_origin"):
        _bare([origin])


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: inline <script>, <style>, style= and on*= attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts.append(a.get("src") or "")
            if not a.get("src"):
                self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style>")
        self.blocked += [f"{tag} {k}=" for k in a if k == "style" or k.startswith("on")]


def test_built_dashboard_has_nothing_csp_would_block():
    if not (DIST / "index.html").is_file():
        pytest.fail("dashboard not built: run scripts/setup.sh (npm run build in src/leonet/web)")
    parser = _Inline()
    parser.feed((DIST / "index.html").read_text(encoding="utf-8"))
    assert parser.blocked == []
    assert parser.scripts and all(s.startswith("/assets/") for s in parser.scripts)


def test_dashboard_and_docs_assets_need_no_key(client):
    if not (DIST / "index.html").is_file():
        pytest.fail("dashboard not built: run scripts/setup.sh (npm run build in src/leonet/web)")
    index = client.get("/")
    assert index.status_code == 200 and "text/html" in index.headers["content-type"]
    for path in ("/docs", "/redoc", "/static/docs/swagger-ui-bundle.js", "/static/docs/swagger-init.js",
                 "/static/docs/redoc.standalone.js", "/openapi.json"):
        assert client.get(path).status_code == 200, path
    docs = client.get("/docs").text
    assert "<script>" not in docs and "cdn" not in docs.lower()
