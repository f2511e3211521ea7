"""Co-channel interference between spot beams that reuse a frequency, and SINR.

A cell's beam is on one of the user channels; the nearest cells that may use the same channel at the same time
sit one reuse distance away (hexagonal reuse with cluster size K: D = R √(3K), R the cell's circumradius). Their
beams reach the victim terminal through the satellite antenna's sidelobes, modelled with the ITU-R S.1528
non-GSO satellite antenna pattern (Recommendation ITU-R S.1528 (06/2001) §1.2, L_s = −20 dB, a = 2.58, b = 6.32,
https://www.itu.int/rec/R-REC-S.1528-0-200106-I/en, read 2026-11-26). How many of the six first-ring co-channel
positions are lit at once is the activity factor (load-dependent).
"""

from __future__ import annotations

import numpy as np

# Frequency reuse: up to 8 co-located spot beams per cell, one per frequency, and two co-frequency beams must not
# overlap (Mike Puchol, 2022-08-30, https://mail-archive.com/starlink@lists.bufferbloat.net/msg00109.html and
# 2024-06-04, https://lists.bufferbloat.net/pipermail/starlink/attachments/20240604/a9d4c262/attachment.html).
# Cells: 15-mile (24.13 km) circles, hexagons of 379 km² (Pekhterev, SatMagazine Nov 2021,
# http://www.satmagazine.com/story.php?number=1026762698). A beam's 3 dB footprint is "roughly 20 km in diameter"
# (https://lists.bufferbloat.net/pipermail/starlink/attachments/20230224/4ff77281/attachment-0001.html).
CELL_RADIUS_KM = 24.13 / 2.0
BEAM_FOOTPRINT_KM = 20.0
REUSE_CLUSTER = 7  # smallest hexagonal cluster (i² + ij + j²) that fits the 8 channels of one polarisation
FIRST_RING = 6  # co-channel cells in the first ring of a hexagonal reuse pattern

S1528_LS_DB, S1528_A, S1528_B = -20.0, 2.58, 6.32


def s1528_relative_gain_db(offset_deg, half_beamwidth_deg):
    """ITU-R S.1528 §1.2 pattern relative to peak (dB ≤ 0) at ψ off boresight, ψ_b the one-half 3 dB beamwidth:
    −3(ψ/ψ_b)² to aψ_b; L_s to 0.5bψ_b; L_s − 25 log10(ψ/(0.5bψ_b)) beyond, floored at −(peak) by the caller's
    far-sidelobe floor (here −45 dB)."""
    x = np.asarray(offset_deg, float) / np.asarray(half_beamwidth_deg, float)
    main = -3.0 * x ** 2
    near = np.full(x.shape, S1528_LS_DB)
    far = S1528_LS_DB - 25.0 * np.log10(np.maximum(x, 1e-9) / (0.5 * S1528_B))
    g = np.where(x <= S1528_A, main, np.where(x <= 0.5 * S1528_B, near, far))
    return np.maximum(g, -45.0)


def co_channel_ci_db(range_km, el_deg, activity, reuse_cluster: int = REUSE_CLUSTER,
                     cell_radius_km: float = CELL_RADIUS_KM, footprint_km: float = BEAM_FOOTPRINT_KM):
    """C/I (dB) at a terminal from the first ring of co-channel beams. The reuse distance on the ground is seen
    from the satellite at an angle ≈ D·(1 + sin θ)/(2r) (foreshortened along the range direction at low elevation
    θ, full across it); the beam's half-power half-width is atan(footprint/2 / altitude-equivalent range).
    ``activity`` (0–1, any shape broadcasting with range) is the fraction of those positions lit."""
    r = np.asarray(range_km, float)
    el = np.deg2rad(np.asarray(el_deg, float))
    d = cell_radius_km * np.sqrt(3.0 * reuse_cluster)
    offset = np.rad2deg(d * (1.0 + np.sin(el)) / 2.0 / r)
    half_bw = np.rad2deg(np.arctan(footprint_km / 2.0 / r))
    g = s1528_relative_gain_db(offset, half_bw)
    i_over_c = FIRST_RING * np.clip(np.asarray(activity, float), 0.0, 1.0) * 10.0 ** (g / 10.0)
    with np.errstate(divide="ignore"):
        return -10.0 * np.log10(i_over_c)


def sinr_db(cn_db, ci_db):
    """SINR (dB) from C/N and C/I (dB): 1/SINR = 1/(C/N) + 1/(C/I)."""
    inv = 10.0 ** (-np.asarray(cn_db, float) / 10.0) + 10.0 ** (-np.asarray(ci_db, float) / 10.0)
    return -10.0 * np.log10(inv)
