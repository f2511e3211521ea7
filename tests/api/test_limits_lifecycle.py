"""Input limits at the edge (finite numbers, sane timezone-normalised dates, id ranges, NUL bytes, vertex cap; the
error body is JSON and names the field) and lifecycle (ending zones and whitelist entries, decision history, paged
lists, bulk CSV import all-or-nothing) — SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from leonet.cli import app
from leonet.store.models import AuditRecord, Organisation
from leonet.store.session import open_store

from .conftest import ADMIN, auth

H = auth(ADMIN)
SQUARE = {"type": "Polygon", "coordinates": [[[30, 50], [31, 50], [31, 51], [30, 51], [30, 50]]]}


@pytest.mark.parametrize("raw, field", [
    ('{"serial": "ut-ua-kyiv-01", "lat_deg": NaN, "lon_deg": 30}', "lat_deg"),
    ('{"serial": "ut-ua-kyiv-01", "lat_deg": 50, "lon_deg": Infinity}', "lon_deg"),
    ('{"serial": "ut-ua-kyiv-01", "lat_deg": 50, "lon_deg": 30, "speed_kmh": -Infinity}', "speed_kmh"),
    ('{"serial": "ut-ua\\u0000", "lat_deg": 50, "lon_deg": 30}', "serial"),
    ('{"serial": "' + "x" * 65 + '", "lat_deg": 50, "lon_deg": 30}', "serial"),
    ('{"serial": "ut-ua-kyiv-01", "lat_deg": 50, "lon_deg": 30, "at": "9999-12-31T23:59:59-05:00"}', "at"),
])
def test_bad_numbers_strings_and_dates_are_422_with_a_json_body_naming_the_field(client, raw, field):
    r = client.post("/api/v1/decisions", content=raw, headers={**H, "content-type": "application/json"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert isinstance(body["detail"], str) and json.dumps(body)
    assert body["field"] == field and f"field '{field}'" in body["detail"], body


def test_a_non_finite_number_deep_in_a_body_is_named_by_its_path(client):
    raw = '{"terminals": [{"serial": "a", "lat_deg": 1, "lon_deg": 2}, {"serial": "b", "lat_deg": NaN, "lon_deg": 2}]}'
    r = client.post("/api/v1/decisions/batch", content=raw, headers={**H, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "terminals[1].lat_deg", r.text


def test_year_10000_zone_is_refused_and_decisions_keep_working(client):
    r = client.post("/api/v1/zones", headers=H, json={"name": "late", "kind": "monitoring", "geometry": SQUARE,
                                                      "reason": "r", "valid_from": "9999-12-31T23:59:59-05:00"})
    assert r.status_code == 422 and r.json()["field"] == "valid_from"
    raw = json.dumps({"name": "inf", "kind": "monitoring", "geometry": SQUARE, "reason": "r"})[:-1] + \
        ', "max_speed_kmh": 1e400}'  # JSON's largest float overflows to Infinity
    r = client.post("/api/v1/zones", content=raw, headers={**H, "content-type": "application/json"})
    assert r.status_code == 422
    assert client.post("/api/v1/decisions", headers=H, json={"serial": "ut-ua-kyiv-01", "lat_deg": 50.45,
                                                             "lon_deg": 30.52}).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/zones/9223372036854775808/whitelist", "/api/v1/zones/2147483648/decisions",
                                  "/api/v1/zones/0/whitelist", "/api/v1/terminals/ut%00x", "/api/v1/audit?after=-1"])
def test_ids_beyond_the_database_range_and_nul_in_paths_are_4xx(client, path):
    r = client.get(path, headers=H)
    assert r.status_code == 422, (path, r.text)


def test_a_zone_with_too_many_vertices_is_refused_before_any_geometry_work(client):
    ring = [[30 + i * 1e-5, 50.0] for i in range(25_000)] + [[30, 51], [30, 50]]
    r = client.post("/api/v1/zones", headers=H, json={"name": "huge", "kind": "monitoring", "reason": "r",
                                                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    assert r.status_code == 422 and "vertices" in r.json()["detail"]


def test_end_zone_and_whitelist_entry_keep_the_rows_and_audit_them(client, store_url):
    z = client.post("/api/v1/zones", headers=H, json={"name": "temp block", "kind": "blocked_area",
                                                      "geometry": SQUARE, "reason": "test"}).json()
    assert client.post(f"/api/v1/zones/{z['id']}/whitelist", headers=H, json={"serial": "ut-grey-01"}).status_code \
        == 201
    r = client.post(f"/api/v1/zones/{z['id']}/whitelist/ut-grey-01/end", headers=H, json={"reason": "expired"})
    assert r.status_code == 200 and r.json()["valid_to"] and r.json()["ended_by"]
    r = client.post(f"/api/v1/zones/{z['id']}/end", headers=H, json={"reason": "ceasefire"})
    assert r.status_code == 200 and r.json()["valid_to"]
    assert client.post(f"/api/v1/zones/{z['id']}/end", headers=H, json={"reason": "again"}).status_code == 409
    zones = {x["id"]: x for x in client.get("/api/v1/zones", headers=H).json()}
    assert zones[z["id"]]["valid_to"]  # still there
    assert len(client.get(f"/api/v1/zones/{z['id']}/whitelist", headers=H).json()) == 1
    with open_store(store_url)() as s:
        actions = [r.action for r in s.execute(select(AuditRecord)).scalars()]
    assert "zone.end" in actions and "whitelist.end" in actions


def test_decision_history_per_terminal_and_zone(client):
    zone_id = client.get("/api/v1/zones", headers=H).json()[0]["id"]  # the front-line blocked area
    for lat in (48.0, 48.1, 48.2):
        assert client.post("/api/v1/decisions", headers=H, json={"serial": "ut-grey-01", "lat_deg": lat,
                                                                 "lon_deg": 38.0}).status_code == 200
    hist = client.get("/api/v1/terminals/ut-grey-01/decisions", headers=H).json()
    assert [h["lat_deg"] for h in hist][-3:] == [48.0, 48.1, 48.2]
    later = client.get("/api/v1/terminals/ut-grey-01/decisions", headers=H,
                       params={"since": "2190-01-01T00:00:00Z"}).json()
    assert later == []
    in_zone = client.get(f"/api/v1/zones/{zone_id}/decisions", headers=H).json()
    assert len(in_zone) >= 3 and all(d["zone_id"] == zone_id for d in in_zone)


def test_lists_are_paged(client):
    first = client.get("/api/v1/terminals", headers=H, params={"limit": 3}).json()
    second = client.get("/api/v1/terminals", headers=H, params={"limit": 3, "offset": 3}).json()
    assert len(first) == 3 and len(second) == 3 and not {t["serial"] for t in first} & {t["serial"] for t in second}
    assert client.get("/api/v1/terminals", headers=H, params={"limit": 100_000}).status_code == 422


def test_bulk_import_is_all_or_nothing_with_line_numbers(client, store_url):
    good = "name,kind,country\nImport A,customer,UA\nImport B,reseller,PL\n"
    r = client.post("/api/v1/import/organisations", content=good, headers={**H, "content-type": "text/csv"})
    assert r.status_code == 201 and r.json()["rows"] == 2
    bad = "name,kind,country\nImport C,customer,UA\nImport D,spaceship,UA\n"
    r = client.post("/api/v1/import/organisations", content=bad, headers={**H, "content-type": "text/csv"})
    assert r.status_code == 422 and "line 3" in r.json()["detail"] and "kind" in r.json()["detail"]
    with open_store(store_url)() as s:
        names = set(s.execute(select(Organisation.name)).scalars())
    assert {"Import A", "Import B"} <= names and "Import C" not in names  # nothing of the failed file
    terms = "serial,kit_number,hardware_version,manufacturer\nut-imp-1,KIT-I1,rev4_prod2,SpaceX\n"
    assert client.post("/api/v1/import/terminals", content=terms, headers={**H, "content-type": "text/csv"}) \
        .status_code == 201
    sales = "serial,seller,buyer,at,channel,country\nut-imp-1,SpaceX,Import B,2099-01-01T00:00:00Z,direct,PL\n"
    r = client.post("/api/v1/import/sales", content=sales, headers={**H, "content-type": "text/csv"})
    assert r.status_code == 422 and "line 2" in r.json()["detail"] and "future" in r.json()["detail"]


def test_cli_import(tmp_path):
    url = f"sqlite:///{tmp_path / 'i.sqlite'}"
    f = tmp_path / "orgs.csv"
    f.write_text("name,kind,country\nMaker,manufacturer,US\nShop,reseller,PL\n")
    r = CliRunner().invoke(app, ["db", "import", "organisations", str(f), "--db", url])
    assert r.exit_code == 0 and "imported 2" in r.output
    f.write_text("name,kind,country\nShop2,reseller,PL\nMaker,manufacturer,US\n")
    r = CliRunner().invoke(app, ["db", "import", "organisations", str(f), "--db", url])
    assert r.exit_code == 2 and "line 3" in r.output
    with open_store(url)() as s:
        assert "Shop2" not in set(s.execute(select(Organisation.name)).scalars())


def test_bad_geojson_positions_and_oversized_disabled_cells_are_422_not_500(client):
    ragged = {"type": "Polygon", "coordinates": [[[30, 50, 1, 2, 3], [31, 50], [31, 51], [30, 50]]]}
    r = client.post("/api/v1/zones", headers=H, json={"name": "ragged", "kind": "monitoring", "reason": "r",
                                                      "geometry": ragged})
    assert r.status_code == 422 and r.json()["field"] == "geometry.coordinates[0][0]", r.text
    continent = {"type": "Polygon", "coordinates": [[[0, -60], [170, -60], [170, 60], [0, 60], [0, -60]]]}
    r = client.post("/api/v1/zones", headers=H, json={"name": "continent", "kind": "disabled_cells", "reason": "r",
                                                      "geometry": continent})
    assert r.status_code == 422 and r.json()["field"] == "geometry" and "H3 cells" in r.json()["detail"], r.text
    assert client.post("/api/v1/decisions", headers=H, json={"serial": "ut-ua-kyiv-01", "lat_deg": 50.45,
                                                             "lon_deg": 30.52}).status_code == 200


def test_over_long_strings_are_422_naming_line_and_field_in_imports_and_keys(client):
    """The store's column widths hold for a CSV row as for a JSON body (SQLite stored a 300-character name, PostgreSQL
    answered without line or field); a key's owner is an audit actor and is refused, not cut, when too long."""
    csv = "name,kind,country\nShort,customer,UA\n" + "n" * 201 + ",customer,UA\n"
    r = client.post("/api/v1/import/organisations", content=csv, headers={**H, "content-type": "text/csv"})
    assert r.status_code == 422 and "line 3" in r.json()["detail"] and "'name'" in r.json()["detail"], r.text
    csv = "serial,kit_number,hardware_version,manufacturer\nut-long-1," + "k" * 65 + ",rev4_prod2,SpaceX\n"
    r = client.post("/api/v1/import/terminals", content=csv, headers={**H, "content-type": "text/csv"})
    assert r.status_code == 422 and "line 2" in r.json()["detail"] and "'kit_number'" in r.json()["detail"], r.text
    r = client.post("/api/v1/keys", headers=H, json={"role": "viewer", "owner": "o" * 121})
    assert r.status_code == 422 and r.json()["field"] == "owner", r.text
