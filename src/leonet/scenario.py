"""The scenario file (TOML): the single way to describe a run. Validated with pydantic; errors name the field and
the value. Field-by-field reference: docs/scenario.md."""

from __future__ import annotations

import tomllib
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from leonet.errors import LeonetInputError
from leonet.population.spec import Population


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Site(_Model):
    name: str = Field(min_length=1)
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    alt_m: float = 0.0


class Gateway(Site):
    pop: str | None = Field(default=None, min_length=1,
                            description="Name of the PoP this gateway backhauls to (default: the nearest PoP)")
    country: str = Field(min_length=2, max_length=2)
    antennas: int | None = Field(default=None, ge=1, description="Satellites it can track at once (default: no limit)")


class Waypoint(_Model):
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)


class Obstruction(_Model):
    """Sky a terminal cannot see (a tree, a wall): azimuths clockwise from ``az_from_deg`` to ``az_to_deg``, below
    ``max_el_deg``. The emulated dish loses a satellite behind it (outage OBSTRUCTED) and draws it on its map."""

    az_from_deg: float = Field(ge=0, lt=360)
    az_to_deg: float = Field(ge=0, lt=360)
    max_el_deg: float = Field(gt=0, le=90)


class TerminalSpec(_Model):
    serial: str = Field(min_length=1)
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    alt_m: float = 0.0
    track: list[Waypoint] = Field(default_factory=list, description="Waypoints after the start, visited in order")
    speed_kmh: float = Field(default=0.0, ge=0, le=3000)
    loop: bool = Field(default=True, description="Return along the track and repeat")
    gps: Literal["true", "jammed", "spoofed"] = "true"
    spoof_lat_deg: float | None = Field(default=None, ge=-90, le=90)
    spoof_lon_deg: float | None = Field(default=None, ge=-180, le=180)
    demand_mbps: float = Field(default=50.0, gt=0, description="Peak (active) downlink demand")
    active_from_s: float = Field(default=0.0, ge=0, description="Activation: seconds after the start at which the "
                                 "terminal is first switched on (off before: no decision, no uplink)")
    dish: str = Field(default="", description="Dish model (leonet.radio.linkbudget.DISHES); '' = radio.dish")
    label: str = ""
    obstructions: list[Obstruction] = Field(default_factory=list, description="Sky the terminal cannot see "
                                            "(read by the emulated dish)")

    @model_validator(mode="after")
    def _spoof_target(self):
        if self.gps == "spoofed" and (self.spoof_lat_deg is None or self.spoof_lon_deg is None):
            raise ValueError("a spoofed terminal needs spoof_lat_deg and spoof_lon_deg")
        if self.track and self.speed_kmh <= 0:
            raise ValueError("a terminal with a track needs speed_kmh > 0")
        return self


class Network(_Model):
    constellation: str | None = Field(default=None, description="Preset name (default starlink-gen1 without tles)")
    tles: str | None = Field(default=None, description="TLE/OMM file (relative to the scenario) or 'starlink-latest'")
    isls: str = Field(default="plus-grid", description="'plus-grid', 'none' or a file of satellite index pairs")
    inter_plane_offset: int = 0
    min_elevation_deg: float | None = Field(default=None, ge=0, le=90,
                                            description="User terminals' mask (default 25° unless max_gsl_range_km)")
    max_gsl_range_km: float | None = Field(default=None, gt=0)
    gateway_min_elevation_deg: float | None = Field(default=None, ge=0, le=90)
    gateway_max_gsl_range_km: float | None = Field(default=None, gt=0)
    ground: Literal["starlink", "none"] = Field(
        default="starlink", description="'starlink': the shipped gateways and PoPs (data/README.md); 'none': only "
        "the scenario's own")
    include_planned_gateways: bool = Field(default=False, description="also the shipped gateways marked planned")
    remove_gateways: list[str] = Field(default_factory=list)
    remove_pops: list[str] = Field(default_factory=list)
    pop_of_country: dict[str, str] = Field(default_factory=dict, description="country → PoP, over the shipped table")
    land_in_country: list[str] = Field(default_factory=list,
                                       description="countries whose traffic must land at their own gateways")
    beams_per_satellite: int = Field(default=16, ge=1, le=256)
    beam_capacity_mbps: float = Field(default=1000.0, gt=0)
    cell_resolution: int = Field(default=5, ge=0, le=10)
    fibre_speed_fraction: float = Field(default=2 / 3, gt=0, le=1)
    landing_rules: dict[str, list[str]] = Field(default_factory=dict,
                                                description="country → gateways its traffic must land at")

    @model_validator(mode="after")
    def _one_source(self):
        if self.constellation is not None and self.tles is not None:
            raise ValueError("give either constellation or tles, not both")
        if self.min_elevation_deg is not None and self.max_gsl_range_km is not None:
            raise ValueError("give either min_elevation_deg or max_gsl_range_km for users, not both")
        if self.gateway_min_elevation_deg is not None and self.gateway_max_gsl_range_km is not None:
            raise ValueError("give either gateway_min_elevation_deg or gateway_max_gsl_range_km, not both")
        return self


