from __future__ import annotations

from importlib import resources

import pytest

from leonet.population.spec import Population
from leonet.scenario import Scenario, load_scenario

SMALL = {
    "seed": 3, "scale": 1.0,
    "legit": [{"name": "ua", "country": "UA", "count": 60, "source": "test",
               "exclude_area": "occupied_side_illustrative",
               "plans": {"residential": 0.5, "roam": 0.4, "government": 0.1}, "moving_fraction": 0.3,
               "gps": {"true": 0.9, "jammed": 0.1}},
              {"name": "sea", "bbox": [15.0, 54.5, 21.0, 58.5], "surface": "sea", "density": "uniform",
               "account_country": "SE", "count": 10, "source": "test", "plans": {"maritime": 1.0}}],
    "diverted": [{"name": "front", "count": 40, "source": "test", "use_area": "front_line_illustrative",
                  "band_km": [5, 30], "side": "right", "gps": {"true": 0.5, "jammed": 0.2, "spoofed": 0.3},
                  "spoof_to": "UA", "moving_fraction": 0.2, "speed_kmh": [20, 120],
                  "routes": [{"chain": ["US", "AE", "KG", "RU"], "share": 0.5, "account_country": "AE",
                              "recorded_steps": 2, "kits_per_account": 4},
                             {"chain": ["US", "PL", "UA"], "share": 0.5, "account_country": "UA"}]}],
}


@pytest.fixture
def small_population() -> Population:
    return Population.model_validate(SMALL)


@pytest.fixture
def small_scenario() -> Scenario:
    base = load_scenario(str(resources.files("leonet") / "data" / "scenarios" / "theatre_population.toml"))
    return base.model_copy(update={"population": Population.model_validate(SMALL), "duration_s": 60.0})
