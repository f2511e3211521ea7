"""Diversion inference: how did a terminal reach the place where it is used? From the control plane's records only —
the recorded sales chain, the account (its home country), and where the network observed the terminal (the
positions it reported, or the network's own fix when it reported none or the fix contradicted it; telemetry table).

Classes (docs/enforcement.md §4):
- ``sold_into_country_of_use`` — the chain reaches a customer, and its last delivery was into the country where
  the terminal is used;
- ``carried_across`` — the chain reaches a customer in one country, the terminal is used in another;
- ``chain_broken`` — the recorded chain stops at a distributor or reseller (the sale to the user was never recorded):
  the last known holder and where the terminal was last seen are the evidence;
- ``not_observed`` — no observation yet.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access.borders import country_of
from leonet.store.models import Account, Organisation, TelemetryRow, Terminal, Transfer

CHUNK = 900  # SQLite's bound-parameter limit is 999 on old builds


def _chunks(values: list[str]):
    for k in range(0, len(values), CHUNK):
        yield values[k:k + CHUNK]


def bulk_records(session: Session, serials: list[str]) -> dict[str, dict]:
    """{serial: {'account', 'account_home_country', 'provenance'}} in a few queries (``service.provenance``'s
    shape for the provenance: chain, holder, indirect, countries, account, account_home_country)."""
    terms, transfers = [], []
    for part in _chunks(sorted(set(serials))):
        terms += session.execute(select(Terminal).where(Terminal.serial.in_(part))).scalars().all()
        transfers += session.execute(select(Transfer).where(Transfer.terminal_serial.in_(part))
                                     .order_by(Transfer.terminal_serial, Transfer.seq)).scalars().all()
    acct_ids = sorted({t.account_id for t in terms if t.account_id is not None})
    accts = {}
    for k in range(0, len(acct_ids), CHUNK):
        accts.update({a.id: a for a in session.execute(select(Account).where(Account.id.in_(acct_ids[k:k + CHUNK])))
                      .scalars()})
    org_ids = sorted({t.holder_id for t in terms} | {r.from_id for r in transfers} | {r.to_id for r in transfers}
                     | {a.customer_id for a in accts.values()})
    orgs = {}
    for k in range(0, len(org_ids), CHUNK):
        orgs.update({o.id: o for o in session.execute(select(Organisation).where(Organisation.id.in_(
            org_ids[k:k + CHUNK]))).scalars()})
    by_serial: dict[str, list] = {}
    for r in transfers:
        by_serial.setdefault(r.terminal_serial, []).append(r)
    out = {}
    for t in terms:
        chain = [{"seq": r.seq, "from": orgs[r.from_id].name, "from_kind": orgs[r.from_id].kind,
                  "from_country": orgs[r.from_id].country, "to": orgs[r.to_id].name, "to_kind": orgs[r.to_id].kind,
                  "to_country": orgs[r.to_id].country,
                  "at": (r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)).isoformat(), "channel": r.channel,
                  "country": r.country} for r in by_serial.get(t.serial, [])]
        countries: list[str] = []
        for step in chain:
            for c in (step["from_country"], step["country"], step["to_country"]):
                if not countries or countries[-1] != c:
                    countries.append(c)
        acct = accts.get(t.account_id)
        holder = orgs[t.holder_id]
        prov = {"serial": t.serial, "kit_number": t.kit_number, "holder": holder.name, "holder_kind": holder.kind,
                "holder_country": holder.country, "chain": chain,
                "indirect": any(s["channel"] == "indirect" for s in chain), "countries": countries,
                "account": acct.number if acct else None, "account_home_country": acct.home_country if acct else None,
                "account_customer": orgs[acct.customer_id].name if acct and acct.customer_id in orgs else None}
        out[t.serial] = {"account": prov["account"], "account_home_country": prov["account_home_country"],
                         "provenance": prov}
    return out


def observations(session: Session, serials: list[str] | None = None) -> dict[str, dict]:
    """Where the operator saw each terminal (telemetry table): per serial, countries with counts, first and last
    sighting (slot time, s) and the last position with its source. Position = reported, or the network fix when
    none was reported; for a terminal whose report the location check ever found inconsistent, the network fix
    only (its reports are not sightings)."""
    cols = (TelemetryRow.serial, TelemetryRow.t_s, TelemetryRow.reported_lat_deg, TelemetryRow.reported_lon_deg,
            TelemetryRow.estimated_lat_deg, TelemetryRow.estimated_lon_deg, TelemetryRow.unexpected_location)
    rows = []
    if serials is None:
        rows = session.execute(select(*cols)).all()
    else:
        for part in _chunks(sorted(set(serials))):
            rows += session.execute(select(*cols).where(TelemetryRow.serial.in_(part))).all()
    if not rows:
        return {}
    s = np.array([r[0] for r in rows])
    t = np.array([r[1] for r in rows], dtype=float)
    f = lambda k: np.array([np.nan if r[k] is None else r[k] for r in rows], dtype=float)  # noqa: E731
    rlat, rlon, elat, elon = f(2), f(3), f(4), f(5)
    flagged = np.array([bool(r[6]) for r in rows])
    # A terminal whose report the location check ever found inconsistent is placed by the network's fixes only:
    # its earlier reports (before two inconsistent windows caught it) are no sighting either.
    caught = np.isin(s, np.unique(s[flagged]))
    use_est = (caught | ~np.isfinite(rlat)) & np.isfinite(elat)
    lat = np.where(use_est, elat, np.where(caught, np.nan, rlat))
    lon = np.where(use_est, elon, np.where(caught, np.nan, rlon))
    ok = np.isfinite(lat)
    s, t, lat, lon, use_est = s[ok], t[ok], lat[ok], lon[ok], use_est[ok]
    cc = country_of(lat, lon) if lat.size else np.zeros(0, dtype="<U2")
    out = {}
    order = np.lexsort((t, s))
    s, t, lat, lon, use_est, cc = s[order], t[order], lat[order], lon[order], use_est[order], cc[order]
    uniq, starts = np.unique(s, return_index=True)
    for serial, lo, hi in zip(uniq.tolist(), starts, np.r_[starts[1:], s.size], strict=True):
        counts = Counter(c or "sea" for c in cc[lo:hi].tolist())
        out[serial] = {"countries": dict(counts.most_common()), "first_seen_s": float(t[lo]),
                       "last_seen_s": float(t[hi - 1]),
                       "last_position": {"lat_deg": float(lat[hi - 1]), "lon_deg": float(lon[hi - 1]),
                                         "source": "network estimate" if use_est[hi - 1] else "reported",
                                         "country": cc[hi - 1] or "sea"},
                       "by_country_last": {c: {"lat_deg": float(lat[lo + k]), "lon_deg": float(lon[lo + k]),
                                               "t_s": float(t[lo + k])}
                                           for k, c in enumerate(cc[lo:hi].tolist())}}
    return out


def classify(prov: dict, obs: dict | None, place_of=None) -> dict:
    """The inference for one terminal from its provenance record and observations (see the module docstring)."""
    chain = prov.get("chain") or []
    delivered = [s["country"] for s in chain]
    sold_into = delivered[-1] if delivered else None
    complete = bool(chain) and chain[-1]["to_kind"] == "customer"
    acct = prov.get("account_home_country")
    use = None if not obs else next((c for c in obs["countries"] if c != "sea"), None)
    last = None if not obs else dict(obs["last_position"])
    if last is not None and place_of is not None:
        last["place"] = place_of(last["lat_deg"], last["lon_deg"])
    via = " → ".join(delivered) if delivered else "none recorded"
    activation = f"account opened in {acct}" if acct else "no account"
    if use is None:
        cls, why = "not_observed", f"sold into {sold_into or '?'} (deliveries: {via}); {activation}; never observed"
    elif not complete:
        where = last["place"]["text"] if last and last.get("place") else (last or {}).get("country", "?")
        cls = "chain_broken"
        why = (f"recorded chain stops at {prov['holder']} ({prov.get('holder_kind', '?')}, "
               f"{prov.get('holder_country', '?')}) after deliveries {via}; {activation}; used in {use}; last seen "
               f"{where}")
    elif sold_into == use:
        cls = "sold_into_country_of_use"
        why = f"last delivery into {sold_into} (deliveries: {via}), used there; {activation}"
    else:
        cls = "carried_across"
        why = f"sold into {sold_into} (deliveries: {via}), used in {use}; {activation}"
    return {"class": cls, "explanation": why, "sold_into": sold_into, "delivered_via": delivered,
            "chain_complete": complete, "account_country": acct, "used_in": use,
            "account_country_differs": bool(acct and sold_into and acct != sold_into), "last_seen": last}


def _place():
    from leonet.gazetteer import gazetteer

    g = gazetteer()
    return lambda la, lo: g.nearest(la, lo).as_dict()


def terminal_report(session: Session, serial: str) -> dict:
    """Provenance, observations and the inference for one terminal (404 through ``NotFound`` if unknown)."""
    from leonet.access.service import NotFound, get_terminal

    get_terminal(session, serial)
    rec = bulk_records(session, [serial]).get(serial)
    if rec is None:
        raise NotFound(f"unknown serial: field 'serial', value {serial!r}")
    obs = observations(session, [serial]).get(serial)
    return {"serial": serial, "provenance": rec["provenance"], "observations": obs,
            "inference": classify(rec["provenance"], obs, _place())}


def flows(session: Session, into: str, observed_in: str, via: bool = False) -> dict:
    """Terminals sold into ``into`` (last recorded delivery; with ``via``, any delivery) that were observed in
    ``observed_in``, each with its evidence."""
    from leonet.access.service import _iso

    _iso(into, "into")
    _iso(observed_in, "observed_in")
    q = select(Transfer.terminal_serial, Transfer.seq, Transfer.country).order_by(Transfer.terminal_serial,
                                                                                 Transfer.seq)
    last: dict[str, str] = {}
    any_: set[str] = set()
    for serial, _, country in session.execute(q):
        last[serial] = country
        if country == into:
            any_.add(serial)
    cand = sorted(any_ if via else {s for s, c in last.items() if c == into})
    obs = observations(session, cand)
    seen = [s for s in cand if observed_in in obs.get(s, {}).get("countries", {})]
    recs = bulk_records(session, seen)
    place = _place()
    items = []
    for s in seen:
        o = obs[s]
        where = o["by_country_last"][observed_in]
        items.append({"serial": s, "inference": classify(recs[s]["provenance"], o, place),
                      "observations_in_country": o["countries"][observed_in],
                      "last_seen_in_country": {**where, "place": place(where["lat_deg"], where["lon_deg"])},
                      "provenance": recs[s]["provenance"]})
    classes = Counter(i["inference"]["class"] for i in items)
    return {"into": into, "via": via, "observed_in": observed_in, "sold": len(cand), "observed": len(items),
            "classes": dict(classes), "terminals": items}