class Storm(_Model):
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=5000)
    rain_mm_h: float = Field(ge=0, le=300)
    start_s: float = Field(default=0.0, ge=0)
    end_s: float | None = Field(default=None, gt=0, description="None: until the end of the run")


class Weather(_Model):
    preset: Literal["clear", "light", "moderate", "heavy", "violent"] = "clear"
    rain_mm_h: float | None = Field(default=None, ge=0, le=300, description="Rain everywhere; overrides preset")
    storms: list[Storm] = Field(default_factory=list)


class Radio(_Model):
    """Link budget, interference, MODCOD and capacity sharing (docs/radio.md: every default and its source)."""

    enabled: bool = True
    dish: str = "standard"
    channel_mhz: float = Field(default=240.0, gt=0)
    uplink_channel_mhz: float = Field(default=62.5, gt=0)
    pfd_backoff_db: float = Field(default=0.0, ge=0, le=40)
    scan_loss_exponent: float = Field(default=1.0, ge=0, le=4)
    sat_gt_db_k: float = Field(default=5.0, ge=-20, le=40)
    reuse_cluster: int = Field(default=7, ge=1, le=64)
    modcod_margin_db: float = Field(default=1.0, ge=0, le=10)
    beam_hop_cells: float = Field(default=4.0, ge=1, le=64)
    subscribers_per_cell: float = Field(default=60.0, ge=0, le=100000)
    mean_busy_hour_mbps: float = Field(default=1.0, ge=0, le=1000)
    burst_cv: float = Field(default=1.0, ge=0, le=10)
    uplink_duty_max: float = Field(default=0.11, gt=0, le=1)
    uplink_demand_fraction: float = Field(default=0.1, gt=0, le=10)
    terminal_mean_busy_hour_mbps: float = Field(default=0.0, ge=0, le=10000,
                                                description="0: the scenario terminals offer their peak demand")

    @field_validator("dish")
    @classmethod
    def _dish(cls, v: str) -> str:
        from leonet.radio.linkbudget import DISHES

        if v not in DISHES:
            raise ValueError(f"unknown dish {v!r}; one of {sorted(DISHES)}")
        return v


class Latency(_Model):
    """The dish's pop-ping latency model (leonet.radio.latency.LatencyParams; docs/radio.md)."""

    frame_ms: float = Field(default=1000.0 / 750.0, gt=0, le=100)
    request_grant_frames: float = Field(default=2.0, ge=0, le=100)
    processing_ms: float = Field(default=2.0, ge=0, le=1000)
    jitter_sigma_ms: float = Field(default=10.0, ge=0, le=1000)
    max_queue_ms: float = Field(default=150.0, ge=0, le=10000)
    spike_start_ms: float = Field(default=140.0, ge=0, le=10000)
    spike_end_ms: float = Field(default=75.0, ge=0, le=10000)
    spike_window_ms: float = Field(default=100.0, ge=0, le=1000)
    reconfig_drop_rate: float = Field(default=0.01, ge=0, le=1)
    handover_drop_rate: float = Field(default=0.10, ge=0, le=1)
    idle_drop_rate: float = Field(default=0.0, ge=0, le=1)

    def params(self):
        from leonet.radio.latency import LatencyParams

        return LatencyParams(**self.model_dump())


