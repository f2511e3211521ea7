"""Read and write two-line element sets (2-line and 3-line, CelesTrak style) and CCSDS OMM (JSON or CSV).

Errors name the file, the line and the field. Satellites keep file order: index 0..N-1.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sgp4 import omm
from sgp4.api import WGS72, Satrec

from leonet.errors import LeonetInputError

# (field name, first column, last column) in TLE line 1 / line 2, 1-based inclusive (Space-Track format).
_L1_FIELDS = [("satellite number", 3, 7), ("epoch year", 19, 20), ("epoch day", 21, 32),
              ("mean motion derivative", 34, 43), ("bstar", 54, 61)]
_L2_FIELDS = [("satellite number", 3, 7), ("inclination", 9, 16), ("raan", 18, 25), ("eccentricity", 27, 33),
              ("argument of perigee", 35, 42), ("mean anomaly", 44, 51), ("mean motion", 53, 63)]


@dataclass
class TleSet:
    """Satellites from a TLE/OMM source: names, ``sgp4`` Satrec objects, and where they came from."""

    names: list[str]
    satrecs: list[Satrec]
    source: str = ""
    records: list[tuple] = field(default_factory=list)  # ("tle", line1, line2) or ("omm", fields): for pickling

    def __getstate__(self) -> dict:
        return {"names": self.names, "source": self.source, "records": self.records}

    def __setstate__(self, state: dict) -> None:
        self.names, self.source, self.records = state["names"], state["source"], state["records"]
        self.satrecs = [_satrec_from_record(r) for r in self.records]

    @property
    def num_sats(self) -> int:
        return len(self.satrecs)

    def epochs(self) -> list[datetime]:
        return [_jd_to_datetime(s.jdsatepoch, s.jdsatepochF) for s in self.satrecs]

    def common_epoch(self) -> datetime | None:
        """The epoch shared by every satellite (within 1 ms), else None."""
        jd = np.array([s.jdsatepoch + s.jdsatepochF for s in self.satrecs])
        if len(jd) and np.ptp(jd) * 86_400.0 < 1e-3:
            return self.epochs()[0]
        return None


def _satrec_from_record(record: tuple) -> Satrec:
    if record[0] == "tle":
        return Satrec.twoline2rv(record[1], record[2], WGS72)
    sat = Satrec()
    omm.initialize(sat, record[1])
    return sat


def _jd_to_datetime(jd: float, fr: float) -> datetime:
    base = datetime(2000, 1, 1, 12, tzinfo=UTC)
    return base + timedelta(days=(jd - 2_451_545.0) + fr)


# Checksum digits: each digit counts its value, '-' counts 1, anything else 0 (the mapping, then one byte sum).
_CHECKSUM_MAP = {i: "0" for i in range(128)} | {ord(c): c for c in "0123456789"} | {ord("-"): "1"}


def _checksum(line: str) -> int:
    text = line[:68]
    if not text.isascii():  # Unicode digits count their value too
        return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in text) % 10
    digits = text.translate(_CHECKSUM_MAP).encode("ascii")
    return (sum(digits) - ord("0") * len(digits)) % 10


def _check_line(line: str, number: str, where: str, lineno: int) -> None:
    if len(line) < 69:
        raise LeonetInputError(f"TLE line {number} must have 69 columns, has {len(line)}", file=where,
                               line=lineno, field=f"line {number}", value=line)
    if line[0] != number or line[1] != " ":
        raise LeonetInputError(f"TLE line {number} must start with '{number} '", file=where, line=lineno,
                               field="line number", value=line[:2])
    fields = _L1_FIELDS if number == "1" else _L2_FIELDS
    for name, a, b in fields:
        text = line[a - 1:b].strip()
        ok = bool(text)
        if ok and name not in ("mean motion derivative", "bstar"):
            try:
                float(("0." + text) if name == "eccentricity" else text)
            except ValueError:
                ok = False
        if not ok:
            raise LeonetInputError("not a number", file=where, line=lineno, field=name, value=line[a - 1:b])
    if line[68].isdigit() and int(line[68]) != _checksum(line):
        raise LeonetInputError(f"checksum is {line[68]}, expected {_checksum(line)}", file=where, line=lineno,
                               field="checksum", value=line[68])


def parse_tle_text(text: str, where: str = "<text>") -> TleSet:
    """Parse 2-line or 3-line TLE text (blank lines ignored; a first line of two integers, Hypatia's
    "orbits satellites-per-orbit" header, is checked against the count and skipped)."""
    rows = [(i + 1, ln.rstrip("\r\n")) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    expected = None
    if rows and re.fullmatch(r"\s*\d+\s+\d+\s*", rows[0][1]):  # Hypatia's tles.txt: "ORBITS SATS_PER_ORBIT" first
        orbits, per_orbit = map(int, rows[0][1].split())
        expected, rows = (orbits * per_orbit, rows[0][0]), rows[1:]
    names, sats, records = [], [], []
    k = 0
    while k < len(rows):
        lineno, line = rows[k]
        name = None
        if not line.startswith("1 "):
            name = line[2:].strip() if line.startswith("0 ") else line.strip()
            k += 1
            if k >= len(rows):
                raise LeonetInputError("name line without element lines", file=where, line=lineno, field="line 1")
            lineno, line = rows[k]
        if k + 1 >= len(rows):
            raise LeonetInputError("line 1 without line 2", file=where, line=lineno, field="line 2")
        l2no, line2 = rows[k + 1]
        _check_line(line, "1", where, lineno)
        _check_line(line2, "2", where, l2no)
        if line[2:7] != line2[2:7]:
            raise LeonetInputError("satellite numbers of line 1 and line 2 differ", file=where, line=l2no,
                                   field="satellite number", value=line2[2:7])
        sat = Satrec.twoline2rv(line[:69], line2[:69], WGS72)
        if sat.error:
            raise LeonetInputError(f"SGP4 rejects these elements (error {sat.error})", file=where, line=lineno,
                                   field="elements")
        names.append(name if name is not None else line[2:7].strip())
        sats.append(sat)
        records.append(("tle", line[:69], line2[:69]))
        k += 2
    if not sats:
        raise LeonetInputError("no TLEs found", file=where)
    if expected is not None and len(sats) != expected[0]:
        raise LeonetInputError(f"header promises {expected[0]} satellites, the file has {len(sats)}", file=where,
                               line=expected[1], field="header")
    return TleSet(names, sats, where, records)


def _omm_rows(path: Path, text: str) -> list[dict]:
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LeonetInputError(f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno) from None
        return data if isinstance(data, list) else [data]
    return list(csv.DictReader(io.StringIO(text)))


def parse_omm(path: Path, text: str) -> TleSet:
    """CCSDS OMM records (JSON list or CSV with the CelesTrak GP column names)."""
    names, sats, records = [], [], []
    for i, row in enumerate(_omm_rows(path, text)):
        line = i + 2  # header is line 1 in CSV; record number for JSON
        fields = {k: str(v) for k, v in row.items()}
        sat = Satrec()
        try:
            omm.initialize(sat, fields)
        except KeyError as exc:
            raise LeonetInputError("missing OMM field", file=str(path), line=line, field=str(exc.args[0])) from None
        except ValueError as exc:
            raise LeonetInputError(f"bad OMM value ({exc})", file=str(path), line=line) from None
        names.append(fields.get("OBJECT_NAME", str(i)))
        sats.append(sat)
        records.append(("omm", fields))
    if not sats:
        raise LeonetInputError("no OMM records found", file=str(path))
    return TleSet(names, sats, str(path), records)


def read_tles(path: str | Path) -> TleSet:
    """Read a TLE (2- or 3-line) or OMM (.json/.csv) file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LeonetInputError("file not found", file=str(path)) from None
    if path.suffix.lower() in (".json", ".csv") or text.lstrip().startswith(("[", "{", "OBJECT_NAME")):
        return parse_omm(path, text)
    return parse_tle_text(text, str(path))


