"""The control plane's system of record (SQLAlchemy 2 typed models). Schema changes go through Alembic
(store/migrations); ``open_store`` upgrades to head."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def as_utc(t: datetime | None) -> datetime | None:
    """A stored instant as an aware UTC datetime: SQLite gives back the naive UTC value it was stored as
    (every instant is normalised to UTC before it is stored); PostgreSQL's are aware already. None stays None."""
    if t is None or t.tzinfo is not None:
        return t
    return t.replace(tzinfo=UTC)

class Base(DeclarativeBase):
    pass


class Country(Base):
    __tablename__ = "countries"
    iso_a2: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16))  # licensed | not_licensed | blocked
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(Text, default="")
    gateway_required_in_country: Mapped[bool] = mapped_column(Boolean, default=False)


class CountryStatusPeriod(Base):
    """One period of a country's licensing status: [valid_from, valid_to), None = open. Decisions read the period
    valid at the decision time (``access.context.country_statuses``)."""

    __tablename__ = "country_status_periods"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    iso_a2: Mapped[str] = mapped_column(ForeignKey("countries.iso_a2"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # licensed | not_licensed | blocked | unknown
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(Text, default="", server_default="")  # URL, or "unknown"
    source_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # manufacturer | distributor | reseller | customer
    country: Mapped[str] = mapped_column(String(2))


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    plan: Mapped[str] = mapped_column(String(16))  # residential | roam | maritime | aviation | government
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | suspended | disabled
    home_country: Mapped[str] = mapped_column(String(2))
    service_lat_deg: Mapped[float | None] = mapped_column(Float)
    service_lon_deg: Mapped[float | None] = mapped_column(Float)
    service_radius_km: Mapped[float | None] = mapped_column(Float)
    allowed_regions: Mapped[list] = mapped_column(JSON, default=list)  # ISO codes; empty = plan default
    max_speed_kmh: Mapped[float | None] = mapped_column(Float)
    abroad_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data_cap_gb: Mapped[float | None] = mapped_column(Float)  # plan data in the billing period; None = unlimited
    data_used_gb: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")  # metered this period
    data_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # when data_used_gb was set


class Terminal(Base):
    __tablename__ = "terminals"
    serial: Mapped[str] = mapped_column(String(64), primary_key=True)  # UT id
    kit_number: Mapped[str] = mapped_column(String(64), unique=True)
    hardware_version: Mapped[str] = mapped_column(String(64))
    software_version: Mapped[str] = mapped_column(String(64), default="")
    holder_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_code: Mapped[int | None] = mapped_column(Integer)  # last decided DisablementCode (state changes → audit)


class Transfer(Base):
    """One step of a terminal's provenance chain. Append-only: never updated or deleted."""

    __tablename__ = "transfers"
    __table_args__ = (UniqueConstraint("terminal_serial", "seq"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_serial: Mapped[str] = mapped_column(ForeignKey("terminals.serial"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, … per terminal; the unique key stops duplicate sales
    from_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    to_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16))  # direct | indirect
    country: Mapped[str] = mapped_column(String(2))  # where the terminal was delivered
    recorded_by: Mapped[str] = mapped_column(String(120))


class Zone(Base):
    __tablename__ = "zones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # blocked_area | whitelist_only | monitoring | disabled_cells
    geometry: Mapped[dict] = mapped_column(JSON)  # GeoJSON Polygon / MultiPolygon, lon/lat order
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    max_speed_kmh: Mapped[float | None] = mapped_column(Float)  # in-zone speed cut-off (e.g. anti-drone)
    created_by: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(Text, default="", server_default="")  # where the boundary comes from (URL)
    as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # the date the source describes


class WhitelistEntry(Base):
    __tablename__ = "whitelist"
    __table_args__ = (UniqueConstraint("zone_id", "terminal_serial"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id"), index=True)
    terminal_serial: Mapped[str] = mapped_column(ForeignKey("terminals.serial"))
    speed_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # ended (never deleted)
    ended_by: Mapped[str | None] = mapped_column(String(120))


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | reseller | regulator | viewer | terminal
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    terminal_serial: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(120), default="")
    owner: Mapped[str] = mapped_column(String(120), default="", server_default="")  # who holds it (audit actor)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(120))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(120))
    bootstrap: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())  # LEONET_ADMIN_KEY


class WebSession(Base):
    """A browser session (``POST /api/v1/session``): the cookie's token is stored only as its SHA-256."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # logged out (never deleted)


class AuditRecord(Base):
    """Append-only, hash-chained: hash = sha256(prev_hash + canonical JSON of the record)."""

    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class DecisionRecord(Base):
    """Every decision the API answered (history per terminal and per zone). Not hash-chained: the chained audit
    log records the *changes* of a terminal's state (``terminal.state``)."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_serial_at", "serial", "at"), Index("ix_decisions_zone_at", "zone_id", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # the instant decided for
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    serial: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[list] = mapped_column(JSON)
    lat_deg: Mapped[float | None] = mapped_column(Float)
    lon_deg: Mapped[float | None] = mapped_column(Float)
    speed_kmh: Mapped[float] = mapped_column(Float)
    zone_id: Mapped[int | None] = mapped_column(Integer)  # first active zone containing the position
    policy_version: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))


class TelemetryRow(Base):
    """One terminal in one scheduler slot, as the simulation saw it."""

    __tablename__ = "telemetry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slot: Mapped[int] = mapped_column(Integer, index=True)
    t_s: Mapped[float] = mapped_column(Float)
    serial: Mapped[str] = mapped_column(String(64), index=True)
    served: Mapped[bool] = mapped_column(Boolean)
    code: Mapped[str] = mapped_column(String(40))
    satellite: Mapped[int | None] = mapped_column(Integer)
    gateway: Mapped[int | None] = mapped_column(Integer)
    rtt_ms: Mapped[float | None] = mapped_column(Float)
    throughput_mbps: Mapped[float] = mapped_column(Float)
    true_lat_deg: Mapped[float] = mapped_column(Float)
    true_lon_deg: Mapped[float] = mapped_column(Float)
    reported_lat_deg: Mapped[float | None] = mapped_column(Float)
    reported_lon_deg: Mapped[float | None] = mapped_column(Float)
    estimated_lat_deg: Mapped[float | None] = mapped_column(Float)
    estimated_lon_deg: Mapped[float | None] = mapped_column(Float)
    ellipse_major_km: Mapped[float | None] = mapped_column(Float)
    unexpected_location: Mapped[bool] = mapped_column(Boolean)
