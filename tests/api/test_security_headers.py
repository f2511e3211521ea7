"""Security headers on every response, CORS closed unless asked for, and a dashboard build CSP can run as is
(no inline script, style or event handler in the built index.html)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from leonet.api.app import create_app
from leonet.api.security import CSP, DOCS_CSP
from leonet.errors import LeonetInputError
from leonet.web.serve import DIST, attach_dashboard
from tests.api.conftest import ADMIN, auth


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("LEONET_ADMIN_KEY", ADMIN)
    return create_app(f"sqlite:///{tmp_path / 'h.sqlite'}")


def _directives(csp: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in csp.split(";")) if d}


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/countries", "/api/v1/nowhere", "/openapi.json",
                                  "/docs"])
def test_every_response_carries_the_security_headers(app, path):
    with TestClient(app) as c:
        r = c.get(path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    d = _directives(r.headers["content-security-policy"])
    assert d["script-src"] == ["'self'"]  # no inline script, no eval, no other origin — on every page
    assert d["frame-ancestors"] == ["'none'"] and d["object-src"] == ["'none'"] and d["base-uri"] == ["'none'"]
    assert d["default-src"] == ["'self'"]


def test_only_the_docs_pages_relax_styles(app):
    with TestClient(app) as c:
        assert c.get("/api/v1/health").headers["content-security-policy"] == CSP
        for page in ("/docs", "/redoc"):
            assert c.get(page).headers["content-security-policy"] == DOCS_CSP
    strict = _directives(CSP)
    assert strict["style-src"] == ["'self'"] and strict["worker-src"] == ["'self'"]
    relaxed = _directives(DOCS_CSP)
    assert relaxed["script-src"] == ["'self'"] and "'unsafe-inline'" in relaxed["style-src"]


def test_cors_closed_by_default(app):
    with TestClient(app) as c:
        pre = c.options("/api/v1/countries", headers={"Origin": "https://evil.example",
                                                      "Access-Control-Request-Method": "GET"})
        r = c.get("/api/v1/countries", headers={"Origin": "https://evil.example", **auth(ADMIN)})
    assert "access-control-allow-origin" not in pre.headers
    assert "access-control-allow-origin" not in r.headers


def test_cors_opens_only_for_the_named_origin(tmp_path, monkeypatch):
    monkeypatch.setenv("LEONET_ADMIN_KEY", ADMIN)
    app = create_app(f"sqlite:///{tmp_path / 'c.sqlite'}", cors_origins=["https://ops.example.org"])
    with TestClient(app) as c:
        ok = c.get("/api/v1/health", headers={"Origin": "https://ops.example.org"})
        other = c.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert ok.headers["access-control-allow-origin"] == "https://ops.example.org"
    assert "access-control-allow-origin" not in other.headers
    assert "access-control-allow-credentials" not in ok.headers


@pytest.mark.parametrize("origin", ["*", "ops.example.org"])
def test_cors_origin_must_be_an_origin(tmp_path, origin):
    with pytest.raises(LeonetInputError, match="cors_origin"):
        create_app(f"sqlite:///{tmp_path / 'c.sqlite'}", cors_origins=[origin])


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


def test_dashboard_and_docs_assets_need_no_key(app):
    if not (DIST / "index.html").is_file():
        pytest.fail("dashboard not built: run scripts/setup.sh (npm run build in src/leonet/web)")
    attach_dashboard(app)
    with TestClient(app) as c:
        index = c.get("/")
        assert index.status_code == 200 and "text/html" in index.headers["content-type"]
        for path in ("/docs", "/redoc", "/static/docs/swagger-ui-bundle.js", "/static/docs/swagger-init.js",
                     "/static/docs/redoc.standalone.js", "/openapi.json"):
            assert c.get(path).status_code == 200, path
        docs = c.get("/docs").text
    assert "<script>" not in docs and "cdn" not in docs.lower()
