"""Atmospheric attenuation on an Earth–space path: rain (ITU-R P.618-13 §2.2.1.1 with P.838-3 coefficients),
atmospheric gases (P.676) and clouds (P.840). Arrays in, arrays out.

Rain is written here from the recommendations (vectorised, no maps needed once the rain height is known); the
climatological maps that gases, clouds and the rain height need (P.836 water vapour, P.840 liquid water, P.839
0 °C isotherm) come from the maintained ``itur`` package (https://pypi.org/project/itur/, v0.4.0, 2023-02), read
once per location and cached by the caller (``Climate``).

References (all read 2026-11-26):
- ITU-R P.618-13 (12/2017) https://www.itu.int/rec/R-REC-P.618-13-201712-I/en — rain attenuation, steps 1–10.
- ITU-R P.838-3 (03/2005) https://www.itu.int/rec/R-REC-P.838-3-200503-I/en — γ_R = k R^α, Tables 1–4.
- ITU-R P.839-4 (09/2013) https://www.itu.int/rec/R-REC-P.839-4-201309-I/en — h_R = h_0 + 0.36 km.
- ITU-R P.676-12 (08/2019) https://www.itu.int/rec/R-REC-P.676-12-201908-I/en — gases; slant path ≈ zenith/sin θ
  for 5°–90° (Annex 2).
- ITU-R P.840-8 (08/2019) https://www.itu.int/rec/R-REC-P.840-8-201908-I/en — clouds, A = L K_l / sin θ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# ITU-R P.838-3 Tables 1–4: coefficients of the curve fits for k_H, k_V (Gaussian terms a_j, b_j, c_j plus m, c)
# and α_H, α_V. Published data of the recommendation (URL above).
_KH = (np.array([-5.33980, -0.35351, -0.23789, -0.94158]), np.array([-0.10008, 1.26970, 0.86036, 0.64552]),
       np.array([1.13098, 0.45400, 0.15354, 0.16817]), -0.18961, 0.71147)
_KV = (np.array([-3.80595, -3.44965, -0.39902, 0.50167]), np.array([0.56934, -0.22911, 0.73042, 1.07319]),
       np.array([0.81061, 0.51059, 0.11899, 0.27195]), -0.16398, 0.63297)
_AH = (np.array([-0.14318, 0.29591, 0.32177, -5.37610, 16.1721]),
       np.array([1.82442, 0.77564, 0.63773, -0.96230, -3.29980]),
       np.array([-0.55187, 0.19822, 0.13164, 1.47828, 3.43990]), 0.67849, -1.95537)
_AV = (np.array([-0.07771, 0.56727, -0.20238, -48.2991, 48.5833]),
       np.array([2.33840, 0.95545, 1.14520, 0.791669, 0.791459]),
       np.array([-0.76284, 0.54039, 0.26809, 0.116226, 0.116479]), -0.053739, 0.83433)

RAIN_HEIGHT_OFFSET_KM = 0.36  # ITU-R P.839-4 eq. (1): mean rain height above the 0 °C isotherm
EFFECTIVE_EARTH_RADIUS_KM = 8500.0  # ITU-R P.618-13 step 2 (R_e for paths below 5°)


def _fit(table, logf):
    a, b, c, m, k = table
    return (a[:, None] * np.exp(-(((logf[None, :] - b[:, None]) / c[:, None]) ** 2))).sum(axis=0) + m * logf + k


def rain_coefficients(f_ghz, el_deg, tau_deg=45.0):
    """ITU-R P.838-3: (k, α) for frequency f (GHz), path elevation θ and polarisation tilt τ (45° = circular).
    Any broadcastable shapes."""
    f, el, tau = np.broadcast_arrays(np.asarray(f_ghz, float), np.asarray(el_deg, float), np.asarray(tau_deg, float))
    logf = np.log10(f.ravel())
    kh, kv = 10.0 ** _fit(_KH, logf), 10.0 ** _fit(_KV, logf)
    ah, av = _fit(_AH, logf), _fit(_AV, logf)
    geo = np.cos(np.deg2rad(el.ravel())) ** 2 * np.cos(np.deg2rad(2.0 * tau.ravel()))
    k = (kh + kv + (kh - kv) * geo) / 2.0
    alpha = (kh * ah + kv * av + (kh * ah - kv * av) * geo) / (2.0 * k)
    return k.reshape(f.shape), alpha.reshape(f.shape)


def rain_specific_attenuation_db_km(rain_mm_h, f_ghz, el_deg, tau_deg=45.0):
    """ITU-R P.838-3 γ_R = k R^α (dB/km) for rain rate R (mm/h)."""
    k, alpha = rain_coefficients(f_ghz, el_deg, tau_deg)
    return k * np.power(np.maximum(np.asarray(rain_mm_h, float), 0.0), alpha)


def rain_attenuation_db(lat_deg, el_deg, f_ghz, rain_mm_h, rain_height_km, station_alt_km=0.0, tau_deg=45.0):
    """Rain attenuation (dB) of a slant path through rain of rate R (mm/h): ITU-R P.618-13 §2.2.1.1 steps 2–9,
    with the path's rain rate in place of R_0.01 (so with R = R_0.01 it is the recommendation's A_0.01).
    Arrays broadcast; zero where R ≤ 0 or the station is above the rain height."""
    lat, el, f, rain, h_r, h_s = np.broadcast_arrays(*(np.asarray(v, float) for v in (
        lat_deg, el_deg, f_ghz, rain_mm_h, rain_height_km, station_alt_km)))
    out = np.zeros(lat.shape)
    ok = (rain > 0) & (h_r - h_s > 0) & (el > 0)
    if not ok.any():
        return out
    lat, el, f, rain, h_r, h_s = (v[ok] for v in (lat, el, f, rain, h_r, h_s))
    th = np.deg2rad(el)
    dh = h_r - h_s
    # Step 2: slant path below the rain height (curved-Earth form below 5°).
    ls = np.where(el >= 5.0, dh / np.sin(th),
                  2.0 * dh / (np.sqrt(np.sin(th) ** 2 + 2.0 * dh / EFFECTIVE_EARTH_RADIUS_KM) + np.sin(th)))
    lg = ls * np.cos(th)  # step 3: horizontal projection
    gamma = rain_specific_attenuation_db_km(rain, f, el, tau_deg)  # step 5
    r = 1.0 / (1.0 + 0.78 * np.sqrt(lg * gamma / f) - 0.38 * (1.0 - np.exp(-2.0 * lg)))  # step 6
    zeta = np.rad2deg(np.arctan2(dh, lg * r))  # step 7
    lr = np.where(zeta > el, lg * r / np.cos(th), dh / np.sin(th))
    chi = np.where(np.abs(lat) < 36.0, 36.0 - np.abs(lat), 0.0)
    v = 1.0 / (1.0 + np.sqrt(np.sin(th)) * (31.0 * (1.0 - np.exp(-el / (1.0 + chi))) * np.sqrt(lr * gamma) / f ** 2
                                           - 0.45))
    out[ok] = gamma * lr * v  # steps 8–9: effective path length × specific attenuation
    return out


def rain_attenuation_exceeded_db(lat_deg, el_deg, f_ghz, r001_mm_h, rain_height_km, p_percent,
                                 station_alt_km=0.0, tau_deg=45.0):
    """ITU-R P.618-13 step 10: attenuation exceeded for p % of an average year (0.001–5 %), from R_0.01."""
    a001 = rain_attenuation_db(lat_deg, el_deg, f_ghz, r001_mm_h, rain_height_km, station_alt_km, tau_deg)
    lat, el, p = np.broadcast_arrays(np.asarray(lat_deg, float), np.asarray(el_deg, float),
                                     np.asarray(p_percent, float))
    sin_t = np.sin(np.deg2rad(el))
    low = (p < 1.0) & (np.abs(lat) < 36.0)
    beta = np.where(~low, 0.0, np.where(el >= 25.0, -0.005 * (np.abs(lat) - 36.0),
                                        -0.005 * (np.abs(lat) - 36.0) + 1.8 - 4.25 * sin_t))
    with np.errstate(divide="ignore", invalid="ignore"):
        expo = -(0.655 + 0.033 * np.log(p) - 0.045 * np.log(a001) - beta * (1.0 - p) * sin_t)
        return np.where(a001 > 0, a001 * (p / 0.01) ** expo, 0.0)


@dataclass(frozen=True)
class Climate:
    """Per-location climatology (arrays (N,)): rain height (km, P.839), zenith gaseous attenuation (dB, P.676 with
    the P.836 median surface water vapour density), zenith cloud attenuation (dB, P.840 at 50 % of the year)."""

    rain_height_km: np.ndarray
    gas_zenith_db: np.ndarray
    cloud_zenith_db: np.ndarray

    @classmethod
    def at(cls, lat_deg, lon_deg, f_ghz: float) -> Climate:
        """Read the ITU-R maps (via ``itur``) at the given points: call once per cell and cache."""
        import warnings

        import itur.models.itu676 as p676
        import itur.models.itu836 as p836
        import itur.models.itu839 as p839
        import itur.models.itu840 as p840

        lat = np.atleast_1d(np.asarray(lat_deg, float))
        lon = np.atleast_1d(np.asarray(lon_deg, float))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h0 = np.atleast_1d(np.asarray(p839.isoterm_0(lat, lon).value, float))
            rho = np.atleast_1d(np.asarray(p836.surface_water_vapour_density(lat, lon, 50.0, 0.0).value, float))
            gas = np.atleast_1d(np.asarray(p676.gaseous_attenuation_slant_path(
                f_ghz, 90.0, rho, 1013.25, 288.15, None, mode="approx").value, float))
            cloud = np.atleast_1d(np.asarray(p840.cloud_attenuation(lat, lon, 90.0, f_ghz, 50.0).value, float))
        gas = np.broadcast_to(gas, lat.shape).copy()
        return cls(h0 + RAIN_HEIGHT_OFFSET_KM, gas, cloud)

    def take(self, index: np.ndarray) -> Climate:
        return Climate(self.rain_height_km[index], self.gas_zenith_db[index], self.cloud_zenith_db[index])


def slant_attenuation_db(climate: Climate, lat_deg, el_deg, f_ghz, rain_mm_h, station_alt_km=0.0):
    """Total path attenuation (dB): gases and clouds scaled from zenith by 1/sin θ (P.676 Annex 2, P.840), plus
    rain of the given rate (P.618). Elevation must be ≥ 5° for the cosecant law (user links use ≥ 25°)."""
    cosec = 1.0 / np.sin(np.deg2rad(np.maximum(np.asarray(el_deg, float), 5.0)))
    rain = rain_attenuation_db(lat_deg, el_deg, f_ghz, rain_mm_h, climate.rain_height_km, station_alt_km)
    return (climate.gas_zenith_db + climate.cloud_zenith_db) * cosec + rain
