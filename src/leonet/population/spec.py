"""The scenario's ``[population]`` section: legitimate terminals by region and plan, diverted terminals with their
sales routes, where they are used and how their GPS behaves. Field reference: docs/enforcement.md."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PLANS = ("residential", "roam", "maritime", "aviation", "government")  # = leonet.access.policy.PLANS


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _iso(v: str, field: str) -> str:
    if not (isinstance(v, str) and len(v) == 2 and v.isalpha() and v.isupper()):
        raise ValueError(f"{field} must be an ISO 3166-1 alpha-2 code such as UA, got {v!r}")
    return v


class GpsMix(_Model):
    """Shares of terminals whose GPS is honest, jammed (no fix reported) or spoofed (a false fix reported)."""

    true: float = Field(default=1.0, ge=0)
    jammed: float = Field(default=0.0, ge=0)
    spoofed: float = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _positive(self):
        if self.true + self.jammed + self.spoofed <= 0:
            raise ValueError("gps shares must not all be zero")
        return self

    def shares(self) -> list[float]:
        s = self.true + self.jammed + self.spoofed
        return [self.true / s, self.jammed / s, self.spoofed / s]


class Activation(_Model):
    """When a group's terminals are first switched on: ``at_start`` of them before the run starts, the rest at
    times drawn uniformly over the first ``over_s`` seconds (default: the run's duration)."""

    at_start: float = Field(default=1.0, ge=0, le=1)
    over_s: float | None = Field(default=None, gt=0)


class _Group(_Model):
    name: str = Field(min_length=1, max_length=24, pattern=r"^[a-z0-9-]+$")
    count: int = Field(ge=0, le=10_000_000)
    source: str = Field(min_length=1, description="Where the count comes from (URL, date) or 'illustrative'")
    moving_fraction: float = Field(default=0.0, ge=0, le=1)
    speed_kmh: tuple[float, float] = (20.0, 90.0)
    gps: GpsMix = Field(default_factory=GpsMix)
    spoof_to: str | None = Field(default=None, description="Country (ISO) whose populated places spoofers report")
    activation: Activation = Field(default_factory=Activation)

    @field_validator("speed_kmh")
    @classmethod
    def _speeds(cls, v):
        if not 0 < v[0] <= v[1] <= 3000:
            raise ValueError(f"speed_kmh must be [low, high] with 0 < low <= high <= 3000, got {list(v)}")
        return v

    @model_validator(mode="after")
    def _spoof(self):
        if self.gps.spoofed > 0 and self.spoof_to is None:
            raise ValueError(f"group {self.name!r}: spoofed GPS needs spoof_to (an ISO country code)")
        if self.spoof_to is not None:
            _iso(self.spoof_to, "spoof_to")
        return self


class LegitGroup(_Group):
    """Authorised users of one region: a country (``country``) or a box (``bbox`` = [lon0, lat0, lon1, lat1])."""

    country: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    surface: Literal["land", "sea", "any"] = "land"
    density: Literal["places", "uniform"] = "places"
    plans: dict[str, float] = Field(default_factory=lambda: {"residential": 1.0})
    account_country: str | None = Field(default=None, description="Accounts' home country (default: country)")
    exclude_area: str | None = Field(default=None, description="GeoJSON polygon (file or shipped name) kept empty")

    @model_validator(mode="after")
    def _region(self):
        if (self.country is None) == (self.bbox is None):
            raise ValueError(f"group {self.name!r}: give exactly one of country or bbox")
        if self.country is not None:
            _iso(self.country, "country")
        if self.bbox is not None:
            x0, y0, x1, y1 = self.bbox
            if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
                raise ValueError(f"group {self.name!r}: bbox must be [lon0, lat0, lon1, lat1] with lon0 < lon1 and "
                                 f"lat0 < lat1, got {list(self.bbox)}")
            if self.density == "places":
                raise ValueError(f"group {self.name!r}: density 'places' needs a country; use 'uniform' in a bbox")
            if self.account_country is None:
                raise ValueError(f"group {self.name!r}: a bbox group needs account_country")
        if self.account_country is not None:
            _iso(self.account_country, "account_country")
        for plan, share in self.plans.items():
            if plan not in PLANS:
                raise ValueError(f"group {self.name!r}: plans.{plan} is not a plan ({', '.join(PLANS)})")
            if share < 0:
                raise ValueError(f"group {self.name!r}: plans.{plan} must be >= 0, got {share}")
        if sum(self.plans.values()) <= 0:
            raise ValueError(f"group {self.name!r}: plans shares must not all be zero")
        return self

    @property
    def home(self) -> str:
        return self.account_country or self.country  # type: ignore[return-value]


class Route(_Model):
    """One sales route: ``chain`` = the countries a kit is delivered into, sale by sale, starting with the
    manufacturer's country; ``recorded_steps`` = how many of the sales the control plane knows (fewer than the chain's
    sales = the chain is broken); ``account_country`` = where the kits' service accounts are opened."""

    chain: list[str] = Field(min_length=2)
    share: float = Field(gt=0)
    account_country: str
    recorded_steps: int | None = Field(default=None, ge=0)
    kits_per_account: int = Field(default=1, ge=1, le=1000)

    @model_validator(mode="after")
    def _codes(self):
        for k, c in enumerate(self.chain):
            _iso(c, f"chain[{k}]")
        _iso(self.account_country, "account_country")
        if self.recorded_steps is not None and self.recorded_steps > len(self.chain) - 1:
            raise ValueError(f"recorded_steps {self.recorded_steps} exceeds the chain's {len(self.chain) - 1} sales")
        return self

    @property
    def steps(self) -> int:
        return len(self.chain) - 1 if self.recorded_steps is None else self.recorded_steps


class DivertedGroup(_Group):
    """Kits used where the service is not authorised, e.g. along a front line: ``use_area`` is a GeoJSON file
    (LineString: within ``band_km`` of the line on ``side``; Polygon: inside it), relative to the scenario file, or
    the name of a shipped one (``front_line_illustrative``)."""

    use_area: str
    band_km: tuple[float, float] = (0.0, 30.0)
    side: Literal["left", "right", "both"] = "both"
    plan: str = "roam"
    routes: list[Route] = Field(min_length=1)

    @model_validator(mode="after")
    def _checks(self):
        if not 0 <= self.band_km[0] <= self.band_km[1] <= 2000:
            raise ValueError(f"group {self.name!r}: band_km must be [near, far] km with 0 <= near <= far")
        if self.plan not in PLANS:
            raise ValueError(f"group {self.name!r}: plan {self.plan!r} is not one of {', '.join(PLANS)}")
        return self


class Population(_Model):
    seed: int | None = Field(default=None, description="Default: the scenario's seed")
    scale: float = Field(default=1.0, gt=0, le=1, description="Fraction of every count simulated")
    legit: list[LegitGroup] = Field(default_factory=list)
    diverted: list[DivertedGroup] = Field(default_factory=list)

    @model_validator(mode="after")
    def _names(self):
        names = [g.name for g in self.legit] + [g.name for g in self.diverted]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"population group names must be unique; repeated: {', '.join(dup)}")
        return self
