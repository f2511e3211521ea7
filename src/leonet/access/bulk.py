"""Bulk CSV import of organisations, terminals, sales and accounts: every row goes through the same service call as
the API (validation, audit record), all in the caller's one transaction — all or nothing. An error names the line,
the column and the value."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy.orm import Session

from leonet.access import service
from leonet.errors import LeonetInputError
from leonet.orbits.timegrid import parse_utc
from leonet.store.models import Account, Organisation, Terminal, Transfer

COLUMNS = {  # required, then optional
    "organisations": (("name", "kind", "country"), ()),
    "terminals": (("serial", "kit_number", "hardware_version", "manufacturer"), ("software_version",)),
    "sales": (("serial", "seller", "buyer", "at", "channel", "country"), ()),
    "accounts": (("number", "customer", "plan", "home_country"),
                 ("status", "service_lat_deg", "service_lon_deg", "service_radius_km", "allowed_regions",
                  "max_speed_kmh", "abroad_since", "data_cap_gb")),
}
MAX_ROWS = 100_000
# Each CSV column's store column: its width bounds the value, as the API's schemas do for JSON bodies.
_STORED_AS = {
    "organisations": {"name": Organisation.name, "kind": Organisation.kind, "country": Organisation.country},
    "terminals": {"serial": Terminal.serial, "kit_number": Terminal.kit_number,
                  "hardware_version": Terminal.hardware_version, "software_version": Terminal.software_version,
                  "manufacturer": Organisation.name},
    "sales": {"serial": Terminal.serial, "seller": Organisation.name, "buyer": Organisation.name,
              "channel": Transfer.channel, "country": Transfer.country},
    "accounts": {"number": Account.number, "customer": Organisation.name, "plan": Account.plan,
                 "home_country": Account.home_country, "status": Account.status},
}
_FLOATS = ("service_lat_deg", "service_lon_deg", "service_radius_km", "max_speed_kmh", "data_cap_gb")


def _float(v: str, field: str, line: int, source: str) -> float | None:
    if not v.strip():
        return None
    try:
        x = float(v)
    except ValueError:
        raise LeonetInputError("not a number", file=source, line=line, field=field, value=v) from None
    if x != x or x in (float("inf"), float("-inf")):
        raise LeonetInputError("must be a finite number", file=source, line=line, field=field, value=v)
    return x


def _row(session: Session, actor: str, kind: str, r: dict[str, str], line: int, source: str) -> None:
    if kind == "organisations":
        service.create_org(session, actor, r["name"], r["kind"], r["country"])
    elif kind == "terminals":
        service.create_terminal(session, actor, r["serial"], r["kit_number"], r["hardware_version"],
                                r["manufacturer"], r.get("software_version") or "")
    elif kind == "sales":
        at: datetime = parse_utc(r["at"], field="at")
        service.record_sale(session, actor, r["serial"], r["seller"], r["buyer"], at, r["channel"], r["country"])
    else:
        extra = {f: _float(r.get(f) or "", f, line, source) for f in _FLOATS}
        regions = [x.strip() for x in (r.get("allowed_regions") or "").replace(";", " ").split() if x.strip()]
        since = parse_utc(r["abroad_since"], field="abroad_since") if (r.get("abroad_since") or "").strip() else None
        service.create_account(session, actor, r["number"], r["customer"], r["plan"], r["home_country"],
                               status=(r.get("status") or "active").strip(), allowed_regions=regions,
                               abroad_since=since, **extra)


def import_csv(session: Session, actor: str, kind: str, text: str, source: str = "CSV") -> int:
    """Import every row of ``text`` (CSV with a header) as ``kind``; returns the number of rows. Raises
    ``LeonetInputError`` (line, field, value) on the first bad row; the caller's transaction then rolls back."""
    if kind not in COLUMNS:
        raise LeonetInputError(f"must be one of {', '.join(COLUMNS)}", field="kind", value=kind)
    if "\x00" in text:
        raise LeonetInputError("NUL bytes are not allowed", file=source)
    required, optional = COLUMNS[kind]
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    if missing or unknown:
        raise LeonetInputError(f"header must have {', '.join(required)}" + (f" (optional: {', '.join(optional)})"
                               if optional else ""), file=source, line=1, field=(missing or unknown)[0],
                               value=",".join(header))
    n = 0
    for r in reader:
        n += 1
        if n > MAX_ROWS:
            raise LeonetInputError(f"at most {MAX_ROWS} rows per import", file=source, line=reader.line_num)
        row = {k: (v or "").strip() for k, v in r.items() if k is not None}
        for field in required:
            if not row.get(field):
                raise LeonetInputError("must not be empty", file=source, line=reader.line_num, field=field,
                                       value=row.get(field))
        for field, column in _STORED_AS[kind].items():
            width = column.type.length
            if len(row.get(field) or "") > width:
                raise LeonetInputError(f"at most {width} characters", file=source, line=reader.line_num,
                                       field=field, value=row[field][:80] + "…")
        try:
            _row(session, actor, kind, row, reader.line_num, source)
        except LeonetInputError as exc:
            if exc.line is not None:
                raise
            wrapped = LeonetInputError(str(exc), file=source, line=reader.line_num)
            wrapped.field = exc.field
            raise wrapped from None
        except (service.Conflict, service.NotFound, service.Forbidden) as exc:
            raise LeonetInputError(str(exc), file=source, line=reader.line_num) from None
    if n == 0:
        raise LeonetInputError("no rows after the header", file=source, line=2)
    return n