class LocationCheck(_Model):
    enabled: bool = True
    range_noise_m: float = Field(default=30.0, gt=0)
    range_rate_noise_mps: float = Field(default=0.2, gt=0)
    samples_per_slot: int = Field(default=6, ge=2, le=60)
    window_slots: int = Field(default=4, ge=2, le=16, description="Slots of samples each check is judged on")
    false_alarm: float = Field(default=1e-3, gt=0, lt=0.5,
                               description="p-value below which a check finds the reported position inconsistent")
    ephemeris: Literal["operator", "tle"] = Field(
        default="operator", description="Error of the ephemeris the network believes (access/measure.py)")
    outlier_prob: float = Field(default=0.05, ge=0, lt=1, description="Share of samples hit by multipath outliers")
    altitude_prior_km: float = Field(default=0.3, ge=-0.5, le=10,
                                     description="Centre of the estimator's altitude prior (σ 1 km)")
    max_checks_per_slot: int = Field(default=25_000, ge=1, description="Terminals judged per slot at most "
                                     "(beyond it each terminal is judged less often than once per window)")
    deny_on_unexpected_location: bool = True


class Scenario(_Model):
    name: str = "scenario"
    start: datetime
    duration_s: float = Field(default=3600.0, gt=0)
    slot_s: float = Field(default=15.0, gt=0)
    seed: int = 0
    control_plane: Literal["example", "none"] = "example"
    telemetry_store_max_terminals: int = Field(
        default=10_000, ge=0, description="Store telemetry rows in the database only up to this many terminals; "
        "beyond it the Parquet telemetry (every row) is the record")
    network: Network = Field(default_factory=Network)
    location_check: LocationCheck = Field(default_factory=LocationCheck)
    pops: list[Site] = Field(default_factory=list, description="PoPs added to the shipped ones")
    gateways: list[Gateway] = Field(default_factory=list, description="Gateways added to the shipped ones")
    radio: Radio = Field(default_factory=Radio)
    latency: Latency = Field(default_factory=Latency)
    weather: Weather = Field(default_factory=Weather)
    pops: list[Site]
    gateways: list[Gateway]
    terminals: list[TerminalSpec] = Field(default_factory=list)
    population: Population | None = Field(default=None, description="Generated terminals (docs/enforcement.md)")
    source_dir: Path | None = Field(default=None, exclude=True,
                                    description="Directory of the scenario file (set by load_scenario)")

    @field_validator("start")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("start must carry a time zone (e.g. 2026-03-01T12:00:00Z)")
        return v

    @model_validator(mode="after")
    def _references(self):
        pops = {p.name for p in self.pops}
        for k, g in enumerate(self.gateways):
            if g.pop not in pops:
                raise ValueError(f"gateways[{k}].pop {g.pop!r} is not one of the pops")
        from leonet.radio.linkbudget import DISHES

        for k, t in enumerate(self.terminals):
            if t.dish and t.dish not in DISHES:
                raise ValueError(f"terminals[{k}].dish {t.dish!r} is not one of {sorted(DISHES)}")
        serials = [t.serial for t in self.terminals]
        if len(set(serials)) != len(serials):
            raise ValueError("terminal serials must be unique")
        return self


def load_scenario(path: str | Path) -> Scenario:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LeonetInputError("file not found", file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise LeonetInputError(f"invalid TOML: {exc}", file=str(path)) from None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        field = ".".join(str(p) for p in e["loc"]) or "scenario"
        raise LeonetInputError(e["msg"], file=str(path), field=field, value=e.get("input")) from None
    if scenario.population is not None:  # GeoJSON files named in the scenario are relative to it
        from leonet.population.generate import SHIPPED_AREAS

        for g in scenario.population.diverted:
            if g.use_area not in SHIPPED_AREAS and not Path(g.use_area).is_absolute():
                g.use_area = str(path.resolve().parent / g.use_area)
        for g in scenario.population.legit:
            if g.exclude_area and g.exclude_area not in SHIPPED_AREAS and not Path(g.exclude_area).is_absolute():
                g.exclude_area = str(path.resolve().parent / g.exclude_area)
    return scenario.model_copy(update={"source_dir": path.resolve().parent})


def default_scenario_path() -> Path:
    return Path(str(resources.files("leonet") / "data" / "default_scenario.toml"))
