"""Replay the audit log into the state it describes and compare it with the state tables: a direct edit of a table
(``UPDATE countries SET status='licensed' WHERE iso_a2='RU'``) that bypassed the control plane is reported by
table, key and column. Only columns the log records are compared (records written by older versions carry fewer
fields); the decision history and telemetry are observations, not state, and are not replayed."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access.codes import DisablementCode
from leonet.store.models import (
    Account,
    ApiKey,
    AuditRecord,
    Country,
    Organisation,
    Terminal,
    Transfer,
    WhitelistEntry,
    Zone,
)

State = dict[str, dict[object, dict[str, object]]]

_KEY_FIELDS = ("role", "owner", "organisation_id", "terminal_serial", "expires_at", "revoked_at", "bootstrap")


def replay(records) -> State:
    """The state the log's records produce, table → primary key → column → value."""
    st: State = {t: {} for t in ("countries", "organisations", "terminals", "transfers", "accounts", "zones",
                                 "whitelist", "api_keys", "whitelist_bulk", "whitelist_bulk_end", "population_bulk")}
    acct_by_number: dict[str, object] = {}
    for rec in records:
        p, a = rec.payload, rec.action
        if a == "country.set":
            st["countries"][p["iso_a2"]] = {k: p[k] for k in ("name", "status", "source", "valid_from", "valid_to",
                                                              "gateway_required_in_country") if k in p}
        elif a == "organisation.create":
            st["organisations"][p["id"]] = {"name": p["name"], "kind": p["kind"], "country": p["country"]}
        elif a == "terminal.create":
            st["terminals"][p["serial"]] = {k: p[k] for k in ("kit_number", "hardware_version", "software_version",
                                                              "holder_id") if k in p}
            st["terminals"][p["serial"]].setdefault("account_id", None)
            st["terminals"][p["serial"]].setdefault("last_code", None)
        elif a == "sale.record":
            row = {"channel": p["channel"], "country": p["country"], "at": p["at"]}
            row.update({k: p[k] for k in ("from_id", "to_id", "recorded_by") if k in p})
            st["transfers"][(p["serial"], p["seq"])] = row
            if "to_id" in p and p["serial"] in st["terminals"]:
                st["terminals"][p["serial"]]["holder_id"] = p["to_id"]
        elif a == "account.create":
            row = {k: p[k] for k in ("plan", "status", "home_country", "customer_id", "service_lat_deg",
                                     "service_lon_deg", "service_radius_km", "allowed_regions", "max_speed_kmh",
                                     "abroad_since", "data_cap_gb") if k in p}
            row["data_used_gb"] = 0.0
            st["accounts"][p["number"]] = row
            if "id" in p:
                acct_by_number[p["number"]] = p["id"]
        elif a == "account.status" and p["number"] in st["accounts"]:
            st["accounts"][p["number"]]["status"] = p["status"]
        elif a == "account.trip_start" and p["account"] in st["accounts"]:  # Roam trips (access/roam.py)
            st["accounts"][p["account"]]["abroad_since"] = p["at"]
        elif a == "account.trip_end" and p["account"] in st["accounts"]:
            st["accounts"][p["account"]]["abroad_since"] = None
        elif a == "account.usage" and p["number"] in st["accounts"]:
            st["accounts"][p["number"]]["data_used_gb"] = p["used_gb"]
        elif a == "terminal.activate" and p["serial"] in st["terminals"] and "account_id" in p:
            st["terminals"][p["serial"]]["account_id"] = p["account_id"]
        elif a == "terminal.state" and p["serial"] in st["terminals"]:
            st["terminals"][p["serial"]]["last_code"] = int(DisablementCode[p["to"]])
        elif a == "zone.create":
            st["zones"][p["id"]] = {k: p[k] for k in ("name", "kind", "reason", "geometry", "valid_from", "valid_to",
                                                      "max_speed_kmh") if k in p}
        elif a == "zone.end" and p["id"] in st["zones"]:
            st["zones"][p["id"]]["valid_to"] = p["valid_to"]
        elif a == "whitelist.add" and "zone_id" in p:
            st["whitelist"][(p["zone_id"], p["serial"])] = {"speed_exempt": p["speed_exempt"], "valid_to": None}
        elif a == "whitelist.end" and (p["zone_id"], p["serial"]) in st["whitelist"]:
            st["whitelist"][(p["zone_id"], p["serial"])]["valid_to"] = p["valid_to"]
        elif a == "whitelist.end" and p.get("zone_id") in st["whitelist_bulk"]:  # an entry added in bulk, ended
            st["whitelist_bulk_end"][(p["zone_id"], p["serial"])] = {"valid_to": p["valid_to"]}
        elif a == "zone.rename" and p["id"] in st["zones"]:
            st["zones"][p["id"]]["name"] = p["to"]
        elif a == "policy.apply" and p.get("replace") and "ended_at" in p:  # every entry in force ended, kept
            for row in [*st["whitelist"].values(), *st["whitelist_bulk"].values(), *st["whitelist_bulk_end"].values()]:
                if row.get("valid_to") is None:
                    row["valid_to"] = p["ended_at"]
        elif a == "policy.apply" and p.get("replace"):  # logs written before 2026-11-26: zones were deleted
            st["zones"].clear()
            st["whitelist"].clear()
            st["whitelist_bulk"].clear()
            st["whitelist_bulk_end"].clear()
        elif a == "whitelist.bulk_add" and "zone_id" in p:
            zone = st["whitelist_bulk"].setdefault(p["zone_id"], {"groups": [], "valid_to": None})
            zone["groups"].append(p)
        elif a == "population.load" and "bulk" in p:
            st["population_bulk"][rec.seq] = p["bulk"]
        elif a == "key.create":
            st["api_keys"][p["id"]] = {k: p[k] for k in (*_KEY_FIELDS, "key_hash") if k in p}
        elif a == "key.revoke" and p["id"] in st["api_keys"]:
            st["api_keys"][p["id"]]["revoked_at"] = p.get("revoked_at")
    return st


