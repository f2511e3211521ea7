"""Seed data: the licensing table for real countries (data/licensing.csv, each row with its date and source) and
an example dataset for the default scenario — an illustrative eastern-European theatre. Every boundary in it is
illustrative; real zones come from the user's GeoJSON."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from leonet.access import service
from leonet.store.models import Country, Organisation

ACTOR = "seed"


def licensing_rows() -> list[dict]:
    """Rows of data/licensing.csv: one per country and status period (``valid_from``/``valid_to``, empty = open),
    each with ``source_url`` (or ``unknown``), ``source_date`` and a ``note``."""
    with (resources.files("leonet") / "data" / "licensing.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _date(text: str) -> datetime | None:
    return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None


def statuses_at(when: datetime, rows: list[dict] | None = None) -> dict[str, str]:
    """{iso_a2: status} of the shipped table's periods valid at ``when`` (the what-if reference)."""
    out = {}
    for row in licensing_rows() if rows is None else rows:
        start, stop = _date(row["valid_from"]), _date(row["valid_to"])
        if (start is None or start <= when) and (stop is None or when < stop):
            out[row["iso_a2"]] = row["status"]
    return out


def load_licensing(session: Session, actor: str = ACTOR) -> int:
    """Insert or update every period of data/licensing.csv (oldest first per country); returns the number of rows."""
    rows = sorted(licensing_rows(), key=lambda r: (r["iso_a2"], r["valid_from"] or ""))
    for row in rows:
        service.set_country(session, actor, row["iso_a2"], row["name"], row["status"], row["source_url"],
                            valid_from=_date(row["valid_from"]), valid_to=_date(row["valid_to"]),
                            gateway_required_in_country=row["iso_a2"] == "IN", source_date=_date(row["source_date"]),
                            note=row["note"])
    return len(rows)


# Illustrative polygons (lon, lat): not real front lines or administrative borders.
FRONT_LINE_AREA = {"type": "Polygon", "coordinates": [[[36.8, 47.2], [39.0, 47.0], [39.6, 48.4], [38.6, 49.4],
                                                        [37.2, 49.0], [36.8, 47.2]]]}
KHERSON_DISABLED_CELLS = {"type": "Polygon", "coordinates": [[[32.40, 46.55], [32.90, 46.55], [32.90, 46.80],
                                                               [32.40, 46.80], [32.40, 46.55]]]}
UKRAINE_WHITELIST_REGION = {"type": "Polygon", "coordinates": [[[22.1, 48.4], [24.0, 47.9], [26.6, 48.2],
                                                                 [29.2, 46.5], [30.8, 46.4], [33.5, 46.0],
                                                                 [36.8, 46.7], [38.2, 47.1], [40.1, 49.6],
                                                                 [38.2, 50.3], [35.4, 52.1], [33.8, 52.3],
                                                                 [30.9, 51.5], [27.5, 51.6], [24.0, 51.6],
                                                                 [23.6, 50.4], [22.1, 48.4]]]}

EXAMPLE_ORGS = [("SpaceX", "manufacturer", "US"), ("EastLink Distribution", "distributor", "PL"),
                ("Kyiv Satcom", "reseller", "UA"), ("Gulf Sat Trading", "distributor", "AE"),
                ("Bishkek Tech", "reseller", "KG"), ("Nordic Marine Supply", "reseller", "NO"),
                ("Oksana Kovalenko", "customer", "UA"), ("Kharkiv Hospital No. 4", "customer", "UA"),
                ("Taras Melnyk", "customer", "UA"), ("Unknown buyer (Belgorod)", "customer", "RU"),
                ("Unknown buyer (Rostov)", "customer", "RU"), ("MV Baltic Star", "customer", "NO"),
                ("Drone workshop (unregistered)", "customer", "UA"), ("Ministry of Defence of Ukraine", "customer",
                                                                    "UA"), ("Oleh Bondar", "customer", "UA")]


