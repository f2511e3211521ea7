"""Control-plane operations on the store. Each runs in one transaction with its audit record: all or nothing.
Errors: ``LeonetInputError`` (bad value, 422), ``NotFound`` (404), ``Conflict`` (409), ``Forbidden`` (403)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leonet.access import audit
from leonet.access.policy import PLANS
from leonet.access.zones import ZONE_KINDS, check_disabled_cells, validate_geojson
from leonet.errors import LeonetInputError
from leonet.store.models import (
    Account,
    Country,
    CountryStatusPeriod,
    Organisation,
    Terminal,
    Transfer,
    WhitelistEntry,
    Zone,
    as_utc,
)

ORG_KINDS = ("manufacturer", "distributor", "reseller", "customer")
COUNTRY_STATUSES = ("licensed", "not_licensed", "blocked", "unknown")
CLOCK_SKEW = timedelta(minutes=5)


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


class Forbidden(PermissionError):
    pass


def _not_future(t: datetime, field: str) -> datetime:
    t = as_utc(t)
    if t > datetime.now(UTC) + CLOCK_SKEW:
        raise LeonetInputError("must not be in the future", field=field, value=t.isoformat())
    return t


def _iso_or_none(t: datetime | None) -> str | None:
    return None if t is None else as_utc(t).isoformat()


def _choice(value: str, options: tuple[str, ...], field: str) -> str:
    if value not in options:
        raise LeonetInputError(f"must be one of {', '.join(options)}", field=field, value=value)
    return value


def _iso(value: str, field: str) -> str:
    if not (isinstance(value, str) and len(value) == 2 and value.isalpha() and value.isupper()):
        raise LeonetInputError("must be an ISO 3166-1 alpha-2 code, e.g. UA", field=field, value=value)
    return value


def _flush(session: Session, what: str, field: str, value) -> None:
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{what} already exists: field '{field}', value {value!r}") from None


def get_org(session: Session, name_or_id) -> Organisation:
    q = select(Organisation).where(Organisation.id == name_or_id) if isinstance(name_or_id, int) else \
        select(Organisation).where(Organisation.name == name_or_id)
    org = session.execute(q).scalar_one_or_none()
    if org is None:
        raise NotFound(f"no organisation: {name_or_id!r}")
    return org


def get_terminal(session: Session, serial: str) -> Terminal:
    term = session.get(Terminal, serial)
    if term is None:
        raise NotFound(f"unknown serial: field 'serial', value {serial!r}")
    return term


def set_country(session: Session, actor: str, iso_a2: str, name: str, status: str, source: str = "",
                valid_from: datetime | None = None, valid_to: datetime | None = None,
                gateway_required_in_country: bool = False, source_date: datetime | None = None,
                note: str = "") -> Country:
    """Set a country's licensing status from ``valid_from`` (None: from the beginning) to ``valid_to`` (None: open).
    The status history keeps every period: a new period closes the open period that it starts inside. The
    ``countries`` row shows the latest period."""
    _iso(iso_a2, "iso_a2")
    _choice(status, COUNTRY_STATUSES, "status")
    if valid_from and valid_to and as_utc(valid_to) <= as_utc(valid_from):
        raise LeonetInputError("must be after valid_from", field="valid_to", value=str(valid_to))
    c = session.get(Country, iso_a2) or Country(iso_a2=iso_a2)
    c.name, c.status, c.source = name, status, source
    c.valid_from, c.valid_to, c.gateway_required_in_country = valid_from, valid_to, gateway_required_in_country
    session.add(c)
    session.flush()
    _cut_periods(session, iso_a2, valid_from, valid_to)
    session.add(CountryStatusPeriod(iso_a2=iso_a2, status=status, valid_from=valid_from, valid_to=valid_to,
                                    source=source, source_date=source_date, note=note))
    session.flush()
    audit.append(session, actor, "country.set", {"iso_a2": iso_a2, "name": name, "status": status, "source": source,
                                                 "valid_from": _iso_or_none(valid_from),
                                                 "valid_to": _iso_or_none(valid_to),
                                                 "gateway_required_in_country": gateway_required_in_country,
                                                 "source_date": _iso_or_none(source_date), "note": note})
    return c


def _cut_periods(session: Session, iso_a2: str, start: datetime | None, stop: datetime | None) -> None:
    """Make room for a new period [start, stop): earlier periods are trimmed, split or removed where they overlap."""
    lo = as_utc(start).timestamp() if start else -float("inf")
    hi = as_utc(stop).timestamp() if stop else float("inf")
    for p in session.execute(select(CountryStatusPeriod).where(CountryStatusPeriod.iso_a2 == iso_a2)).scalars().all():
        c = as_utc(p.valid_from).timestamp() if p.valid_from else -float("inf")
        d = as_utc(p.valid_to).timestamp() if p.valid_to else float("inf")
        if d <= lo or c >= hi:
            continue
        if c < lo and d > hi:  # the new period sits inside: split
            session.add(CountryStatusPeriod(iso_a2=iso_a2, status=p.status, valid_from=stop, valid_to=p.valid_to,
                                            source=p.source, source_date=p.source_date, note=p.note))
            p.valid_to = start
        elif c < lo:
            p.valid_to = start
        elif d > hi:
            p.valid_from = stop
        else:
            session.delete(p)
    session.flush()


def country_history(session: Session, iso_a2: str) -> list[CountryStatusPeriod]:
    """The licensing periods of one country, oldest first."""
    rows = session.execute(select(CountryStatusPeriod).where(CountryStatusPeriod.iso_a2 == iso_a2)).scalars().all()
    return sorted(rows, key=lambda p: (p.valid_from is not None, as_utc(p.valid_from) if p.valid_from else 0))


def create_org(session: Session, actor: str, name: str, kind: str, country: str) -> Organisation:
    if not name or not name.strip():
        raise LeonetInputError("must not be empty", field="name", value=name)
    org = Organisation(name=name.strip(), kind=_choice(kind, ORG_KINDS, "kind"), country=_iso(country, "country"))
    session.add(org)
    _flush(session, "organisation", "name", name)
    audit.append(session, actor, "organisation.create", {"id": org.id, "name": org.name, "kind": kind,
                                                         "country": country})
    return org


def create_terminal(session: Session, actor: str, serial: str, kit_number: str, hardware_version: str,
                    manufacturer: str, software_version: str = "", at: datetime | None = None) -> Terminal:
    for field, value in (("serial", serial), ("kit_number", kit_number), ("hardware_version", hardware_version)):
        if not value or not str(value).strip():
            raise LeonetInputError("must not be empty", field=field, value=value)
    maker = get_org(session, manufacturer)
    if maker.kind != "manufacturer":
        raise LeonetInputError("terminals are created by a manufacturer", field="manufacturer", value=manufacturer)
    if session.get(Terminal, serial) is not None:
        raise Conflict(f"terminal already exists: field 'serial', value {serial!r}")
    term = Terminal(serial=serial, kit_number=kit_number, hardware_version=hardware_version,
                    software_version=software_version, holder_id=maker.id,
                    created_at=_not_future(at or datetime.now(UTC), "at"))
    session.add(term)
    _flush(session, "terminal", "kit_number", kit_number)
    audit.append(session, actor, "terminal.create", {"serial": serial, "kit_number": kit_number,
                                                     "manufacturer": maker.name, "holder_id": maker.id,
                                                     "hardware_version": hardware_version,
                                                     "software_version": software_version})
    return term


def record_sale(session: Session, actor: str, serial: str, seller: str, buyer: str, at: datetime, channel: str,
                country: str, *, acting_org_id: int | None = None) -> Transfer:
    """Append a transfer to the terminal's chain. The seller must hold the terminal; a reseller key may only
    record sales by its own organisation; the date must not be in the future nor before the previous sale."""
    term = get_terminal(session, serial)
    from_org, to_org = get_org(session, seller), get_org(session, buyer)
    if acting_org_id is not None and from_org.id != acting_org_id:
        raise Forbidden("a reseller may record only its own sales")
    if term.holder_id != from_org.id:  # never name the holder: it may be another reseller's business
        raise Conflict(f"field 'seller', value {seller!r}: does not hold terminal {serial}")
    if from_org.id == to_org.id:
        raise LeonetInputError("seller and buyer are the same", field="buyer", value=buyer)
    if to_org.kind == "manufacturer":
        raise LeonetInputError("a terminal is not sold back to a manufacturer (record a return as an indirect "
                               "sale to a distributor)", field="buyer", value=buyer)
    at = _not_future(at, "at")
    if at < as_utc(term.created_at):
        raise LeonetInputError("is before the terminal was made", field="at", value=at.isoformat())
    _choice(channel, ("direct", "indirect"), "channel")
    _iso(country, "country")
    last = session.execute(select(Transfer).where(Transfer.terminal_serial == serial)
                           .order_by(Transfer.seq.desc()).limit(1)).scalar_one_or_none()
    if last is not None and at < as_utc(last.at):
        raise LeonetInputError("is before the terminal's previous sale", field="at", value=at.isoformat())
    seq = 1 if last is None else last.seq + 1
    transfer = Transfer(terminal_serial=serial, seq=seq, from_id=from_org.id, to_id=to_org.id, at=at,
                        channel=channel, country=country, recorded_by=actor)
    term.holder_id = to_org.id
    session.add(transfer)
    _flush(session, "sale", "serial", serial)
    audit.append(session, actor, "sale.record", {"serial": serial, "seq": seq, "from": from_org.name,
                                                 "to": to_org.name, "channel": channel, "country": country,
                                                 "at": at.isoformat(), "from_id": from_org.id, "to_id": to_org.id,
                                                 "recorded_by": actor})
    return transfer


def provenance(session: Session, serial: str) -> dict:
    """How did terminal X reach its user: the chain, whether any step was indirect, the countries crossed."""
    term = get_terminal(session, serial)
    rows = session.execute(select(Transfer).where(Transfer.terminal_serial == serial)
                           .order_by(Transfer.seq)).scalars().all()
    orgs = {o.id: o for o in session.execute(select(Organisation)).scalars()}
    chain = [{"seq": r.seq, "from": orgs[r.from_id].name, "from_kind": orgs[r.from_id].kind,
              "from_country": orgs[r.from_id].country, "to": orgs[r.to_id].name, "to_kind": orgs[r.to_id].kind,
              "to_country": orgs[r.to_id].country, "at": as_utc(r.at).isoformat(), "channel": r.channel,
              "country": r.country} for r in rows]
    countries: list[str] = []
    for step in chain:
        for c in (step["from_country"], step["country"], step["to_country"]):
            if not countries or countries[-1] != c:
                countries.append(c)
    account = session.get(Account, term.account_id) if term.account_id else None
    return {"serial": serial, "kit_number": term.kit_number, "holder": orgs[term.holder_id].name,
            "chain": chain, "indirect": any(s["channel"] == "indirect" for s in chain),
            "countries": countries, "account": account.number if account else None,
            "account_home_country": account.home_country if account else None}


def terminals_sold_into(session: Session, country: str) -> list[dict]:
    """Terminals with a sale delivered into ``country``, each with whether that sale was direct or indirect."""
    _iso(country, "country")
    rows = session.execute(select(Transfer).where(Transfer.country == country)
                           .order_by(Transfer.terminal_serial, Transfer.seq)).scalars().all()
    orgs = {o.id: o.name for o in session.execute(select(Organisation)).scalars()}
    return [{"serial": r.terminal_serial, "seq": r.seq, "channel": r.channel, "from": orgs[r.from_id],
             "to": orgs[r.to_id], "at": as_utc(r.at).isoformat()} for r in rows]


def create_account(session: Session, actor: str, number: str, customer: str, plan: str, home_country: str,
                   status: str = "active", service_lat_deg: float | None = None,
                   service_lon_deg: float | None = None, service_radius_km: float | None = None,
                   allowed_regions: list[str] | None = None, max_speed_kmh: float | None = None,
                   abroad_since: datetime | None = None, data_cap_gb: float | None = None) -> Account:
    _choice(plan, PLANS, "plan")
    _choice(status, ("active", "suspended", "disabled"), "status")
    _iso(home_country, "home_country")
    for r in allowed_regions or []:
        _iso(r, "allowed_regions")
    if service_lat_deg is not None and not -90 <= service_lat_deg <= 90:
        raise LeonetInputError("out of range [-90, 90]", field="service_lat_deg", value=service_lat_deg)
    if service_lon_deg is not None and not -180 <= service_lon_deg <= 180:
        raise LeonetInputError("out of range [-180, 180]", field="service_lon_deg", value=service_lon_deg)
    if data_cap_gb is not None and not data_cap_gb > 0:
        raise LeonetInputError("must be > 0 (omit it for unlimited data)", field="data_cap_gb", value=data_cap_gb)
    if plan == "residential" and (service_lat_deg is None or service_lon_deg is None):
        raise LeonetInputError("a residential account needs a service address", field="service_lat_deg",
                               value=service_lat_deg)
    cust = get_org(session, customer)
    acct = Account(number=number, customer_id=cust.id, plan=plan, status=status, home_country=home_country,
                   service_lat_deg=service_lat_deg, service_lon_deg=service_lon_deg,
                   service_radius_km=service_radius_km if service_radius_km is not None else
                   (50.0 if plan == "residential" else None), allowed_regions=list(allowed_regions or []),
                   max_speed_kmh=max_speed_kmh, abroad_since=abroad_since, data_cap_gb=data_cap_gb,
                   data_used_gb=0.0)
    session.add(acct)
    _flush(session, "account", "number", number)
    audit.append(session, actor, "account.create", {
        "id": acct.id, "number": number, "customer": cust.name, "customer_id": cust.id, "plan": plan,
        "status": status, "home_country": home_country, "service_lat_deg": acct.service_lat_deg,
        "service_lon_deg": acct.service_lon_deg, "service_radius_km": acct.service_radius_km,
        "allowed_regions": acct.allowed_regions, "max_speed_kmh": max_speed_kmh,
        "abroad_since": _iso_or_none(abroad_since), "data_cap_gb": data_cap_gb})
    return acct


def get_account(session: Session, number: str) -> Account:
    acct = session.execute(select(Account).where(Account.number == number)).scalar_one_or_none()
    if acct is None:
        raise NotFound(f"unknown account: field 'number', value {number!r}")
    return acct


def set_account_status(session: Session, actor: str, number: str, status: str) -> Account:
    acct = get_account(session, number)
    acct.status = _choice(status, ("active", "suspended", "disabled"), "status")
    session.flush()
    audit.append(session, actor, "account.status", {"number": number, "status": status})
    return acct


def record_usage(session: Session, actor: str, number: str, used_gb: float) -> Account:
    """Set the data an account has used in the current billing period (0 starts a new period)."""
    if not isinstance(used_gb, int | float) or not used_gb >= 0 or used_gb != used_gb or used_gb == float("inf"):
        raise LeonetInputError("must be a finite number >= 0", field="used_gb", value=used_gb)
    acct = get_account(session, number)
    acct.data_used_gb = float(used_gb)
    acct.data_used_at = datetime.now(UTC)
    session.flush()
    audit.append(session, actor, "account.usage", {"number": number, "used_gb": float(used_gb)})
    return acct


def activate(session: Session, actor: str, serial: str, account_number: str) -> Terminal:
    """Attach a terminal to an account (service activation)."""
    term = get_terminal(session, serial)
    acct = get_account(session, account_number)
    term.account_id = acct.id
    session.flush()
    audit.append(session, actor, "terminal.activate", {"serial": serial, "account": account_number,
                                                       "account_id": acct.id})
    return term


def create_zone(session: Session, actor: str, name: str, kind: str, geometry: dict, reason: str,
                valid_from: datetime | None = None, valid_to: datetime | None = None,
                max_speed_kmh: float | None = None, source: str = "", as_of: datetime | None = None) -> Zone:
    """A zone from GeoJSON; ``source`` (URL or description) and ``as_of`` (the date the source describes) record
    where the boundary comes from."""
    if not name or not name.strip():
        raise LeonetInputError("must not be empty", field="name", value=name)
    _choice(kind, ZONE_KINDS, "kind")
    geom = validate_geojson(geometry)
    if kind == "disabled_cells":
        check_disabled_cells(geom)
    if not reason or not reason.strip():
        raise LeonetInputError("a zone must state its reason", field="reason", value=reason)
    if valid_from and valid_to and as_utc(valid_to) <= as_utc(valid_from):
        raise LeonetInputError("must be after valid_from", field="valid_to", value=str(valid_to))
    if max_speed_kmh is not None and not max_speed_kmh > 0:
        raise LeonetInputError("must be > 0", field="max_speed_kmh", value=max_speed_kmh)
    zone = Zone(name=name.strip(), kind=kind, geometry=geometry, valid_from=valid_from, valid_to=valid_to,
                reason=reason, max_speed_kmh=max_speed_kmh, created_by=actor, source=source or "", as_of=as_of)
    session.add(zone)
    _flush(session, "zone", "name", name)
    audit.append(session, actor, "zone.create", {"id": zone.id, "name": zone.name, "kind": kind, "reason": reason,
                                                 "geometry": geometry, "valid_from": _iso_or_none(valid_from),
                                                 "valid_to": _iso_or_none(valid_to), "max_speed_kmh": max_speed_kmh,
                                                 "source": source or "", "as_of": _iso_or_none(as_of)})
    return zone


def get_zone(session: Session, zone_id: int) -> Zone:
    zone = session.get(Zone, zone_id)
    if zone is None:
        raise NotFound(f"unknown zone: field 'zone_id', value {zone_id!r}")
    return zone


def whitelist(session: Session, actor: str, zone_id: int, serial: str, speed_exempt: bool = False) -> WhitelistEntry:
    zone = get_zone(session, zone_id)
    get_terminal(session, serial)
    entry = WhitelistEntry(zone_id=zone.id, terminal_serial=serial, speed_exempt=speed_exempt, added_by=actor,
                           added_at=datetime.now(UTC))
    session.add(entry)
    _flush(session, "whitelist entry", "serial", serial)
    audit.append(session, actor, "whitelist.add", {"zone": zone.name, "zone_id": zone.id, "serial": serial,
                                                   "speed_exempt": speed_exempt})
    return entry


def count_rows(session: Session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()
