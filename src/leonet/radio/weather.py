"""Weather as a scenario input: a rain rate everywhere (a preset or a number) plus storms, each a circle with a
rain rate over a time window. Rain rate classes (mm/h) follow the American Meteorological Society's Glossary of
Meteorology, "Rain" (light < 2.5, moderate 2.5–7.6, heavy > 7.6 mm/h, https://glossary.ametsoc.org/wiki/Rain,
read 2026-11-26); "violent" (> 50 mm/h) is the UK Met Office class (https://www.metoffice.gov.uk/, "Rain"
fact sheet, read 2026-11-26)."""

from __future__ import annotations

import numpy as np

from leonet.orbits.frames import great_circle_km

RAIN_PRESETS_MM_H = {"clear": 0.0, "light": 2.5, "moderate": 7.6, "heavy": 25.0, "violent": 50.0}


def rain_mm_h(weather, lat_deg, lon_deg, t_s: float) -> np.ndarray:
    """Rain rate (mm/h) at each point at scenario time t_s (s since start). ``weather`` is the scenario's
    ``[weather]`` section (``rain``, ``storms``); the heaviest applicable value wins."""
    lat = np.asarray(lat_deg, float)
    lon = np.asarray(lon_deg, float)
    base = weather.rain_mm_h if weather.rain_mm_h is not None else RAIN_PRESETS_MM_H[weather.preset]
    out = np.full(lat.shape, float(base))
    for s in weather.storms:
        if t_s < s.start_s or (s.end_s is not None and t_s >= s.end_s):
            continue
        inside = great_circle_km(lat, lon, s.lat_deg, s.lon_deg) <= s.radius_km
        out = np.where(inside & np.isfinite(lat), np.maximum(out, s.rain_mm_h), out)
    return out
