"""The control plane's records for a population: organisations (manufacturer, distributors and traders along each
sales route, one customer per account), accounts, terminals and the recorded part of each sales chain, bulk-inserted
with SQLAlchemy Core (one executemany per table) and one audit record for the whole load.

What goes in is only what an operator would hold: who sold to whom and where it was delivered (as far as the chain
was recorded), the account's country and plan. Whether a kit is diverted, where it is really used and how its GPS
behaves stay out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from leonet.access import audit
from leonet.access.reconcile import population_digest
from leonet.population.generate import PopulationArrays
from leonet.population.spec import PLANS
from leonet.store.models import Account, Organisation, Terminal, Transfer

MANUFACTURER = ("SpaceX", "US")
HARDWARE = "rev4_prod2"
SOFTWARE = "2026.08.1"
MADE_AT = datetime(2025, 6, 1, tzinfo=UTC)
SALE_GAP = timedelta(days=7)


def present(session: Session, pop: PopulationArrays) -> bool:
    """Whether this population's records are already stored (its first terminal exists)."""
    return len(pop) > 0 and session.get(Terminal, str(pop.serial[0])) is not None


def _next_id(session: Session, model) -> int:
    return int(session.execute(select(func.coalesce(func.max(model.id), 0))).scalar_one()) + 1


def _bulk_record(orgs: list[dict], accounts: list[dict], terminals: list[dict], transfers: list[dict]) -> dict:
    """What `leonet audit verify` checks the load against (access/reconcile.py): key ranges, counts, digests."""
    tables = {"organisations": {o["id"]: o for o in orgs}, "accounts": {a["number"]: a for a in accounts},
              "terminals": {t["serial"]: t for t in terminals},
              "transfers": {(t["terminal_serial"], t["seq"]): t for t in transfers}}
    out = {t: {"count": len(rows), "digest": population_digest(t, rows)} for t, rows in tables.items()}
    out["organisations"]["ids"] = [min(tables["organisations"]), max(tables["organisations"]) + 1]
    out["accounts"]["numbers"] = [min(tables["accounts"]), max(tables["accounts"])]
    out["terminals"]["serials"] = [min(tables["terminals"]), max(tables["terminals"])]
    return out


