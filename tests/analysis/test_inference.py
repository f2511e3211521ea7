"""Diversion inference from records and observations only; CLI and API answer the same."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from typer.testing import CliRunner

from leonet.access import inference, seed, service
from leonet.api.app import create_app
from leonet.cli import app
from leonet.store.models import TelemetryRow
from leonet.store.session import open_store

ADMIN = "test-admin-key"


def _seen(session, serial, lat, lon, n=3, est=None, flagged=False):
    session.execute(insert(TelemetryRow), [
        {"slot": k, "t_s": 15.0 * k, "serial": serial, "served": False, "code": "BLOCKED_COUNTRY", "satellite": None,
         "gateway": None, "rtt_ms": None, "throughput_mbps": 0.0, "true_lat_deg": 0.0, "true_lon_deg": 0.0,
         "reported_lat_deg": lat, "reported_lon_deg": lon, "estimated_lat_deg": None if est is None else est[0],
         "estimated_lon_deg": None if est is None else est[1], "ellipse_major_km": None,
         "unexpected_location": flagged} for k in range(n)])


@pytest.fixture
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'inf.sqlite'}"
    sessions = open_store(url)
    with sessions.begin() as s:
        seed.load_example(s)
        # A kit whose last sale was never recorded: held by the Kyrgyz reseller.
        service.create_terminal(s, "t", "ut-broken-01", "KIT-900001", "rev4_prod2", "SpaceX",
                                at=datetime(2025, 9, 1, tzinfo=UTC))
        service.record_sale(s, "t", "ut-broken-01", "SpaceX", "Gulf Sat Trading", datetime(2025, 10, 1, tzinfo=UTC),
                            "direct", "AE")
        service.record_sale(s, "t", "ut-broken-01", "Gulf Sat Trading", "Bishkek Tech",
                            datetime(2025, 10, 5, tzinfo=UTC), "indirect", "KG")
        service.activate(s, "t", "ut-broken-01", "ACC-AE-2001")
        # Observations: true-position columns hold garbage on purpose (0, 0): inference must not read them.
        _seen(s, "ut-ua-kyiv-01", 50.45, 30.52)
        _seen(s, "ut-grey-01", 50.60, 36.60)
        _seen(s, "ut-broken-01", 47.23, 39.72)
        # A spoofer: reports Dnipro (UA), the network places it in Rostov (RU) and flags the report.
        _seen(s, "ut-spoof-01", 48.46, 35.04, est=(47.25, 39.70), flagged=True)
    return url, sessions


def test_classes(store):
    _, sessions = store
    with sessions() as s:
        kyiv = inference.terminal_report(s, "ut-ua-kyiv-01")["inference"]
        assert kyiv["class"] == "sold_into_country_of_use" and kyiv["used_in"] == "UA"
        grey = inference.terminal_report(s, "ut-grey-01")["inference"]
        assert grey["class"] == "sold_into_country_of_use" and grey["sold_into"] == "RU"
        assert grey["account_country_differs"]  # account opened in AE
        broken = inference.terminal_report(s, "ut-broken-01")
        inf = broken["inference"]
        assert inf["class"] == "chain_broken" and inf["used_in"] == "RU"
        assert "Bishkek Tech" in inf["explanation"] and "Rostov" in inf["last_seen"]["place"]["text"]
        spoof = inference.terminal_report(s, "ut-spoof-01")["inference"]
        assert spoof["class"] == "carried_across" and spoof["used_in"] == "RU"  # the network fix, not the report
        assert inference.terminal_report(s, "ut-mod-01")["inference"]["class"] == "not_observed"


def test_flows_into_and_via(store):
    _, sessions = store
    with sessions() as s:
        into = inference.flows(s, "KG", "RU")
        assert [t["serial"] for t in into["terminals"]] == ["ut-broken-01"]
        via = inference.flows(s, "KG", "RU", via=True)
        assert [t["serial"] for t in via["terminals"]] == ["ut-broken-01", "ut-grey-01"]
        assert via["classes"] == {"chain_broken": 1, "sold_into_country_of_use": 1}
        ua = inference.flows(s, "UA", "RU")
        assert [t["serial"] for t in ua["terminals"]] == ["ut-spoof-01"]
        with pytest.raises(Exception, match="ISO"):
            inference.flows(s, "Kyrgyzstan", "RU")


def test_cli(store):
    url, _ = store
    r = CliRunner().invoke(app, ["provenance", "terminal", "ut-broken-01", "--db", url])
    assert r.exit_code == 0, r.output
    assert "chain_broken" in r.output and "Bishkek Tech" in r.output
    r = CliRunner().invoke(app, ["provenance", "flows", "--into", "KG", "--observed-in", "RU", "--via", "--db", url,
                                 "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["observed"] == 2
    r = CliRunner().invoke(app, ["provenance", "terminal", "nope", "--db", url])
    assert r.exit_code == 2 and "unknown serial" in r.output


def test_api_regulator_and_admin_only(store, monkeypatch):
    url, _ = store
    monkeypatch.setenv("LEONET_ADMIN_KEY", ADMIN)
    with TestClient(create_app(url)) as c:
        h = {"Authorization": f"Bearer {ADMIN}"}
        r = c.get("/api/v1/provenance/flows", params={"into": "KG", "observed_in": "RU", "via": True}, headers=h)
        assert r.status_code == 200 and r.json()["observed"] == 2
        assert c.get("/api/v1/provenance/terminals/ut-broken-01", headers=h).json()["inference"]["class"] == \
            "chain_broken"
        assert c.get("/api/v1/provenance/terminals/nope", headers=h).status_code == 404
        assert c.get("/api/v1/provenance/flows", params={"into": "K", "observed_in": "RU"}, headers=h).status_code \
            == 422
        assert c.get("/api/v1/provenance/flows", params={"into": "KG", "observed_in": "RU"}).status_code == 401
        assert c.get("/api/v1/incidents/report", headers=h).status_code == 404  # no live simulation here
        # Policy apply is admin-only and answers what it applied.
        from leonet.analysis.policyfile import load_policy

        body = load_policy("front_line_blocked").model_dump(mode="json")
        r = c.post("/api/v1/policy", json=body, headers=h)
        assert r.status_code == 200 and r.json()["zones"] == 1 and r.json()["zones_removed"] == 3
        assert c.post("/api/v1/policy", json={"name": ""}, headers=h).status_code == 422


def test_a_terminal_caught_spoofing_is_placed_by_the_network_only(store):
    """Its reports before the location check caught it (two inconsistent windows) were the same lie: once a report
    of a terminal is found inconsistent, none of its reports is a sighting — only the network's fixes are."""
    from sqlalchemy import delete

    _, sessions = store
    with sessions.begin() as s:
        s.execute(delete(TelemetryRow).where(TelemetryRow.serial == "ut-spoof-01"))
        _seen(s, "ut-spoof-01", 48.46, 35.04, n=5)  # Dnipro reported, not yet judged
        s.execute(insert(TelemetryRow), [
            {"slot": 5 + k, "t_s": 75.0 + 15 * k, "serial": "ut-spoof-01", "served": False, "code": "UNKNOWN_LOCATION",
             "satellite": None, "gateway": None, "rtt_ms": None, "throughput_mbps": 0.0, "true_lat_deg": 0.0,
             "true_lon_deg": 0.0, "reported_lat_deg": 48.46, "reported_lon_deg": 35.04, "estimated_lat_deg": 47.25,
             "estimated_lon_deg": 39.70, "ellipse_major_km": 1.0, "unexpected_location": True} for k in range(2)])
    with sessions() as s:
        obs = inference.observations(s, ["ut-spoof-01"])["ut-spoof-01"]
        assert obs["countries"] == {"RU": 2} and obs["first_seen_s"] == 75.0
        # sold into UA, but not observed there: its Dnipro reports were the lie
        assert "ut-spoof-01" not in [t["serial"] for t in inference.flows(s, "UA", "UA")["terminals"]]
        assert [t["serial"] for t in inference.flows(s, "UA", "RU")["terminals"]] == ["ut-spoof-01"]