def _tle_exp(value: float) -> str:
    """TLE's implied-decimal exponent form, e.g. 0.00012345 → ' 12345-3'."""
    if value == 0:
        return " 00000-0"
    exponent = math.floor(math.log10(abs(value))) + 1
    mantissa = round(abs(value) / 10**exponent * 1e5)
    if mantissa >= 100000:
        mantissa //= 10
        exponent += 1
    sign = "-" if value < 0 else " "
    return f"{sign}{mantissa:05d}{'-' if exponent < 0 else '+'}{abs(exponent)}"


def format_tle(name: str, catnum: int, epoch: datetime, inc_deg: float, raan_deg: float, ecc: float,
               argp_deg: float, mean_anom_deg: float, mean_motion_rev_day: float, bstar: float = 0.0) -> str:
    """A 3-line TLE with valid checksums."""
    epoch = epoch.astimezone(UTC)
    start = datetime(epoch.year, 1, 1, tzinfo=UTC)
    day = (epoch - start).total_seconds() / 86_400.0 + 1.0
    l1 = (f"1 {catnum:05d}U 26001A   {epoch.year % 100:02d}{day:012.8f}  .00000000  00000-0 "
          f"{_tle_exp(bstar)} 0  999")
    l2 = (f"2 {catnum:05d} {inc_deg % 360:8.4f} {raan_deg % 360:8.4f} {round(ecc * 1e7):07d} "
          f"{argp_deg % 360:8.4f} {mean_anom_deg % 360:8.4f} {mean_motion_rev_day:11.8f}    1")
    l1 += str(_checksum(l1))
    l2 += str(_checksum(l2))
    return f"{name}\n{l1}\n{l2}\n"
