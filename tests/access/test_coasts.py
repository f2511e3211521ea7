"""Coasts as right as land borders where people live: coastal towns on estuaries and islands, on both sides of the
antimeridian, answer their country (never "at sea", so never IN_OCEAN on a land-only plan).

Town-centre coordinates are from the towns' Wikipedia articles (rounded to ~100 m, Labasa to the minute) or, marked
(G), from the GeoNames gazetteer. Natural Earth 1:10m alone puts many of them in the water (Kherson, Anadyr, Lagos,
Guayaquil, Miami, Suva …); the global OSM coastal band fixes them. Points well offshore stay at sea. Limits: the band
is built around GeoNames places with ≥ 1,000 inhabitants, so a town missing there and misplaced by Natural Earth
stays wrong (Levuka, Ovalau, Fiji, is answered "at sea"); where the OSM 100-m data has a gap (Vanua Levu, Fiji,
is missing from it: Labasa, Savusavu) Natural Earth's land is kept around the place; a town whose GeoNames centre
lies in OSM water gets a 1.1-km disk of land (so for those the test is not independent of GeoNames).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from leonet.access.borders import borders, country_of

COASTAL_TOWNS = [
    # Fiji on both sides of 180°: Vanua Levu and Ovalau (east longitudes), Taveuni and Lakeba (west longitudes)
    ("Savusavu", -16.7797, 179.3328, "FJ"),
    ("Somosomo, Taveuni", -16.7667, -179.9667, "FJ"), ("Waiyevo, Taveuni", -16.7833, -179.9833, "FJ"),
    ("Tubou, Lakeba", -18.2333, -178.8000, "FJ"),
    # Chukotka on both sides of 180°: Anadyr on its estuary (east); Egvekinot, Lavrentiya, Provideniya (west)
    ("Anadyr", 64.7333, 177.5167, "RU"), ("Egvekinot (G)", 66.3217, -179.1220, "RU"),
    ("Lavrentiya (G)", 65.5860, -171.0208, "RU"), ("Provideniya", 64.4233, -173.2275, "RU"),
    # Baltic estuaries and coast
    ("Pärnu", 58.3859, 24.4971, "EE"), ("Narva-Jõesuu", 59.4589, 28.0411, "EE"), ("Klaipėda", 55.7033, 21.1443, "LT"),
    ("Riga", 56.9496, 24.1052, "LV"), ("Ventspils", 57.3894, 21.5606, "LV"),
    # Black Sea: Odesa, the Dnipro–Bug estuary (Kherson, Ochakiv, Mykolaiv)
    ("Odesa", 46.4825, 30.7233, "UA"), ("Kherson", 46.6354, 32.6169, "UA"), ("Ochakiv", 46.6167, 31.5500, "UA"),
    ("Mykolaiv", 46.9750, 31.9946, "UA"),
    # Kaliningrad coast
    ("Baltiysk", 54.6500, 19.9167, "RU"), ("Zelenogradsk", 54.9667, 20.4833, "RU"),
    ("Kaliningrad", 54.7104, 20.4522, "RU"),
    ("Labasa, Vanua Levu", -16.4167, 179.3833, "FJ"),
    # Islands on both sides of 180° elsewhere in the Pacific: Suva (east longitude), Nukuʻalofa (west)
    ("Suva (G)", -18.1368, 178.4253, "FJ"), ("Nukuʻalofa (G)", -21.1368, -175.2011, "TO"),
    # Estuaries, lagoons and islands the world over (every one is "at sea" on Natural Earth 1:10m alone)
    ("Lagos (G)", 6.4541, 3.3947, "NG"), ("Guayaquil, Guayas estuary (G)", -2.1962, -79.8862, "EC"),
    ("Mombasa Island (G)", -4.0547, 39.6636, "KE"), ("Québec, St Lawrence (G)", 46.8123, -71.2145, "CA"),
    ("Beira, Púngoè estuary (G)", -19.8436, 34.8389, "MZ"), ("Miami (G)", 25.7743, -80.1937, "US"),
    ("Toulon (G)", 43.1244, 5.9284, "FR"), ("Stavanger (G)", 58.9701, 5.7333, "NO"),
    ("Cairns (G)", -16.9237, 145.7661, "AU"), ("Split (G)", 43.5089, 16.4392, "HR"),
    ("Batumi (G)", 41.6408, 41.6306, "GE"), ("Malabo, Bioko (G)", 3.7558, 8.7817, "GQ"),
    ("Jaffna (G)", 9.6684, 80.0074, "LK"), ("Santander (G)", 43.4659, -3.8049, "ES"),
    # Overseas parts: Mayotte and Martinique count as France, Svalbard as Norway (Natural Earth's point of view)
    ("Mamoudzou, Mayotte (G)", -12.7823, 45.2288, "FR"), ("Fort-de-France, Martinique (G)", 14.6037, -61.0742, "FR"),
    ("Longyearbyen, Svalbard (G)", 78.2233, 15.6469, "NO"),
]
OFFSHORE = [("Black Sea off Odesa", 46.30, 31.10), ("Gulf of Riga", 57.40, 23.60), ("Koro Sea, Fiji", -17.50, 179.50),
            ("Bering Sea off Anadyr", 64.30, 178.80), ("Baltic off Kaliningrad", 55.20, 19.60),
            ("Gulf of Guinea off Lagos", 6.20, 3.40), ("Atlantic off Miami", 25.77, -80.0),
            ("Mediterranean off Toulon", 42.95, 5.93), ("Mozambique Channel off Beira", -20.2, 35.2),
            ("Pacific off Nukuʻalofa", -21.3, -175.2)]


@pytest.mark.parametrize(("town", "lat", "lon", "code"), COASTAL_TOWNS, ids=[t[0] for t in COASTAL_TOWNS])
def test_coastal_towns_resolve_to_their_country(town, lat, lon, code):
    b = borders()
    assert country_of(lat, lon) == code, town
    assert b.codes[b.exact_index(np.array([lat]), np.array([lon]))[0]] == code, town


def test_natural_earth_alone_puts_coastal_towns_at_sea():
    """Why the coastal band exists."""
    wet = [t for t in COASTAL_TOWNS if country_of(t[1], t[2], scale="10m") == ""]
    assert {t[0] for t in wet} >= {"Kherson", "Anadyr", "Lagos (G)", "Miami (G)", "Suva (G)", "Nukuʻalofa (G)"}


def test_populated_places_answered_at_sea_fall_by_four_fifths():
    """Over the whole offline gazetteer (GeoNames places with ≥ 5,000 inhabitants): Natural Earth 1:10m answers
    1,243 of them "at sea"; with the coastal band at most 240 remain (226 when generated) — docs in data/README.md."""
    from leonet.gazetteer import gazetteer

    g = gazetteer()
    fine, coarse = borders(), borders("10m")
    at_sea_coarse = (coarse.codes[coarse.index_batch(g.lat_deg, g.lon_deg)] == "").sum()
    at_sea_fine = (fine.codes[fine.index_batch(g.lat_deg, g.lon_deg)] == "").sum()
    assert at_sea_coarse > 1000 and at_sea_fine <= 240, (at_sea_coarse, at_sea_fine)


@pytest.mark.parametrize(("place", "lat", "lon"), OFFSHORE, ids=[p[0] for p in OFFSHORE])
def test_offshore_stays_at_sea(place, lat, lon):
    assert country_of(lat, lon) == "", place


def test_coastal_town_is_not_in_ocean_on_a_land_only_plan():
    from leonet.access.codes import DisablementCode as C
    from leonet.access.context import hypothetical_context
    from leonet.access.policy import PolicyContext, country_status_array, decide_batch
    from leonet.access.zones import ZoneIndex

    at = datetime(2026, 3, 1, tzinfo=UTC)
    lat = np.array([t[1] for t in COASTAL_TOWNS])
    lon = np.array([t[2] for t in COASTAL_TOWNS])
    statuses = {t[3]: "licensed" for t in COASTAL_TOWNS}
    base = PolicyContext(at=at, policy_version="t", country_status=country_status_array(statuses),
                         serials=np.array([], str), account_of=np.zeros(0, int), hardware_ok=np.zeros(0, bool),
                         plan=np.zeros(0, int), status=np.array([], str), home=np.zeros(0, int),
                         service_lat=np.zeros(0), service_lon=np.zeros(0), service_radius_km=np.zeros(0),
                         max_speed_kmh=np.zeros(0), abroad_days=np.zeros(0), allowed_keys=np.zeros(0, np.int64),
                         has_allowed=np.zeros(0, bool), zones=ZoneIndex([]))
    ids = np.array([f"{i:03d}" for i in range(lat.size)])
    ctx = hypothetical_context(base, "residential", ids, lat, lon)
    codes = decide_batch(ctx, ids, lat, lon, at).codes
    assert (codes == int(C.OKAY)).all(), [t[0] for t, c in zip(COASTAL_TOWNS, codes, strict=True) if c != C.OKAY]
