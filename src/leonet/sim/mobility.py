"""Terminal positions over time: fixed, or moving along a waypoint track at constant speed (back and forth when
``loop``). Vectorised over terminals with padded waypoint arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet.orbits.frames import great_circle_km


@dataclass
class Tracks:
    """M terminals: waypoints (M, W) lat/lon (padded by repeating the last), cumulative km (M, W), speed km/s."""

    lat_deg: np.ndarray
    lon_deg: np.ndarray
    cum_km: np.ndarray
    speed_km_s: np.ndarray
    loop: np.ndarray

    @classmethod
    def from_lists(cls, starts: list[tuple[float, float]], tracks: list[list[tuple[float, float]]],
                   speeds_kmh: list[float], loops: list[bool]) -> Tracks:
        w = 1 + max((len(t) for t in tracks), default=0)
        m = len(starts)
        lat = np.empty((m, w))
        lon = np.empty((m, w))
        for i, (start, track) in enumerate(zip(starts, tracks, strict=True)):  # set-up only, not per step
            pts = [start] + list(track)
            pts += [pts[-1]] * (w - len(pts))
            lat[i], lon[i] = np.array(pts).T
        seg = great_circle_km(lat[:, :-1], lon[:, :-1], lat[:, 1:], lon[:, 1:]) if w > 1 else np.zeros((m, 0))
        cum = np.concatenate([np.zeros((m, 1)), np.cumsum(seg, axis=1)], axis=1)
        return cls(lat, lon, cum, np.asarray(speeds_kmh, dtype=float) / 3600.0, np.asarray(loops, dtype=bool))

    def at(self, t_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(lat_deg, lon_deg, speed_kmh, heading_deg) of every terminal ``t_s`` seconds after the start."""
        total = self.cum_km[:, -1]
        d = self.speed_km_s * t_s
        moving = (total > 0) & (self.speed_km_s > 0)
        period = np.where(moving, 2 * total, 1.0)
        phase = np.mod(d, period)
        back = self.loop & moving & (phase > total)
        along = np.where(back, period - phase, np.where(self.loop, phase, np.minimum(d, total)))
        along = np.where(moving, along, 0.0)
        k = np.clip((self.cum_km <= along[:, None]).sum(axis=1) - 1, 0, self.cum_km.shape[1] - 2) \
            if self.cum_km.shape[1] > 1 else np.zeros(len(along), dtype=int)
        rows = np.arange(len(along))
        if self.cum_km.shape[1] > 1:
            seg_len = self.cum_km[rows, k + 1] - self.cum_km[rows, k]
            f = np.where(seg_len > 0, (along - self.cum_km[rows, k]) / np.where(seg_len > 0, seg_len, 1), 0.0)
            lat0, lon0 = self.lat_deg[rows, k], self.lon_deg[rows, k]
            lat1, lon1 = self.lat_deg[rows, k + 1], self.lon_deg[rows, k + 1]
        else:
            f = np.zeros(len(along))
            lat0 = lat1 = self.lat_deg[:, 0]
            lon0 = lon1 = self.lon_deg[:, 0]
        lat = lat0 + f * (lat1 - lat0)
        lon = lon0 + f * (lon1 - lon0)
        heading = np.rad2deg(np.arctan2((lon1 - lon0) * np.cos(np.deg2rad(lat)), lat1 - lat0)) % 360
        heading = np.where(back, (heading + 180) % 360, heading)
        still = ~moving | (~self.loop & (d >= total))
        speed = np.where(still, 0.0, self.speed_km_s * 3600.0)
        return lat, lon, speed, np.where(still, 0.0, heading)
