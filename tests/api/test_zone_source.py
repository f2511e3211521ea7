"""Zones keep their source and date: through the API payload and through ``leonet zones import``; licensing
periods through the countries API."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from leonet.cli import app
from leonet.store.models import Zone
from leonet.store.session import open_store
from tests.api.conftest import ADMIN, auth

SQUARE = {"type": "Polygon", "coordinates": [[[30.0, 50.0], [30.2, 50.0], [30.2, 50.2], [30.0, 50.2], [30.0, 50.0]]]}
runner = CliRunner()


def test_api_zone_payload_keeps_source_and_as_of(client):
    r = client.post("/api/v1/zones", json={"name": "src-zone", "kind": "monitoring", "geometry": SQUARE,
                                           "reason": "test", "source": "https://example.org/map.geojson",
                                           "as_of": "2026-02-05T00:00:00Z"}, headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    assert r.json()["source"] == "https://example.org/map.geojson" and r.json()["as_of"].startswith("2026-02-05")
    listed = client.get("/api/v1/zones", headers=auth(ADMIN)).json()
    assert any(z["name"] == "src-zone" and z["source"] for z in listed)
    bad = client.post("/api/v1/zones", json={"name": "x", "kind": "monitoring", "geometry": SQUARE, "reason": "r",
                                             "as_of": "yesterday"}, headers=auth(ADMIN))
    assert bad.status_code == 422


def test_country_history_endpoint(client):
    r = client.get("/api/v1/countries/UA/history", headers=auth(ADMIN))
    assert r.status_code == 200
    assert [p["status"] for p in r.json()] == ["not_licensed", "licensed"]
    assert all(p["source"].startswith("https://") for p in r.json())


def test_cli_imports_a_feature_collection_with_source_and_date(store_url, tmp_path):
    if not store_url.startswith("sqlite"):
        return  # the CLI path is the same on both stores; once is enough
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "front-a", "kind": "blocked_area", "reason": "front line"},
         "geometry": SQUARE},
        {"type": "Feature", "properties": {"max_speed_kmh": 90}, "geometry": {
            "type": "Polygon", "coordinates": [[[31, 49], [31.5, 49], [31.5, 49.5], [31, 49.5], [31, 49]]]}}]}
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps(fc))
    res = runner.invoke(app, ["zones", "import", str(path), "--source", "https://example.org/isw-2026-02-05",
                              "--as-of", "2026-02-05", "--kind", "monitoring", "--db", store_url])
    assert res.exit_code == 0, res.output
    assert "imported 2 zone(s)" in res.output
    with open_store(store_url)() as s:
        zones = {z.name: z for z in s.execute(select(Zone)).scalars()}
    assert zones["front-a"].kind == "blocked_area" and zones["zones-2"].kind == "monitoring"
    assert zones["zones-2"].max_speed_kmh == 90
    for name in ("front-a", "zones-2"):
        assert zones[name].source == "https://example.org/isw-2026-02-05"
        assert zones[name].as_of.year == 2026 and zones[name].as_of.month == 2


def test_cli_import_is_all_or_nothing_and_names_the_bad_feature(store_url, tmp_path):
    if not store_url.startswith("sqlite"):
        return
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "ok-zone"}, "geometry": SQUARE},
        {"type": "Feature", "properties": {"name": "bad-zone"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]}
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(fc))
    res = runner.invoke(app, ["zones", "import", str(path), "--source", "survey", "--as-of", "2026-02-05",
                              "--kind", "monitoring", "--db", store_url])
    assert res.exit_code == 2
    assert "features[1]" in res.output and "Polygon" in res.output
    with open_store(store_url)() as s:
        names = {z.name for z in s.execute(select(Zone)).scalars()}
    assert "ok-zone" not in names
    res = runner.invoke(app, ["zones", "import", str(path), "--source", "x", "--as-of", "someday", "--db", store_url])
    assert res.exit_code == 2 and "as_of" in res.output
