"""The grid index against the exact polygon test, and known border towns.

Town-centre coordinates are from the towns' Wikipedia articles (rounded to ~100 m); each pair faces the other
across a border river or street, so a border line that is off by more than a few hundred metres fails here.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leonet.access.borders import borders, country_of


@pytest.mark.parametrize(("lat", "lon", "code"), [
    (50.45, 30.52, "UA"), (55.75, 37.62, "RU"), (52.3503, 14.5667, "PL"), (52.3417, 14.5500, "DE"),
    (47.7631, 18.1230, "SK"), (47.7405, 18.1195, "HU"), (57.7772, 26.0473, "EE"), (57.7753, 26.0183, "LV"),
    (48.5734, 7.7521, "FR"), (48.5700, 7.8150, "DE"), (40.0, -30.0, ""), (44.95, 34.10, "UA"),
])
def test_known_places(lat, lon, code):
    assert country_of(lat, lon) == code


# Twin towns on border rivers, where Natural Earth 1:10m alone is off by up to ~1 km (it puts Narva in Russia).
BORDER_TOWNS = [
    ("Narva", 59.3772, 28.1903, "EE"), ("Ivangorod", 59.3650, 28.2300, "RU"),
    ("Görlitz", 51.1528, 14.9872, "DE"), ("Zgorzelec", 51.1500, 15.0083, "PL"),
    ("Tornio", 65.8500, 24.1500, "FI"), ("Haparanda", 65.8355, 24.1368, "SE"),
    ("Cieszyn", 49.7500, 18.6333, "PL"), ("Český Těšín", 49.7458, 18.6264, "CZ"),
    ("Słubice", 52.3503, 14.5667, "PL"), ("Frankfurt (Oder)", 52.3417, 14.5500, "DE"),
    ("Komárno", 47.7631, 18.1230, "SK"), ("Komárom", 47.7405, 18.1195, "HU"),
    ("Ruse", 43.8333, 25.9500, "BG"), ("Giurgiu", 43.8833, 25.9667, "RO"),
    ("El Paso", 31.7587, -106.4869, "US"), ("Ciudad Juárez", 31.7200, -106.4600, "MX"),
    ("Blagoveshchensk", 50.2667, 127.5333, "RU"), ("Valga", 57.7772, 26.0473, "EE"), ("Valka", 57.7753, 26.0183, "LV"),
]


@pytest.mark.parametrize(("town", "lat", "lon", "code"), BORDER_TOWNS, ids=[t[0] for t in BORDER_TOWNS])
def test_border_towns_resolve_to_their_own_country(town, lat, lon, code):
    b = borders()
    assert country_of(lat, lon) == code, town
    assert b.codes[b.exact_index(np.array([lat]), np.array([lon]))[0]] == code, town


def test_natural_earth_alone_misplaces_narva():
    """Why the fine layer exists: 1:10m Natural Earth puts Narva's centre on the Russian bank."""
    assert country_of(59.3772, 28.1903, scale="10m") == "RU"
    assert country_of(59.3772, 28.1903, scale="fine") == "EE"


def test_grid_agrees_with_exact_test_on_a_million_points():
    b = borders()
    rng = np.random.default_rng(7)
    lat = np.degrees(np.arcsin(rng.uniform(-1, 1, 200_000)))
    lon = rng.uniform(-180, 180, 200_000)
    assert (b.index_batch(lat, lon) == b.exact_index(lat, lon)).all()


def test_grid_agrees_with_exact_test_inside_the_fine_corridor():
    """Dense random points along the Estonian–Russian and Polish–German borders (all inside the OSM corridor)."""
    b = borders()
    rng = np.random.default_rng(11)
    lat = np.concatenate([rng.uniform(57.5, 59.5, 20_000), rng.uniform(50.8, 53.0, 20_000)])
    lon = np.concatenate([rng.uniform(27.3, 28.3, 20_000), rng.uniform(14.2, 15.2, 20_000)])
    assert (b.index_batch(lat, lon) == b.exact_index(lat, lon)).all()
    assert b.fine is not None and (b.fine.kind_exact(lat, lon) == b.fine.BORDER).mean() > 0.1


def test_unknown_scale_is_refused_with_the_field_named():
    from leonet.access.borders import Borders
    from leonet.errors import LeonetInputError

    with pytest.raises(LeonetInputError, match="scale"):
        Borders.load("1m")


@settings(max_examples=300, deadline=None)
@given(st.floats(44.0, 53.0), st.floats(22.0, 41.0))
def test_grid_agrees_with_exact_test_near_eastern_european_borders(lat, lon):
    b = borders()
    assert b.index_batch(np.array([lat]), np.array([lon]))[0] == b.exact_index(np.array([lat]), np.array([lon]))[0]
