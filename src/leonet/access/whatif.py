"""``leonet decide``: what-if decisions for hypothetical terminals read from CSV."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from leonet.access.context import hypothetical_context, load_context, shipped_context
from leonet.access.policy import decide_batch
from leonet.access.seed import statuses_at
from leonet.errors import LeonetInputError
from leonet.io import write_tables
from leonet.orbits.timegrid import parse_utc

COLUMNS = ("terminal", "lat_deg", "lon_deg", "speed_kmh")


def read_positions(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    try:
        handle = Path(path).open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise LeonetInputError("file not found", file=str(path)) from None
    names, lat, lon, speed = [], [], [], []
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise LeonetInputError(f"header must be {','.join(COLUMNS)}", file=str(path), line=1, field=missing[0],
                                   value=",".join(reader.fieldnames or []))
        for row in reader:
            values = []
            for field, lim in (("lat_deg", 90), ("lon_deg", 180), ("speed_kmh", None)):
                text = (row.get(field) or "").strip() or ("0" if field == "speed_kmh" else "")
                try:
                    v = float(text)
                except ValueError:
                    raise LeonetInputError("not a number", file=str(path), line=reader.line_num, field=field,
                                           value=text) from None
                if not np.isfinite(v) or (lim is not None and abs(v) > lim) or (lim is None and v < 0):
                    raise LeonetInputError("out of range", file=str(path), line=reader.line_num, field=field,
                                           value=text)
                values.append(v)
            name = (row.get("terminal") or "").strip()
            if not name:
                raise LeonetInputError("empty terminal name", file=str(path), line=reader.line_num,
                                       field="terminal", value=row.get("terminal"))
            names.append(name)
            lat.append(values[0])
            lon.append(values[1])
            speed.append(values[2])
    return names, np.array(lat), np.array(lon), np.array(speed)


def decide_csv(plan: str, positions: Path, out: Path, db: str | None, at: str | None) -> tuple[int, Counter]:
    when = parse_utc(at, field="at") if at else datetime.now(UTC)
    names, lat, lon, speed = read_positions(positions)
    if db is None:  # no store: the shipped licensing table and borders alone
        base = shipped_context(when)
    else:
        from leonet.store.session import open_existing

        sessions = open_existing(db)
        with sessions() as session:
            base = load_context(session, when)
    # The shipped licensing table is the reference for what-ifs (the database's rows, if any, take precedence).
    from leonet.access.policy import country_status_array

    statuses = statuses_at(when)
    if db is not None:
        statuses.update(_stored_statuses(db, when))
    base.country_status = country_status_array(statuses)
    ids = np.array([f"{i:09d}" for i in range(len(names))])
    ctx = hypothetical_context(base, plan, ids, lat, lon)
    result = decide_batch(ctx, ids, lat, lon, when, speed)
    reasons = ["; ".join(result.reasons(i)) for i in range(len(names))]
    table = pa.table({"terminal": pa.array(names, pa.string()), "code": pa.array(result.names.tolist(), pa.string()),
                      "reasons": pa.array(reasons, pa.string())})
    write_tables(out, [table])
    return len(names), Counter(result.names.tolist())


def _stored_statuses(db: str | None, when: datetime) -> dict[str, str]:
    from leonet.access.context import country_statuses
    from leonet.store.session import open_existing

    with open_existing(db)() as session:
        return country_statuses(session, when)
