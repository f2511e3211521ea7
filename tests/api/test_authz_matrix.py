"""Object-level authorization as one table: every operation × every role (admin, reseller, regulator, viewer,
terminal, none) with the status it must get; then reseller isolation (another reseller's terminals, accounts and
sales are invisible, and a 409 never names another's holding) and a terminal key that sees only itself."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from leonet.api.app import create_app
from leonet.web.serve import attach_dashboard

from .conftest import ADMIN, auth

ROLES = ("none", "viewer", "terminal", "regulator", "reseller", "admin")  # admin last: its writes succeed
SQUARE = {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]]}
_n = itertools.count()


def _uniq(prefix: str) -> str:
    return f"{prefix}-{next(_n)}"


def _allow(ok: int, *roles: str) -> dict:
    """Expected status per role: ``ok`` for the listed roles, 401 without a key, 403 for the rest."""
    return {r: (ok if r in roles else 401 if r == "none" else 403) for r in ROLES}


EVERYONE = ("viewer", "terminal", "regulator", "reseller", "admin")
K = "ut-ua-kyiv-01"  # held via Kyiv Satcom (the matrix's reseller); its terminal key is the matrix's terminal
# (method, path, body factory, expected {role: status})
MATRIX = [
    ("GET", "/api/v1/health", None, {r: 200 for r in ROLES}),
    ("GET", "/api/v1/ready", None, {r: 200 for r in ROLES}),
    ("GET", "/openapi.json", None, {r: 200 for r in ROLES}),
    ("GET", "/api/v1/session", None, _allow(200, *EVERYONE)),
    ("GET", "/api/v1/countries", None, _allow(200, "admin", "regulator", "reseller")),
    ("PUT", "/api/v1/countries/XK", lambda: {"name": "Kosovo", "status": "licensed"}, _allow(200, "admin")),
    ("GET", "/api/v1/organisations", None, _allow(200, "admin", "regulator")),
    ("POST", "/api/v1/organisations", lambda: {"name": _uniq("org"), "kind": "customer", "country": "UA"},
     _allow(201, "admin")),
    ("GET", "/api/v1/terminals", None, _allow(200, "admin", "regulator", "reseller", "terminal")),
    ("GET", f"/api/v1/terminals/{K}", None, _allow(200, "admin", "regulator", "reseller", "terminal")),
    ("POST", "/api/v1/terminals", lambda: {"serial": _uniq("ut-m"), "kit_number": _uniq("KIT-M"),
                                           "hardware_version": "rev4_prod2", "manufacturer": "SpaceX"},
     _allow(201, "admin")),
    ("GET", f"/api/v1/terminals/{K}/provenance", None, _allow(200, "admin", "regulator", "reseller")),
    ("GET", "/api/v1/provenance/sold-into/RU", None, _allow(200, "admin", "regulator")),
    ("GET", "/api/v1/sales", None, _allow(200, "admin", "regulator", "reseller")),
    ("POST", f"/api/v1/terminals/{K}/activate", lambda: {"account": "ACC-UA-1001"}, _allow(200, "admin")),
    ("POST", f"/api/v1/terminals/{K}/telemetry", lambda: {"lat_deg": 50.45, "lon_deg": 30.52},
     _allow(200, "admin", "terminal")),
    ("GET", f"/api/v1/terminals/{K}/decisions", None, _allow(200, "admin", "regulator", "reseller", "terminal")),
    ("GET", "/api/v1/accounts", None, _allow(200, "admin", "regulator", "reseller")),
    ("GET", "/api/v1/accounts/ACC-UA-1001", None, _allow(200, "admin", "regulator", "reseller")),
    ("POST", "/api/v1/accounts", lambda: {"number": _uniq("ACC"), "customer": "Taras Melnyk", "plan": "roam",
                                          "home_country": "UA"}, _allow(201, "admin")),
    ("PUT", "/api/v1/accounts/ACC-UA-1005/status", lambda: {"status": "active"}, _allow(200, "admin")),
    ("PUT", "/api/v1/accounts/ACC-UA-1005/usage", lambda: {"used_gb": 1.5}, _allow(200, "admin")),
    ("GET", "/api/v1/zones", None, _allow(200, "admin", "regulator", "viewer")),
    ("POST", "/api/v1/zones", lambda: {"name": _uniq("zone"), "kind": "monitoring", "geometry": SQUARE,
                                       "reason": "matrix"}, _allow(201, "admin")),
    ("GET", "/api/v1/zones/1/whitelist", None, _allow(200, "admin", "regulator")),
    ("POST", "/api/v1/zones/1/whitelist", lambda: {"serial": "ut-grey-01"}, _allow(201, "admin")),
    ("GET", "/api/v1/zones/1/decisions", None, _allow(200, "admin", "regulator")),
    ("POST", "/api/v1/decisions", lambda: {"serial": K, "lat_deg": 50.45, "lon_deg": 30.52}, _allow(200, "admin")),
    ("POST", "/api/v1/decisions/batch", lambda: {"terminals": [{"serial": K, "lat_deg": 50.4, "lon_deg": 30.5}]},
     _allow(200, "admin")),
    ("GET", "/api/v1/audit", None, _allow(200, "admin", "regulator")),
    ("GET", "/api/v1/audit/verify", None, _allow(200, "admin", "regulator")),
    ("GET", "/api/v1/keys", None, _allow(200, "admin", "regulator", "reseller")),
    ("POST", "/api/v1/keys", lambda: {"role": "viewer"}, _allow(201, "admin", "regulator")),
    ("POST", "/api/v1/keys", lambda: {"role": "regulator"}, _allow(201, "admin")),
    ("POST", "/api/v1/keys", lambda: {"role": "admin"}, _allow(201, "admin")),
    ("POST", "/api/v1/keys", lambda: {"role": "reseller", "organisation": "Kyiv Satcom"},
     _allow(201, "admin", "reseller")),
    ("POST", "/api/v1/keys", lambda: {"role": "reseller", "organisation": "Bishkek Tech"}, _allow(201, "admin")),
    ("POST", "/api/v1/keys", lambda: {"role": "terminal", "terminal_serial": "ut-ua-roam-01"},
     _allow(201, "admin", "reseller")),
    ("POST", "/api/v1/keys", lambda: {"role": "terminal", "terminal_serial": "ut-grey-01"}, _allow(201, "admin")),
    ("GET", "/api/v1/live/zones", None, _allow(200, "admin", "regulator", "viewer")),
    ("GET", "/api/v1/live/snapshot", None, _allow(404, "admin", "regulator", "viewer")),  # 404: no simulation
    ("GET", "/api/v1/live/incidents", None, _allow(404, "admin", "regulator", "viewer")),
    ("GET", "/api/v1/live/incidents/report", None, _allow(404, "admin", "regulator")),
    ("POST", "/api/v1/live/control", lambda: {"paused": True}, _allow(409, "admin")),  # 409: no live runner
    ("GET", "/api/v1/incidents", None, _allow(404, "admin", "regulator")),
    ("GET", "/api/v1/provenance/terminals/ut-grey-01", None, _allow(200, "admin", "regulator")),
]


@pytest.fixture
def matrix_client(store_url, monkeypatch):
    monkeypatch.setenv("LEONET_ADMIN_KEY", ADMIN)
    app = create_app(store_url)
    attach_dashboard(app)
    with TestClient(app) as c:
        keys = {"admin": ADMIN, "none": None}
        for role, extra in (("regulator", {}), ("viewer", {}), ("reseller", {"organisation": "Kyiv Satcom"}),
                            ("terminal", {"terminal_serial": K})):
            r = c.post("/api/v1/keys", json={"role": role, **extra}, headers=auth(ADMIN))
            assert r.status_code == 201, r.text
            keys[role] = r.json()["key"]
        for _ in range(600):
            if c.get("/api/v1/ready").status_code == 200:
                break
            __import__("time").sleep(0.1)
        yield c, keys


def test_every_operation_for_every_role(matrix_client):
    client, keys = matrix_client
    wrong = []
    for method, path, body, expected in MATRIX:
        for role in ROLES:
            headers = auth(keys[role]) if keys[role] else {}
            r = client.request(method, path, json=body() if body else None, headers=headers)
            if r.status_code != expected[role]:
                wrong.append(f"{method} {path} as {role}: {r.status_code} (expected {expected[role]}) {r.text[:120]}")
    assert wrong == [], "\n".join(wrong)


def test_reseller_isolation(matrix_client):
    client, keys = matrix_client
    other = client.post("/api/v1/keys", json={"role": "reseller", "organisation": "Bishkek Tech"},
                        headers=auth(ADMIN)).json()["key"]
    mine, theirs = auth(keys["reseller"]), auth(other)
    assert client.get("/api/v1/terminals/ut-grey-01", headers=mine).status_code == 404
    assert client.get("/api/v1/terminals/ut-grey-01/provenance", headers=mine).status_code == 404
    assert client.get(f"/api/v1/terminals/{K}", headers=theirs).status_code == 404
    mine_serials = {t["serial"] for t in client.get("/api/v1/terminals", headers=mine).json()}
    theirs_serials = {t["serial"] for t in client.get("/api/v1/terminals", headers=theirs).json()}
    assert K in mine_serials and "ut-grey-01" in theirs_serials and not mine_serials & theirs_serials
    accounts = {a["number"] for a in client.get("/api/v1/accounts", headers=mine).json()}
    assert "ACC-UA-1001" in accounts and "ACC-AE-2001" not in accounts
    assert client.get("/api/v1/accounts/ACC-AE-2001", headers=mine).status_code == 404
    sales = client.get("/api/v1/sales", headers=mine).json()
    assert sales and all("Kyiv Satcom" in (s["from"], s["to"]) for s in sales)
    # a 409 never names who holds the terminal
    sale = {"seller": "Kyiv Satcom", "buyer": "Taras Melnyk", "at": datetime.now(UTC).isoformat(),
            "channel": "direct", "country": "UA"}
    r = client.post(f"/api/v1/terminals/{K}/sales", json=sale, headers=mine)
    assert r.status_code == 409 and "Oksana" not in r.text and "held by" not in r.text
    # another reseller's terminal: 404, as if it did not exist
    assert client.post("/api/v1/terminals/ut-grey-01/sales", json=sale, headers=mine).status_code == 404


def test_terminal_key_sees_only_itself(matrix_client):
    client, keys = matrix_client
    h = auth(keys["terminal"])
    assert [t["serial"] for t in client.get("/api/v1/terminals", headers=h).json()] == [K]
    assert client.get("/api/v1/terminals/ut-grey-01", headers=h).status_code == 404
    assert client.get("/api/v1/terminals/ut-grey-01/decisions", headers=h).status_code == 404
    assert client.post("/api/v1/terminals/ut-grey-01/telemetry", json={"lat_deg": 1, "lon_deg": 1},
                       headers=h).status_code == 403


def test_sales_backdated_or_to_a_manufacturer_are_refused(matrix_client):
    client, _ = matrix_client
    h = auth(ADMIN)
    serial = _uniq("ut-sale")
    assert client.post("/api/v1/terminals", json={"serial": serial, "kit_number": _uniq("KIT-S"),
                                                  "hardware_version": "rev4_prod2", "manufacturer": "SpaceX"},
                       headers=h).status_code == 201
    sale = {"seller": "SpaceX", "buyer": "EastLink Distribution", "at": "2020-01-01T00:00:00Z", "channel": "direct",
            "country": "PL"}
    r = client.post(f"/api/v1/terminals/{serial}/sales", json=sale, headers=h)
    assert r.status_code == 422 and "before the terminal was made" in r.text
    client.post("/api/v1/organisations", json={"name": "OtherMaker", "kind": "manufacturer", "country": "US"},
                headers=h)
    r = client.post(f"/api/v1/terminals/{serial}/sales", json={**sale, "buyer": "OtherMaker",
                                                               "at": datetime.now(UTC).isoformat()}, headers=h)
    assert r.status_code == 422 and "manufacturer" in r.text