def _norm(v):
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[10] == "T":
        try:
            return _norm(datetime.fromisoformat(v))
        except ValueError:
            return v
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        return float(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


def _same(a, b) -> bool:
    a, b = _norm(a), _norm(b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def stored(session: Session) -> State:
    """The state tables, in the same shape as ``replay``."""
    def cols(obj, names):
        return {n: getattr(obj, n) for n in names}

    st: State = {"countries": {c.iso_a2: cols(c, ("name", "status", "source", "valid_from", "valid_to",
                                                  "gateway_required_in_country"))
                               for c in session.execute(select(Country)).scalars()},
                 "organisations": {o.id: cols(o, ("name", "kind", "country"))
                                   for o in session.execute(select(Organisation)).scalars()},
                 "terminals": {t.serial: cols(t, ("kit_number", "hardware_version", "software_version", "holder_id",
                                                  "account_id", "last_code"))
                               for t in session.execute(select(Terminal)).scalars()},
                 "transfers": {(t.terminal_serial, t.seq): cols(t, ("channel", "country", "at", "from_id", "to_id",
                                                                     "recorded_by"))
                               for t in session.execute(select(Transfer)).scalars()},
                 "accounts": {a.number: {**cols(a, ("plan", "status", "home_country", "service_lat_deg",
                                                    "service_lon_deg", "service_radius_km", "allowed_regions",
                                                    "max_speed_kmh", "abroad_since", "data_cap_gb",
                                                    "data_used_gb")), "customer_id": a.customer_id}
                              for a in session.execute(select(Account)).scalars()},
                 "zones": {z.id: cols(z, ("name", "kind", "reason", "geometry", "valid_from", "valid_to",
                                          "max_speed_kmh")) for z in session.execute(select(Zone)).scalars()},
                 "whitelist": {(w.zone_id, w.terminal_serial): cols(w, ("speed_exempt", "valid_to"))
                               for w in session.execute(select(WhitelistEntry)).scalars()},
                 "api_keys": {k.id: cols(k, (*_KEY_FIELDS, "key_hash"))
                              for k in session.execute(select(ApiKey)).scalars()}}
    return st


def reconcile(session: Session) -> list[str]:
    """Differences between the replayed log and the state tables, one line each ([] = they agree)."""
    logged = replay(session.execute(select(AuditRecord).order_by(AuditRecord.seq)).scalars())
    actual = stored(session)
    problems = _bulk(logged, actual) + _population(logged, actual)
    for table, rows in actual.items():
        expected = logged[table]
        for key in sorted(set(rows) | set(expected), key=repr):
            if key not in expected:
                problems.append(f"{table}[{key!r}]: row not in the audit log (inserted directly)")
            elif key not in rows:
                problems.append(f"{table}[{key!r}]: in the audit log but missing (deleted directly)")
            else:
                for col, want in expected[key].items():
                    if not _same(rows[key].get(col), want):
                        problems.append(f"{table}[{key!r}].{col}: stored {rows[key].get(col)!r}, the audit log "
                                        f"says {want!r} (edited directly)")
    return problems


def serials_digest(serials) -> str:
    """Digest of one whitelist rule's serials, as ``whitelist.bulk_add`` logs it (``digest``)."""
    return hashlib.sha256("\n".join(sorted(serials)).encode()).hexdigest()[:16]


def bulk_digest(rows: dict[str, bool]) -> str:
    """Digest of a zone's bulk whitelist {serial: speed_exempt}, as ``whitelist.bulk_add`` logs it (``zone_digest``)."""
    lines = sorted(f"{serial}\t{int(bool(exempt))}" for serial, exempt in rows.items())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _bulk(logged: State, actual: State) -> list[str]:
    """Whitelist entries added in bulk (policy files) are logged per rule as a count and digests, not row by row.
    Per zone the stored bulk rows must match the serials and speed exemptions logged (``zone_digest``: every bulk row
    of the zone with its exemption; records written before 2026-11-26 carry only the serials' digest), and each row's
    validity end what the log says (ended one by one, or all by a replacing policy); then they leave the row-by-row
    comparison."""
    problems = []
    ended = logged.pop("whitelist_bulk_end")
    for zone_id, zone in logged.pop("whitelist_bulk").items():
        keys = sorted(k for k in actual["whitelist"] if k[0] == zone_id and k not in logged["whitelist"])
        rows = {k[1]: actual["whitelist"][k]["speed_exempt"] for k in keys}
        groups, last = zone["groups"], zone["groups"][-1]
        if "zone_digest" in last:
            got, want = (len(rows), bulk_digest(rows)), (last["zone_count"], last["zone_digest"])
        elif len(groups) == 1:  # older records: the serials' digest; every row has the rule's exemption
            got = (len(rows), serials_digest(rows),
                   sorted({bool(v) for v in rows.values()}))
            want = (last["count"], last["digest"], [bool(last.get("speed_exempt"))] if rows else [])
        else:
            got, want = len(rows), sum(g["count"] for g in groups)
        if got != want:
            problems.append(f"whitelist[zone {zone_id}]: {len(rows)} bulk entries stored ({got}), the audit log says "
                            f"{want}: added, deleted or edited directly (serials or speed exemptions)")
        for k in keys:
            want_end = ended.get(k, zone)["valid_to"]
            if not _same(actual["whitelist"][k]["valid_to"], want_end):
                problems.append(f"whitelist[{k!r}].valid_to: stored {actual['whitelist'][k]['valid_to']!r}, the audit "
                                f"log says {want_end!r} (edited directly)")
            actual["whitelist"].pop(k)
    return problems


# Bulk-loaded populations (leonet.population.records): per table, the columns a load writes once and the control
# plane never changes afterwards (a later sale, activation or status change is logged record by record).
POPULATION_COLUMNS = {
    "organisations": ("name", "kind", "country"),
    "accounts": ("plan", "home_country", "customer_id", "service_lat_deg", "service_lon_deg", "service_radius_km",
                 "allowed_regions", "max_speed_kmh", "data_cap_gb"),
    "terminals": ("kit_number", "hardware_version", "software_version"),
    "transfers": ("channel", "country", "at", "from_id", "to_id", "recorded_by"),
}


def population_digest(table: str, rows: dict) -> str:
    """Digest of bulk-loaded rows {key: {column: value}} over ``POPULATION_COLUMNS[table]`` (values normalised as
    the comparison does, so a row read back from SQLite or PostgreSQL digests as it was inserted)."""
    cols = POPULATION_COLUMNS[table]
    lines = sorted("\x1f".join([repr(k), *(repr(_norm(row.get(c))) for c in cols)]) for k, row in rows.items())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _population(logged: State, actual: State) -> list[str]:
    """A population load is logged as one record: per table the key range it filled, the row count and a digest.
    The rows in that range that no other record accounts for must match both; they then leave the row-by-row
    comparison (their status, holder and activation are checked from the first logged change on)."""
    problems = []
    for seq, bulk in logged.pop("population_bulk").items():
        lo_s, hi_s = bulk["terminals"]["serials"]
        lo_a, hi_a = bulk["accounts"]["numbers"]
        lo_o, hi_o = bulk["organisations"]["ids"]
        members = {
            "organisations": [k for k in actual["organisations"] if lo_o <= k < hi_o],
            "accounts": [k for k in actual["accounts"] if lo_a <= k <= hi_a],
            "terminals": [k for k in actual["terminals"] if lo_s <= k <= hi_s],
            "transfers": [k for k in actual["transfers"] if lo_s <= k[0] <= hi_s],
        }
        for table, keys in members.items():
            keys = [k for k in keys if k not in logged[table]]
            want = bulk[table]
            digest = population_digest(table, {k: actual[table][k] for k in keys})
            if len(keys) != want["count"] or digest != want["digest"]:
                problems.append(f"{table}: the population load (audit record {seq}) wrote {want['count']} rows "
                                f"(digest {want['digest']}); {len(keys)} stored in its range (digest {digest}): "
                                f"rows added, deleted or edited directly")
            for k in keys:
                actual[table].pop(k)
    return problems
