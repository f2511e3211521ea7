"""Turn user inputs (preset or TLE file, ground-station CSV, link options, pairs) into a ``RouteJob``."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import numpy as np

from leonet.errors import LeonetInputError
from leonet.ground.sites import Sites, read_sites_csv
from leonet.network.gsl import DEFAULT_MIN_ELEVATION_DEG, GslPolicy
from leonet.network.isl import plus_grid, read_isl_file
from leonet.network.latency import RouteJob, all_pairs
from leonet.orbits.presets import preset as get_preset
from leonet.orbits.timegrid import TimeGrid, parse_utc
from leonet.orbits.tle import TleSet, read_tles
from leonet.orbits.walker import Constellation


def read_pairs_csv(path: str | Path, sites: Sites) -> tuple[np.ndarray, np.ndarray]:
    """Read ``src,dst`` name pairs; errors name the line, field and value."""
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise LeonetInputError("file not found", file=str(path)) from None
    src, dst = [], []
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "src" not in reader.fieldnames or "dst" not in reader.fieldnames:
            raise LeonetInputError("header must be src,dst", file=str(path), line=1, field="header",
                                   value=",".join(reader.fieldnames or []))
        for row in reader:
            pair = []
            for field in ("src", "dst"):
                name = (row.get(field) or "").strip()
                if name not in sites.names:
                    import difflib

                    close = difflib.get_close_matches(name, sites.names, n=3, cutoff=0.5)
                    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
                    raise LeonetInputError(f"not a ground station in the ground-station file{hint}", file=str(path),
                                           line=reader.line_num, field=field, value=name)
                pair.append(sites.names.index(name))
            src.append(pair[0])
            dst.append(pair[1])
    if not src:
        raise LeonetInputError("no pairs in file", file=str(path))
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


STARLINK_LATEST = "starlink-latest"


def shipped_tle_path(name: str = STARLINK_LATEST) -> Path:
    """The shipped TLE snapshot (CelesTrak 'starlink' group; provenance and refresh in data/README.md)."""
    from importlib import resources

    return Path(str(resources.files("leonet") / "data" / "tles" / f"{name}.tle.gz"))


def resolve_tles(spec: str | Path, base_dir: Path | None = None, field: str = "tles") -> TleSet:
    """TLEs from 'starlink-latest' (the shipped snapshot) or a TLE/OMM file (gzip allowed), relative paths taken
    from ``base_dir``."""
    import gzip

    from leonet.orbits.tle import parse_tle_text

    path = shipped_tle_path() if str(spec) == STARLINK_LATEST else Path(spec)
    if not path.is_absolute() and base_dir is not None and str(spec) != STARLINK_LATEST:
        path = base_dir / path
    if not path.exists():
        raise LeonetInputError("TLE file not found", field=field, value=str(spec))
    if path.suffix == ".gz":
        return parse_tle_text(gzip.decompress(path.read_bytes()).decode("utf-8"), str(path))
    return read_tles(path)


def isl_edges(isls: str, source: Constellation | TleSet, t_unix_s: float, inter_plane_offset: int = 0,
              base_dir: Path | None = None) -> np.ndarray:
    """(E, 2) ISLs: 'plus-grid' (Walker shells directly; TLEs by planes grouped from their elements), 'none', or a
    file of index pairs."""
    from leonet.network.planes import plus_grid_from_tles

    if isls == "plus-grid":
        if isinstance(source, Constellation):
            return plus_grid(source, inter_plane_offset)
        return plus_grid_from_tles(source, t_unix_s, inter_plane_offset)
    if isls == "none":
        return np.zeros((0, 2), dtype=np.int64)
    path = Path(isls)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return read_isl_file(path, source.num_sats)


def build_route_job(*, preset: str | None, tles: Path | None, ground_stations: Path, isls: str = "plus-grid",
                    inter_plane_offset: int = 0, min_elevation: float | None = None,
                    max_gsl_range_km: float | None = None, max_isl_km: float | None = None,
                    drop_grazing_isls: bool = False, pairs: str = "all", start: str | None = None,
                    duration: float, step: float) -> RouteJob:
    if (preset is None) == (tles is None):
        raise LeonetInputError("give exactly one of --preset and --tles", field="constellation",
                               value=preset or tles)
    if min_elevation is not None and max_gsl_range_km is not None:
        raise LeonetInputError("give at most one of --min-elevation and --max-gsl-range-km",
                               field="min-elevation", value=min_elevation)
    source = get_preset(preset) if preset is not None else resolve_tles(tles)
    if start is not None:
        start_dt = parse_utc(start, field="start")
    elif isinstance(source, Constellation):
        start_dt = source.epoch
    else:
        start_dt = source.common_epoch()
        if start_dt is None:
            epochs = source.epochs()
            first, last = min(epochs), max(epochs)
            suggest = (last + timedelta(minutes=1)).replace(second=0, microsecond=0)
            raise LeonetInputError(f"the TLEs have different epochs ({first:%Y-%m-%dT%H:%MZ} to "
                                   f"{last:%Y-%m-%dT%H:%MZ}): give --start, e.g. --start "
                                   f"{suggest:%Y-%m-%dT%H:%M:%SZ} (just after the newest)", field="start", value=None)
    if isinstance(source, Constellation):
        source = source.with_epoch(start_dt) if start is not None else source
    sites = read_sites_csv(ground_stations)
    edges = isl_edges(isls, source, start_dt.timestamp(), inter_plane_offset)
    gsl = (GslPolicy(max_range_km=max_gsl_range_km) if max_gsl_range_km is not None
           else GslPolicy(min_elevation_deg=DEFAULT_MIN_ELEVATION_DEG if min_elevation is None else min_elevation))
    if pairs == "all":
        if len(sites) < 2:
            raise LeonetInputError("need at least two ground stations for --pairs all", file=str(ground_stations))
        src, dst = all_pairs(len(sites))
    else:
        src, dst = read_pairs_csv(pairs, sites)
    grid = TimeGrid.spanning(start_dt, duration, step)
    return RouteJob(source, sites, edges, gsl, src, dst, grid, max_isl_km, drop_grazing_isls)
