"""Zones from a user's GeoJSON file, with their source and date kept (``leonet zones import``).

Accepts a FeatureCollection, a Feature or a bare (Multi)Polygon. Per feature, ``properties`` may give ``name``,
``kind``, ``reason``, ``valid_from``, ``valid_to`` and ``max_speed_kmh``; the command's options fill what the file
leaves out. Every zone stores the ``source`` (URL or description) and the ``as_of`` date. All features are created
in one transaction: one bad feature (named by its index and field) and none is stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from leonet.access import service
from leonet.errors import LeonetInputError
from leonet.orbits.timegrid import parse_utc
from leonet.store.models import Zone


def read_features(path: Path) -> list[dict]:
    """The features of a GeoJSON file as [{"geometry":…, "properties":…}]."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise LeonetInputError(f"not valid JSON ({exc.msg} at line {exc.lineno})", field="file", value=str(path)) \
            from None
    if not isinstance(data, dict):
        raise LeonetInputError("must be a GeoJSON object", field="file", value=str(path))
    if data.get("type") == "FeatureCollection":
        feats = data.get("features")
        if not isinstance(feats, list) or not feats:
            raise LeonetInputError("a FeatureCollection needs a non-empty 'features' array", field="features",
                                   value=feats)
        return [{"geometry": f.get("geometry"), "properties": f.get("properties") or {}} if isinstance(f, dict)
                else {"geometry": None, "properties": {}} for f in feats]
    if data.get("type") == "Feature":
        return [{"geometry": data.get("geometry"), "properties": data.get("properties") or {}}]
    return [{"geometry": data, "properties": {}}]


def _time(value, field: str) -> datetime | None:
    return None if value in (None, "") else parse_utc(str(value), field=field)


def _speed(value) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise LeonetInputError("must be a number (km/h)", field="max_speed_kmh", value=value) from None


def import_geojson(session: Session, actor: str, path: Path, source: str, as_of: str, kind: str | None = None,
                   reason: str | None = None, name_prefix: str | None = None) -> list[Zone]:
    """Create one zone per feature of ``path``; returns them. ``source`` and ``as_of`` are required."""
    if not source or not source.strip():
        raise LeonetInputError("say where the zones come from (URL or description)", field="source", value=source)
    when = parse_utc(as_of, field="as_of")
    prefix = name_prefix or Path(path).stem
    feats = read_features(path)
    zones = []
    for i, feat in enumerate(feats):
        props = feat["properties"]
        where = f"features[{i}]"
        try:
            name = str(props.get("name") or (prefix if len(feats) == 1 else f"{prefix}-{i + 1}"))
            zone_kind = props.get("kind") or kind
            if not zone_kind:
                raise LeonetInputError("no kind: give properties.kind or --kind", field="kind", value=None)
            why = props.get("reason") or reason or f"imported from {source.strip()} (as of {when.date()})"
            speed = props.get("max_speed_kmh")
            zones.append(service.create_zone(
                session, actor, name, zone_kind, feat["geometry"], why,
                _time(props.get("valid_from"), "valid_from"), _time(props.get("valid_to"), "valid_to"),
                _speed(speed), source=source.strip(), as_of=when))
        except LeonetInputError as exc:
            raise LeonetInputError(str(exc), file=str(path), field=where) from None
    return zones