def load_example(session: Session, actor: str = ACTOR) -> dict:
    """The default scenario's control-plane data. Idempotent: does nothing if SpaceX already exists."""
    if session.execute(select(Organisation).where(Organisation.name == "SpaceX")).scalar_one_or_none():
        return {"created": False}
    if session.get(Country, "UA") is None:
        load_licensing(session, actor)
    for name, kind, country in EXAMPLE_ORGS:
        service.create_org(session, actor, name, kind, country)
    t0 = datetime(2025, 9, 1, tzinfo=UTC)

    def terminal(serial, kit, chain, account=None):
        service.create_terminal(session, actor, serial, kit, "rev4_prod2", "SpaceX", "2026.08.1", at=t0)
        for k, (seller, buyer, channel, country) in enumerate(chain):
            service.record_sale(session, actor, serial, seller, buyer, datetime(2025, 10, 1 + 5 * k, tzinfo=UTC),
                                channel, country)
        if account:
            service.activate(session, actor, serial, account)

    service.create_account(session, actor, "ACC-UA-1001", "Oksana Kovalenko", "residential", "UA",
                           service_lat_deg=50.45, service_lon_deg=30.52, service_radius_km=50)
    service.create_account(session, actor, "ACC-UA-1002", "Kharkiv Hospital No. 4", "residential", "UA",
                           service_lat_deg=49.99, service_lon_deg=36.23, service_radius_km=30)
    service.create_account(session, actor, "ACC-UA-1003", "Taras Melnyk", "roam", "UA")
    service.create_account(session, actor, "ACC-AE-2001", "Unknown buyer (Belgorod)", "roam", "AE")
    service.create_account(session, actor, "ACC-AE-2002", "Unknown buyer (Rostov)", "roam", "AE")
    service.create_account(session, actor, "ACC-NO-3001", "MV Baltic Star", "maritime", "NO")
    service.create_account(session, actor, "ACC-UA-1004", "Drone workshop (unregistered)", "roam", "UA")
    service.create_account(session, actor, "ACC-UA-0001", "Ministry of Defence of Ukraine", "government", "UA")
    service.create_account(session, actor, "ACC-UA-1005", "Oleh Bondar", "roam", "UA")
    direct_ua = [("SpaceX", "EastLink Distribution", "direct", "PL"), ("EastLink Distribution", "Kyiv Satcom",
                                                                       "direct", "UA")]
    terminal("ut-ua-kyiv-01", "KIT-100001", direct_ua + [("Kyiv Satcom", "Oksana Kovalenko", "direct", "UA")],
             "ACC-UA-1001")
    terminal("ut-ua-kharkiv-01", "KIT-100002",
             direct_ua + [("Kyiv Satcom", "Kharkiv Hospital No. 4", "direct", "UA")], "ACC-UA-1002")
    terminal("ut-ua-roam-01", "KIT-100003", direct_ua + [("Kyiv Satcom", "Taras Melnyk", "direct", "UA")],
             "ACC-UA-1003")
    grey = [("SpaceX", "Gulf Sat Trading", "indirect", "AE"), ("Gulf Sat Trading", "Bishkek Tech", "indirect", "KG")]
    terminal("ut-grey-01", "KIT-200001", grey + [("Bishkek Tech", "Unknown buyer (Belgorod)", "indirect", "RU")],
             "ACC-AE-2001")
    terminal("ut-grey-02", "KIT-200002", grey + [("Bishkek Tech", "Unknown buyer (Rostov)", "indirect", "RU")],
             "ACC-AE-2002")
    terminal("ut-grey-03", "KIT-200003", grey + [("Bishkek Tech", "Unknown buyer (Rostov)", "indirect", "RU")],
             "ACC-AE-2002")
    terminal("ut-ship-01", "KIT-300001", [("SpaceX", "Nordic Marine Supply", "direct", "NO"),
                                          ("Nordic Marine Supply", "MV Baltic Star", "direct", "NO")], "ACC-NO-3001")
    terminal("ut-drone-01", "KIT-400001",
             direct_ua + [("Kyiv Satcom", "Drone workshop (unregistered)", "indirect", "UA")], "ACC-UA-1004")
    terminal("ut-mod-01", "KIT-500001",
             direct_ua + [("Kyiv Satcom", "Ministry of Defence of Ukraine", "direct", "UA")], "ACC-UA-0001")
    terminal("ut-spoof-01", "KIT-600001", direct_ua + [("Kyiv Satcom", "Oleh Bondar", "direct", "UA")],
             "ACC-UA-1005")
    front = service.create_zone(session, actor, "Illustrative front-line blocked area", "blocked_area",
                                FRONT_LINE_AREA, "Illustrative: occupied territory near the front line; service "
                                "barred except for whitelisted defence terminals", valid_from=t0)
    wl = service.create_zone(session, actor, "Ukraine whitelist-only region (illustrative)", "whitelist_only",
                             UKRAINE_WHITELIST_REGION, "Illustrative outline of Ukraine: from Feb 2026 only "
                             "registered, verified terminals are served; speed cut-off against drones",
                             valid_from=datetime(2026, 2, 3, tzinfo=UTC), max_speed_kmh=90.0)
    for serial in ("ut-ua-kyiv-01", "ut-ua-kharkiv-01", "ut-ua-roam-01", "ut-drone-01", "ut-spoof-01"):
        service.whitelist(session, actor, wl.id, serial)
    service.whitelist(session, actor, wl.id, "ut-mod-01", speed_exempt=True)
    service.whitelist(session, actor, front.id, "ut-mod-01", speed_exempt=True)
    service.create_zone(session, actor, "Illustrative disabled cells near Kherson", "disabled_cells",
                        KHERSON_DISABLED_CELLS, "Illustrative: the operator switched these scheduler cells off (as "
                        "Reuters reported for the Kherson region: the cells 'went blank'); no terminal is served "
                        "in them, whitelisted or not", valid_from=t0)
    return {"created": True}