def insert_records(session: Session, pop: PopulationArrays, actor: str = "population") -> dict:
    """Insert every record of ``pop``; returns the counts. Idempotent per population (skips if present)."""
    if len(pop) == 0 or present(session, pop):
        return {"created": False}
    m = len(pop)
    org_id = _next_id(session, Organisation)
    maker = session.execute(select(Organisation).where(Organisation.name == MANUFACTURER[0])).scalar_one_or_none()
    orgs: list[dict] = []

    def org(name, kind, country) -> int:
        nonlocal org_id
        orgs.append({"id": org_id, "name": name, "kind": kind, "country": country})
        org_id += 1
        return org_id - 1

    maker_id = maker.id if maker is not None else org("SpaceX", "manufacturer", MANUFACTURER[1])
    # Per legit group: an authorised distributor in its account country. Per route: one trader per intermediate sale.
    legit_dist = {}
    for k, name in enumerate(pop.group_names):
        if pop.group_country[k] or not any(r["group"] == name for r in pop.routes):
            home = str(pop.account_country[pop.group == k][0]) if (pop.group == k).any() else "US"
            legit_dist[k] = org(f"Authorised distributor {home} {k + 1}", "distributor", home)
    traders = [[org(f"{'Distributor' if i == 1 else 'Reseller'} {route['chain'][i]} {r + 1}.{i}",
                    "distributor" if i == 1 else "reseller", route["chain"][i])
                for i in range(1, len(route["chain"]) - 1)] for r, route in enumerate(pop.routes)]
    # One customer (organisation) and one account per account key.
    keys, first = np.unique(pop.account_key, return_index=True)
    n_acc = keys.size
    cust0 = org_id
    acct0 = _next_id(session, Account)
    acc_country = pop.account_country[first]
    acc_plan = pop.plan[first]
    acc_names = np.char.add("ACC-", pop.serial[first])
    orgs += [{"id": cust0 + i, "name": f"Customer of {acc_names[i]}", "kind": "customer",
              "country": str(acc_country[i])} for i in range(n_acc)]
    org_id += n_acc
    res = acc_plan == PLANS.index("residential")
    accounts = [{"id": acct0 + i, "number": str(acc_names[i]), "customer_id": cust0 + i, "plan": PLANS[acc_plan[i]],
                 "status": "active", "home_country": str(acc_country[i]),
                 "service_lat_deg": float(pop.lat0_deg[first[i]]) if res[i] else None,
                 "service_lon_deg": float(pop.lon0_deg[first[i]]) if res[i] else None,
                 "service_radius_km": 50.0 if res[i] else None, "allowed_regions": [], "data_used_gb": 0.0}
                for i in range(n_acc)]
    acct_of_terminal = acct0 + np.searchsorted(keys, pop.account_key)
    cust_of_terminal = cust0 + np.searchsorted(keys, pop.account_key)
    # Sales: legit = maker → distributor (home) → customer (home), both direct; diverted = the recorded steps of its
    # route, maker's sale direct and every resale indirect.
    transfers: list[dict] = []
    holder = np.full(m, maker_id, dtype=np.int64)
    legit = np.flatnonzero(pop.route < 0)
    for k, dist in legit_dist.items():
        idx = legit[pop.group[legit] == k]
        for i in idx.tolist():
            c = str(pop.account_country[i])
            s = str(pop.serial[i])
            transfers.append({"terminal_serial": s, "seq": 1, "from_id": maker_id, "to_id": dist,
                              "at": MADE_AT + SALE_GAP, "channel": "direct", "country": c, "recorded_by": actor})
            transfers.append({"terminal_serial": s, "seq": 2, "from_id": dist, "to_id": int(cust_of_terminal[i]),
                              "at": MADE_AT + 2 * SALE_GAP, "channel": "direct", "country": c, "recorded_by": actor})
            holder[i] = cust_of_terminal[i]
    for i in np.flatnonzero(pop.route >= 0).tolist():
        route = pop.routes[pop.route[i]]
        chain = [maker_id] + traders[pop.route[i]] + [int(cust_of_terminal[i])]
        s = str(pop.serial[i])
        for step in range(route["steps"]):
            transfers.append({"terminal_serial": s, "seq": step + 1, "from_id": chain[step], "to_id": chain[step + 1],
                              "at": MADE_AT + (step + 1) * SALE_GAP, "channel": "direct" if step == 0 else "indirect",
                              "country": route["chain"][step + 1], "recorded_by": actor})
        holder[i] = chain[route["steps"]]
    terminals = [{"serial": s, "kit_number": "KIT-" + s[3:], "hardware_version": HARDWARE,
                  "software_version": SOFTWARE, "holder_id": int(h), "account_id": int(a), "created_at": MADE_AT}
                 for s, h, a in zip(pop.serial.tolist(), holder.tolist(), acct_of_terminal.tolist(), strict=True)]
    # Core inserts on the tables (one executemany each; the ORM's bulk path would split them by NULL pattern).
    session.execute(Organisation.__table__.insert(), orgs)
    session.execute(Account.__table__.insert(), accounts)
    session.execute(Terminal.__table__.insert(), terminals)
    if transfers:
        session.execute(Transfer.__table__.insert(), transfers)
    if session.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in ("organisations", "accounts"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT MAX(id) FROM {table}))"))
    counts = {"organisations": len(orgs), "accounts": len(accounts), "terminals": len(terminals),
              "transfers": len(transfers)}
    audit.append(session, actor, "population.load", {**counts, "first_serial": str(pop.serial[0]),
                                                     "last_serial": str(pop.serial[-1]),
                                                     "bulk": _bulk_record(orgs, accounts, terminals, transfers)})
    return {"created": True, **counts}
