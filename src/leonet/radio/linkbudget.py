"""Ku-band user-link budgets, vectorised over (terminal, satellite) pairs: free-space loss from the slant range,
phased-array scan loss, dish G/T from the published aperture, the regulatory power-flux-density mask that sets the
satellite's downlink EIRP density, and C/N0 → C/N. Sources are listed next to each constant and in
docs/references.md (all read 2026-11-26).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from leonet import C_KM_S

BOLTZMANN_DBW_K_HZ = -228.6  # 10·log10(1.380649e-23 J/K), SI definition (exact constant, rounded to 0.1 dB)

# Starlink user link frequencies and channels (Mike Puchol, 2022-07-27,
# https://lists.bufferbloat.net/pipermail/starlink/2022-July/000876.html): downlink 10.7–12.7 GHz in 8 × 250 MHz
# channels with 240 MHz occupied; uplink 14.0–14.5 GHz in 8 × 62.5 MHz channels.
DOWNLINK_GHZ = 11.7
UPLINK_GHZ = 14.25
DOWNLINK_CHANNEL_MHZ = 240.0
UPLINK_CHANNEL_MHZ = 62.5

# ITU Radio Regulations Article 21, Table 21-4, 10.7–11.7 GHz, fixed-satellite (space-to-Earth) non-GSO: power
# flux-density limit −150 dB(W/m²) in any 4 kHz for arrival angles 0–5°, −150 + 0.5(δ − 5) for 5–25°, −140 above
# 25° (ITU-R Radio Regulations, edition of 2020, https://www.itu.int/pub/R-REG-RR-2020). The downlink is run at
# this mask: "this EPFD limit leads to a de-facto standardisation of the downlink" (U. Speidel, 2024-06-04,
# https://lists.bufferbloat.net/pipermail/starlink/attachments/20240604/a9d4c262/attachment.html).
PFD_LIMIT_HIGH_DBW_M2_4KHZ = -140.0
PFD_LIMIT_LOW_DBW_M2_4KHZ = -150.0


def fspl_db(range_km, f_ghz):
    """Free-space path loss (dB) = 20·log10(4π d f / c) for slant range d (km) and frequency f (GHz)."""
    d_m = np.asarray(range_km, float) * 1e3
    return 20.0 * np.log10(4.0 * np.pi * d_m * np.asarray(f_ghz, float) * 1e9 / (C_KM_S * 1e3))


def scan_loss_db(scan_deg, exponent: float = 1.0):
    """Gain loss (dB ≥ 0) of a planar phased array steered θ off its normal: the projected aperture falls as
    cos θ (exponent 1; "downrated by the cosine of your steering angle", Speidel 2024-06-04, URL above; R. J.
    Mailloux, Phased Array Antenna Handbook, 3rd ed., Artech House 2017, §1.1 projected aperture). Element patterns
    steeper than cos θ are modelled with exponent > 1."""
    c = np.cos(np.deg2rad(np.clip(np.asarray(scan_deg, float), 0.0, 89.0)))
    return -10.0 * exponent * np.log10(c)


def pfd_mask_dbw_m2_4khz(el_deg):
    """ITU RR Art. 21 Table 21-4 (10.7–11.7 GHz, non-GSO) PFD limit at arrival angle δ (deg)."""
    el = np.asarray(el_deg, float)
    return np.where(el >= 25.0, PFD_LIMIT_HIGH_DBW_M2_4KHZ,
                    np.where(el <= 5.0, PFD_LIMIT_LOW_DBW_M2_4KHZ, PFD_LIMIT_LOW_DBW_M2_4KHZ + 0.5 * (el - 5.0)))


def isotropic_area_db_m2(f_ghz):
    """10·log10(λ²/4π): effective area (dB·m²) of an isotropic antenna at f (GHz)."""
    lam = C_KM_S * 1e3 / (np.asarray(f_ghz, float) * 1e9)
    return 10.0 * np.log10(lam ** 2 / (4.0 * np.pi))


def cn0_dbhz(eirp_dbw, path_loss_db, gt_db_k, other_losses_db=0.0):
    """Carrier-to-noise-density ratio C/N0 (dB·Hz) = EIRP − L − L_other + G/T − k."""
    return (np.asarray(eirp_dbw, float) - np.asarray(path_loss_db, float) - np.asarray(other_losses_db, float)
            + np.asarray(gt_db_k, float) - BOLTZMANN_DBW_K_HZ)


def cn_db(cn0, bandwidth_mhz):
    """C/N (dB) in a bandwidth (MHz) from C/N0 (dB·Hz)."""
    return np.asarray(cn0, float) - 10.0 * np.log10(np.asarray(bandwidth_mhz, float) * 1e6)


@dataclass(frozen=True)
class Dish:
    """A user terminal's antenna: receive aperture (m², from the published dimensions), aperture efficiency and
    system noise temperature. G = η 4πA/λ², G/T = G − 10·log10(T)."""

    name: str
    aperture_m2: float
    efficiency: float
    t_sys_k: float
    tx_eirp_dbw: float

    def gain_dbi(self, f_ghz):
        lam = C_KM_S * 1e3 / (np.asarray(f_ghz, float) * 1e9)
        return 10.0 * np.log10(self.efficiency * 4.0 * np.pi * self.aperture_m2 / lam ** 2)

    def gt_db_k(self, f_ghz):
        return self.gain_dbi(f_ghz) - 10.0 * np.log10(self.t_sys_k)


# Aperture dimensions: Starlink specifications pages (https://www.starlink.com/specifications, read 2026-11-26):
# Standard 594 × 383 mm, Mini 298.5 × 259 mm, Flat High Performance 575 × 511 mm; the original round "standard
# actuated" dish 48 cm diameter (SpaceX FCC UT filing, via https://redlib.hbubli.cc/r/Starlink/comments/nxejei/).
# Aperture efficiency 0.65: the textbook value for planar arrays and reflectors (satsig.net link budget default,
# https://www.satsig.net/data-distribution.htm) [assumption: no published Starlink figure]. System noise temperature
# 250 K [assumption: uncooled Ku receive chain, LNA noise figure ~1.5 dB plus ground/sky; no published figure].
# Transmit EIRP: UT3-V1 max 42.1 dBW → 43.6 dBW requested (SpaceX narrative, SES-LIC-20230228-00228, via
# https://www.scribd.com/document/752766275/Narrative-71); the smaller next-generation antenna transmits 2.44 W vs
# 4.06 W (FCC filing, https://www.tesmanian.com/blogs/tesmanian-blog/next-dish) → −2.2 dB, used for mini.
_EFF = 0.65
_TSYS = 250.0
DISHES: dict[str, Dish] = {
    "standard": Dish("standard", 0.594 * 0.383, _EFF, _TSYS, 42.1),
    "standard_actuated": Dish("standard_actuated", np.pi * 0.24 ** 2, _EFF, _TSYS, 42.1),
    "mini": Dish("mini", 0.2985 * 0.259, _EFF, _TSYS, 42.1 - 10.0 * np.log10(4.06 / 2.44)),
    "flat_high_performance": Dish("flat_high_performance", 0.575 * 0.511, _EFF, _TSYS, 43.6),
}


def dish(name: str) -> Dish:
    try:
        return DISHES[name]
    except KeyError:
        raise ValueError(f"unknown dish model {name!r}; one of {sorted(DISHES)}") from None


def downlink_cn_db(el_deg, atm_db, dish_gt_db_k, terminal_scan_deg, scan_exponent: float = 1.0,
                   pfd_backoff_db: float = 0.0, f_ghz: float = DOWNLINK_GHZ):
    """Downlink C/N (dB, bandwidth-independent: PFD and noise are both densities). The satellite sets its EIRP
    density so that the clear-sky PFD at the terminal sits ``pfd_backoff_db`` below the Art. 21 mask; atmospheric
    attenuation and the terminal's own scan loss come off that:
    C/N = PFD/Hz − A + 10·log10(λ²/4π) + G/T − L_scan − k."""
    pfd_hz = pfd_mask_dbw_m2_4khz(el_deg) - pfd_backoff_db - 10.0 * np.log10(4e3)
    return (pfd_hz - np.asarray(atm_db, float) + isotropic_area_db_m2(f_ghz) + np.asarray(dish_gt_db_k, float)
            - scan_loss_db(terminal_scan_deg, scan_exponent) - BOLTZMANN_DBW_K_HZ)


def uplink_cn_db(range_km, atm_db, ut_eirp_dbw, terminal_scan_deg, sat_gt_db_k, scan_exponent: float = 1.0,
                 bandwidth_mhz: float = UPLINK_CHANNEL_MHZ, f_ghz: float = UPLINK_GHZ):
    """Uplink C/N (dB) in the uplink channel: UT EIRP (less its scan loss) − FSPL − A + satellite G/T − k − B."""
    eirp = np.asarray(ut_eirp_dbw, float) - scan_loss_db(terminal_scan_deg, scan_exponent)
    return cn_db(cn0_dbhz(eirp, fspl_db(range_km, f_ghz), sat_gt_db_k, atm_db), bandwidth_mhz)
