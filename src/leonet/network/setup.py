"""Turn user inputs (preset or TLE file, ground-station CSV, link options, pairs) into a ``RouteJob``."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from leonet.errors import LeonetInputError
from leonet.ground.sites import Sites, read_sites_csv
from leonet.network.gsl import DEFAULT_MIN_ELEVATION_DEG, GslPolicy
from leonet.network.isl import plus_grid, read_isl_file
from leonet.network.latency import RouteJob, all_pairs
from leonet.orbits.presets import preset as get_preset
from leonet.orbits.timegrid import TimeGrid, parse_utc
from leonet.orbits.tle import read_tles
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
                    raise LeonetInputError("not a ground station in the ground-station file", file=str(path),
                                           line=reader.line_num, field=field, value=name)
                pair.append(sites.names.index(name))
            src.append(pair[0])
            dst.append(pair[1])
    if not src:
        raise LeonetInputError("no pairs in file", file=str(path))
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


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
    source = get_preset(preset) if preset is not None else read_tles(tles)
    if start is not None:
        start_dt = parse_utc(start, field="start")
    elif isinstance(source, Constellation):
        start_dt = source.epoch
    else:
        start_dt = source.common_epoch()
        if start_dt is None:
            raise LeonetInputError("the TLEs have different epochs: give --start", field="start", value=None)
    if isinstance(source, Constellation):
        source = source.with_epoch(start_dt) if start is not None else source
    sites = read_sites_csv(ground_stations)
    if isls == "plus-grid":
        if not isinstance(source, Constellation):
            raise LeonetInputError("+Grid needs a Walker preset; for TLEs give an ISL list file", field="isls",
                                   value=isls)
        edges = plus_grid(source, inter_plane_offset)
    elif isls == "none":
        edges = np.zeros((0, 2), dtype=np.int64)
    else:
        edges = read_isl_file(isls, source.num_sats)
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
