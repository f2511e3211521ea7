"""Physical models of the dish itself: its power draw by model and state, and its obstruction map geometry."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PowerBand:
    """Average power in use (low..high end of the published band) and at idle, watts."""

    avg_low_w: float
    avg_high_w: float
    idle_w: float


# Average power usage per dish model as Starlink publishes it (https://www.starlink.com/specifications, read
# 2026-11-26 through https://nexustelemetry.com/guides/starlink-power-consumption/): Mini 20–40 W, Standard
# Actuated 50–75 W, Standard 75–100 W, Performance 110–150 W; idle about 15 / 20 / 20 / 45 W (same guide).
POWER = {
    "mini": PowerBand(20.0, 40.0, 15.0),
    "standard_actuated": PowerBand(50.0, 75.0, 20.0),
    "standard": PowerBand(75.0, 100.0, 20.0),
    "flat_high_performance": PowerBand(110.0, 150.0, 45.0),
}


def dish_model(hardware_version: str) -> str:
    """The dish model of a hardware version string as dishes report it (``rev3_*`` Standard Actuated, ``rev4_*``
    Standard, ``mini*`` Mini, ``hp*``/``perf*``/``flat*`` Performance); unknown strings count as Standard. The names
    are the scenario's dish models (``[radio] dish``, leonet.radio.linkbudget.DISHES)."""
    hv = (hardware_version or "").lower()
    if hv.startswith("mini"):
        return "mini"
    if hv.startswith("rev3") or hv.startswith("rev2"):
        return "standard_actuated"
    if hv.startswith(("hp", "perf", "flat")):
        return "flat_high_performance"
    return "standard"


def power_w(model: str, state: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Power per second (W). ``state``: 0 connected, 1 searching (outage while awake), 2 idle (sleeping or stowed),
    3 booting; ``load`` 0..1 is the share of the link's capacity in use (the band's low end at no traffic, its high
    end at full load; booting draws the high end)."""
    band = POWER[model]
    use = band.avg_low_w + (band.avg_high_w - band.avg_low_w) * np.clip(np.nan_to_num(load), 0.0, 1.0)
    return np.select([state == 0, state == 1, state == 2], [use, band.avg_low_w, band.idle_w], band.avg_high_w)


# The obstruction map as a real dish reports it: a square grid looking up, north at the top, cells outside the
# circle of the usable sky (and cells not yet seen) hold -1; seen cells hold 1 (clear) down to 0 (obstructed).
MAP_N = 123
MAX_THETA_DEG = 65.0  # the dish's field of view from zenith (min elevation 25°)


def map_index(az_deg: np.ndarray, el_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, col, inside) of look directions on the map grid."""
    theta = 90.0 - np.asarray(el_deg, dtype=float)
    r = theta / MAX_THETA_DEG * (MAP_N / 2.0)
    az = np.radians(np.asarray(az_deg, dtype=float))
    col = np.floor(MAP_N / 2.0 + r * np.sin(az)).astype(int)
    row = np.floor(MAP_N / 2.0 - r * np.cos(az)).astype(int)
    inside = np.isfinite(theta) & (theta <= MAX_THETA_DEG) & (row >= 0) & (row < MAP_N) & (col >= 0) & (col < MAP_N)
    return row, col, inside


def sky_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Azimuth and elevation (deg) of every map cell's centre and whether it lies inside the sky circle."""
    c = np.arange(MAP_N) + 0.5 - MAP_N / 2.0
    x, y = np.meshgrid(c, -c)  # east right, north up
    r = np.hypot(x, y)
    theta = r / (MAP_N / 2.0) * MAX_THETA_DEG
    az = np.degrees(np.arctan2(x, y)) % 360.0
    return az, 90.0 - theta, theta <= MAX_THETA_DEG


def obstructed(az_deg: np.ndarray, el_deg: np.ndarray, sectors) -> np.ndarray:
    """Whether look directions fall behind a terminal's obstructions: sectors (az_from_deg, az_to_deg,
    max_el_deg) clockwise from ``az_from`` to ``az_to`` that block the sky below ``max_el``."""
    az = np.asarray(az_deg, dtype=float) % 360.0
    el = np.asarray(el_deg, dtype=float)
    out = np.zeros(np.shape(az), dtype=bool)
    for a0, a1, top in sectors:
        span = (a1 - a0) % 360.0 or 360.0
        out |= ((az - a0) % 360.0 <= span) & (el < top)
    return out
