"""REST API: roles (401/403), validation (4xx naming the field, never 500), transactions, concurrent writers —
against SQLite and a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from leonet.store.models import AuditRecord, Transfer, Zone
from leonet.store.session import open_store

from .conftest import ADMIN, auth, new_key

SQUARE = {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]]}


def test_unauthenticated_and_unknown_keys_get_401(client):
    assert client.get("/api/v1/zones").status_code == 401
    assert client.get("/api/v1/zones", headers=auth("nope")).status_code == 401
    assert client.post("/api/v1/decisions", json={"serial": "x", "lat_deg": 1, "lon_deg": 1}).status_code == 401


def test_regulator_reads_but_never_writes(client):
    key = new_key(client, role="regulator")
    for path in ("/api/v1/countries", "/api/v1/zones", "/api/v1/audit", "/api/v1/audit/verify",
                 "/api/v1/terminals/ut-grey-01/provenance"):
        assert client.get(path, headers=auth(key)).status_code == 200, path
    r = client.post("/api/v1/zones", json={"name": "z", "kind": "monitoring", "geometry": SQUARE, "reason": "r"},
                    headers=auth(key))
    assert r.status_code == 403
    assert client.post("/api/v1/decisions", json={"serial": "ut-grey-01", "lat_deg": 50, "lon_deg": 30},
                       headers=auth(key)).status_code == 403


def test_reseller_records_only_sales_of_terminals_it_holds(client):
    key = new_key(client, role="reseller", organisation="Kyiv Satcom")
    h = auth(ADMIN)
    client.post("/api/v1/terminals", json={"serial": "ut-new-1", "kit_number": "KIT-9", "hardware_version":
                                           "rev4_prod2", "manufacturer": "SpaceX"}, headers=h)
    now = datetime.now(UTC)
    sale = {"seller": "SpaceX", "buyer": "Kyiv Satcom", "at": now.isoformat(), "channel": "direct",
            "country": "UA"}
    assert client.post("/api/v1/terminals/ut-new-1/sales", json=sale, headers=auth(key)).status_code == 403
    assert client.post("/api/v1/terminals/ut-new-1/sales", json=sale, headers=h).status_code == 201
    onward = {**sale, "seller": "Kyiv Satcom", "buyer": "Taras Melnyk", "at": (now + timedelta(seconds=1)).isoformat()}
    assert client.post("/api/v1/terminals/ut-new-1/sales", json=onward, headers=auth(key)).status_code == 201
    assert client.get("/api/v1/zones", headers=auth(key)).status_code == 403


def test_terminal_reports_telemetry_for_itself_only(client):
    key = new_key(client, role="terminal", terminal_serial="ut-ua-kyiv-01")
    ok = client.post("/api/v1/terminals/ut-ua-kyiv-01/telemetry", json={"lat_deg": 50.45, "lon_deg": 30.52},
                     headers=auth(key))
    assert ok.status_code == 200 and ok.json()["code"] in ("OKAY", "BLOCKED_AREA")
    other = client.post("/api/v1/terminals/ut-grey-01/telemetry", json={"lat_deg": 50, "lon_deg": 30},
                        headers=auth(key))
    assert other.status_code == 403
    assert client.get("/api/v1/audit", headers=auth(key)).status_code == 403


@pytest.mark.parametrize(("geometry", "field"), [
    ({"type": "Polygon", "coordinates": [[[30, 50], [31, 51], [31, 50], [30, 51], [30, 50]]]}, "geometry"),
    ({"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 51]]]}, "geometry.coordinates[0]"),
    ({"type": "Polygon", "coordinates": [[[50, 30], [50, 200], [51, 200], [51, 30], [50, 30]]]},
     "geometry.coordinates[0][1][1]"),
    ({"type": "Polygon", "coordinates": [[[30, 95], [31, 95], [31, 96], [30, 96], [30, 95]]]},
     "geometry.coordinates[0][0][1]"),
    ({"type": "Point", "coordinates": [30, 50]}, "geometry.type"),
    ({"type": "Polygon"}, "geometry.coordinates"),
])
def test_invalid_geojson_is_422_naming_the_field_and_nothing_is_written(client, store_url, geometry, field):
    before = _count(store_url, Zone)
    r = client.post("/api/v1/zones", json={"name": "bad", "kind": "blocked_area", "geometry": geometry,
                                           "reason": "test"}, headers=auth(ADMIN))
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and field in r.json()["detail"]
    assert _count(store_url, Zone) == before


def test_sale_errors(client, store_url):
    h = auth(ADMIN)
    sale = {"seller": "Bishkek Tech", "buyer": "Taras Melnyk", "at": "2026-01-02T00:00:00Z", "channel": "direct",
            "country": "UA"}
    audit_before = _count(store_url, AuditRecord)
    r = client.post("/api/v1/terminals/no-such-serial/sales", json=sale, headers=h)
    assert r.status_code == 404 and "serial" in r.json()["detail"]
    r = client.post("/api/v1/terminals/ut-ua-kyiv-01/sales", json=sale, headers=h)  # seller does not hold it
    assert r.status_code == 409 and "seller" in r.json()["detail"]
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    r = client.post("/api/v1/terminals/ut-grey-01/sales",
                    json={**sale, "seller": "Unknown buyer (Belgorod)", "at": future}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "at"
    r = client.post("/api/v1/terminals/ut-grey-01/sales", json={**sale, "channel": "sideways"}, headers=h)
    assert r.status_code == 422 and "channel" in r.json()["detail"]
    assert _count(store_url, AuditRecord) == audit_before


def test_duplicate_sale_is_refused(client, store_url):
    h = auth(ADMIN)
    sale = {"seller": "Unknown buyer (Belgorod)", "buyer": "Bishkek Tech", "at": "2026-01-05T00:00:00Z",
            "channel": "indirect", "country": "KG"}
    assert client.post("/api/v1/terminals/ut-grey-01/sales", json=sale, headers=h).status_code == 201
    again = client.post("/api/v1/terminals/ut-grey-01/sales", json=sale, headers=h)
    assert again.status_code == 409  # the seller no longer holds it
    chain = client.get("/api/v1/terminals/ut-grey-01/provenance", headers=h).json()
    assert [s["seq"] for s in chain["chain"]] == [1, 2, 3, 4]


@pytest.mark.parametrize("body", [
    "not json", {"serial": ""}, {"serial": "x", "lat_deg": "north"}, {"serial": "x", "lat_deg": 91, "lon_deg": 0},
    {"serial": "x", "lat_deg": 10, "lon_deg": -181}, {"serial": "x", "speed_kmh": -5}, [],
])
def test_malformed_decision_requests_are_4xx(client, body):
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    r = client.post("/api/v1/decisions", headers={**auth(ADMIN), "content-type": "application/json"}, **kwargs)
    assert 400 <= r.status_code < 500, r.text


def test_decisions_single_batch_and_state_changes_are_audited(client, store_url):
    h = auth(ADMIN)
    body = {"serial": "ut-grey-01", "lat_deg": 50.6, "lon_deg": 36.6, "at": "2026-03-01T12:00:00Z"}
    r = client.post("/api/v1/decisions", json=body, headers=h)
    assert r.status_code == 200 and r.json()["code"] == "BLOCKED_COUNTRY" and r.json()["code_value"] == 6
    n = _count(store_url, AuditRecord)
    assert client.post("/api/v1/decisions", json=body, headers=h).status_code == 200
    assert _count(store_url, AuditRecord) == n  # same state: no new record
    batch = {"at": "2026-03-01T12:00:00Z", "terminals": [
        {"serial": "ut-ua-kyiv-01", "lat_deg": 50.45, "lon_deg": 30.52},
        {"serial": "ut-grey-01", "lat_deg": 50.6, "lon_deg": 36.6},
        {"serial": "ut-drone-01", "lat_deg": 48.5, "lon_deg": 35.0, "speed_kmh": 150}]}
    r = client.post("/api/v1/decisions/batch", json=batch, headers=h)
    assert [d["code"] for d in r.json()["decisions"]] == ["OKAY", "BLOCKED_COUNTRY", "MOVING_TOO_FAST_FOR_POLICY"]
    assert _count(store_url, AuditRecord) == n + 2


def test_provenance_queries(client):
    h = auth(ADMIN)
    p = client.get("/api/v1/terminals/ut-grey-02/provenance", headers=h).json()
    assert p["indirect"] and p["countries"][:3] == ["US", "AE", "KG"] and p["countries"][-1] == "RU"
    sold = client.get("/api/v1/provenance/sold-into/RU", headers=h).json()
    assert {s["serial"] for s in sold} == {"ut-grey-01", "ut-grey-02", "ut-grey-03"}
    assert all(s["channel"] == "indirect" for s in sold)


def test_concurrent_writers_lose_and_duplicate_nothing(client, store_url):
    h = auth(ADMIN)
    errors = []

    def add(i):
        r = client.post("/api/v1/organisations", json={"name": f"Shop {i}", "kind": "reseller", "country": "PL"},
                        headers=h)
        if r.status_code != 201:
            errors.append(r.text)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    dup = client.post("/api/v1/organisations", json={"name": "Shop 3", "kind": "reseller", "country": "PL"},
                      headers=h)
    assert dup.status_code == 409
    verify = client.get("/api/v1/audit/verify", headers=h).json()
    assert verify["ok"], verify["problems"]


def _count(url, model) -> int:
    with open_store(url)() as s:
        return len(s.execute(select(model)).scalars().all())


def test_transfers_are_append_only(store_url):
    with open_store(store_url)() as s:
        assert len(s.execute(select(Transfer)).scalars().all()) > 10


def test_data_cap_and_usage_through_the_api(client):
    h = auth(ADMIN)
    r = client.post("/api/v1/accounts", headers=h, json={"number": "ACC-CAP-1", "customer": "Oksana Kovalenko",
                                                         "plan": "roam", "home_country": "UA", "data_cap_gb": 0})
    assert r.status_code == 422 and "data_cap_gb" in r.text
    r = client.post("/api/v1/accounts", headers=h, json={"number": "ACC-CAP-1", "customer": "Oksana Kovalenko",
                                                         "plan": "roam", "home_country": "UA", "data_cap_gb": 50})
    assert r.status_code == 201 and r.json()["data_cap_gb"] == 50 and r.json()["data_used_gb"] == 0
    for bad in ({"used_gb": -1}, {"used_gb": "lots"}, {}):
        r = client.put("/api/v1/accounts/ACC-CAP-1/usage", headers=h, json=bad)
        assert r.status_code == 422 and "used_gb" in r.text, r.text
    assert client.put("/api/v1/accounts/NOPE/usage", headers=h, json={"used_gb": 1}).status_code == 404
    r = client.put("/api/v1/accounts/ACC-CAP-1/usage", headers=h, json={"used_gb": 51.5})
    assert r.status_code == 200 and r.json()["data_used_gb"] == 51.5
    regulator = new_key(client, name="reg-cap", role="regulator")
    assert client.put("/api/v1/accounts/ACC-CAP-1/usage", headers=auth(regulator),
                      json={"used_gb": 0}).status_code == 403
