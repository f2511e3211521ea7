"""Browser sessions (cookie traded for a key, CSRF guard), the viewer role, key lifecycle (owner, revoke, expiry,
rotation of the bootstrap key), readiness and the edge limits (401 before the body, 413, 503 shedding)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from leonet.api.app import create_app
from leonet.store.models import AuditRecord, WebSession
from leonet.store.session import open_store

from .conftest import ADMIN, auth, new_key


def test_session_cookie_login_whoami_csrf_and_logout(client):
    assert client.get("/api/v1/session").status_code == 401
    r = client.post("/api/v1/session", headers=auth(ADMIN))
    assert r.status_code == 200 and r.json()["role"] == "admin"
    cookie = r.headers["set-cookie"]
    assert "leonet_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie.replace(
        "Strict", "strict") and "Max-Age=" in cookie
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert 0 < max_age <= 43200
    # the client keeps the cookie: reads work without the header
    assert client.get("/api/v1/session").json()["role"] == "admin"
    assert client.get("/api/v1/zones").status_code == 200
    org = {"name": "Cookie Org", "kind": "customer", "country": "UA"}
    assert client.post("/api/v1/organisations", json=org).status_code == 403  # no CSRF header
    assert client.post("/api/v1/organisations", json=org, headers={"X-Requested-With": "leonet"}).status_code == 201
    assert client.request("DELETE", "/api/v1/session", headers={"X-Requested-With": "leonet"}).status_code == 200
    client.cookies.clear()
    assert client.get("/api/v1/zones").status_code == 401


def test_a_session_outlives_a_restart_and_is_stored_hashed(client, store_url):
    r = client.post("/api/v1/session", headers=auth(ADMIN))
    token = r.cookies["leonet_session"]
    with TestClient(create_app(store_url)) as restarted:  # a new server process on the same store
        restarted.cookies.set("leonet_session", token)
        assert restarted.get("/api/v1/session").json()["role"] == "admin"
        assert restarted.request("DELETE", "/api/v1/session", headers={"X-Requested-With": "leonet"}).status_code \
            == 200
    with open_store(store_url)() as s:
        rows = s.execute(select(WebSession)).scalars().all()
        assert [r.token_hash for r in rows] == [hashlib.sha256(token.encode()).hexdigest()]  # never the token
        assert rows[0].ended_at is not None  # logged out: the row is kept with its end
    with TestClient(create_app(store_url)) as again:
        again.cookies.set("leonet_session", token)
        assert again.get("/api/v1/session").status_code == 401


def test_logins_and_logouts_are_audited_without_moving_the_policy_epoch_and_stale_rows_are_pruned(client, store_url):
    from leonet.access import audit
    from leonet.access.decisions import policy_epoch

    with open_store(store_url)() as s:
        epoch, n = policy_epoch(s), audit.count(s)
    token = client.post("/api/v1/session", headers=auth(ADMIN)).cookies["leonet_session"]
    assert client.request("DELETE", "/api/v1/session", headers={"X-Requested-With": "leonet"}).status_code == 200
    client.cookies.clear()
    with open_store(store_url)() as s:
        recs = s.execute(select(AuditRecord).where(AuditRecord.seq > n).order_by(AuditRecord.seq)).scalars().all()
        assert [r.action for r in recs] == ["session.open", "session.close"]
        row = s.execute(select(WebSession)).scalars().one()
        assert recs[0].payload["id"] == recs[1].payload["id"] == row.id and recs[0].payload["role"] == "admin"
        assert token not in str(recs[0].payload) and row.token_hash not in str(recs[0].payload)  # no token, no hash
        assert policy_epoch(s) == epoch  # a login changes nothing a decision reads: no policy reload
        assert audit.verify(s) == []
        # a session that ended more than a week ago is deleted at the next login; a recent one is kept
        old = datetime.now(UTC) - timedelta(days=8)
        s.add(WebSession(token_hash="0" * 64, key_id=row.key_id, created_at=old, expires_at=old + timedelta(hours=12)))
        s.commit()
    client.post("/api/v1/session", headers=auth(ADMIN))
    with open_store(store_url)() as s:
        hashes = set(s.execute(select(WebSession.token_hash)).scalars())
        assert "0" * 64 not in hashes and row.token_hash in hashes and len(hashes) == 2


def test_revoking_a_key_ends_its_sessions_and_its_use(client):
    key = new_key(client, role="viewer", owner="map wall")
    listed = client.get("/api/v1/keys", headers=auth(ADMIN)).json()
    row = next(k for k in listed if k["owner"] == "map wall")
    assert row["role"] == "viewer" and "key_hash" not in row
    assert client.post("/api/v1/session", headers=auth(key)).status_code == 200
    assert client.get("/api/v1/zones").status_code == 200
    assert client.post(f"/api/v1/keys/{row['id']}/revoke", headers=auth(ADMIN)).status_code == 200
    assert client.get("/api/v1/zones").status_code == 401  # cookie of a revoked key
    client.cookies.clear()
    assert client.get("/api/v1/zones", headers=auth(key)).status_code == 401


def test_viewer_sees_the_map_but_no_provenance_accounts_or_audit(client):
    key = new_key(client, role="viewer")
    h = auth(key)
    assert client.get("/api/v1/zones", headers=h).status_code == 200
    for path in ("/api/v1/terminals", "/api/v1/accounts", "/api/v1/audit", "/api/v1/sales",
                 "/api/v1/terminals/ut-grey-01/provenance", "/api/v1/organisations"):
        assert client.get(path, headers=h).status_code == 403, path
    assert client.post("/api/v1/keys", json={"role": "viewer"}, headers=h).status_code == 403


def test_expired_key_is_refused_and_keys_never_outlive_their_minter(client, store_url):
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    r = client.post("/api/v1/keys", json={"role": "regulator", "expires_at": soon}, headers=auth(ADMIN))
    assert r.status_code == 201
    reg = r.json()["key"]
    later = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    r = client.post("/api/v1/keys", json={"role": "viewer", "expires_at": later}, headers=auth(reg))
    assert r.status_code == 201 and r.json()["expires_at"] <= soon.replace("+00:00", "") + "+00:00"
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert client.post("/api/v1/keys", json={"role": "viewer", "expires_at": past},
                       headers=auth(ADMIN)).status_code == 422
    import time

    time.sleep(4.5)  # expiry (2 s) plus the key cache (2 s)
    assert client.get("/api/v1/zones", headers=auth(reg)).status_code == 401


def test_new_admin_key_retires_the_previous_bootstrap_key(store_url, monkeypatch):
    monkeypatch.setenv("LEONET_ADMIN_KEY", "first-admin")
    with TestClient(create_app(store_url)) as c:
        assert c.get("/api/v1/keys", headers=auth("first-admin")).status_code == 200
    monkeypatch.setenv("LEONET_ADMIN_KEY", "second-admin")
    with TestClient(create_app(store_url)) as c:
        assert c.get("/api/v1/keys", headers=auth("second-admin")).status_code == 200
        assert c.post("/api/v1/keys", json={"role": "admin"}, headers=auth("first-admin")).status_code == 401
    with open_store(store_url)() as s:
        actions = [r.action for r in s.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars()]
    assert actions.count("key.revoke") >= 1


def test_rotate_issues_a_new_key_and_revokes_the_old(client):
    r = client.post("/api/v1/keys", json={"role": "regulator", "owner": "ministry"}, headers=auth(ADMIN)).json()
    new = client.post(f"/api/v1/keys/{r['id']}/rotate", headers=auth(ADMIN))
    assert new.status_code == 201 and new.json()["owner"] == "ministry" and new.json()["role"] == "regulator"
    assert client.get("/api/v1/zones", headers=auth(new.json()["key"])).status_code == 200
    assert client.get("/api/v1/zones", headers=auth(r["key"])).status_code == 401


def test_auth_is_checked_before_the_body_and_bodies_are_bounded(client):
    big = b"{" + b" " * (2 << 20) + b"}"
    r = client.post("/api/v1/organisations", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 401
    r = client.post("/api/v1/organisations", content=big, headers={**auth(ADMIN), "content-type":
                                                                   "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["detail"]


def test_health_and_ready_need_no_key(client):
    assert client.get("/api/v1/health").status_code == 200
    import time

    for _ in range(300):
        r = client.get("/api/v1/ready")
        if r.status_code == 200:
            break
        assert r.status_code == 503 and r.headers["retry-after"]
        time.sleep(0.1)
    assert r.status_code == 200 and r.json()["start_to_ready_s"] >= 0
