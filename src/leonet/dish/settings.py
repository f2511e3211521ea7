"""One dish's own state that its user changes: the ``DishConfig`` (sleep schedule, snow melt, location access, ...),
GPS inhibit, stow, reboots and obstruction-map resets. Kept per dish for the life of the process."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from leonet.dish.protocol import dish_config_pb2

MINUTES_PER_DAY = 1440
# After a reboot a real dish reports outage cause BOOTING for about 35 s (a 2025.06 dish's event log: BOOTING
# lasting 35311427707 ns; clarkzjw/starlink-grpc-golang CHANGELOG.md, entry 2025.06.10.mr57444.1).
BOOTING_S = 35.0
# DishConfig fields and the apply_* flag that makes dish_set_config change them (the dump's dish_config.proto).
CONFIG_FIELDS = ("snow_melt_mode", "location_request_mode", "level_dish_mode", "power_save_start_minutes",
                 "power_save_duration_minutes", "power_save_mode", "swupdate_reboot_hour",
                 "swupdate_three_day_deferral_enabled", "asset_class")


class ConfigError(ValueError):
    """A config value the dish refuses (answered INVALID_ARGUMENT)."""


@dataclass
class DishSettings:
    """The user-set state of one dish. ``boot_utc`` is the simulation time of the last (re)boot."""

    boot_utc: datetime
    config: dish_config_pb2.DishConfig = field(default_factory=dish_config_pb2.DishConfig)
    inhibit_gps: bool = False
    stowed: bool = False
    reboots: int = 0
    map_cleared_utc: datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- requests -------------------------------------------------------------------------------------------------
    def set_config(self, new: dish_config_pb2.DishConfig) -> dish_config_pb2.DishConfig:
        """Apply the fields whose ``apply_*`` flag is set (dish_set_config); return the updated config."""
        staged = dish_config_pb2.DishConfig()
        staged.CopyFrom(self.config)
        for name in CONFIG_FIELDS:
            if getattr(new, f"apply_{name}"):
                setattr(staged, name, getattr(new, name))
        if new.apply_power_save_start_minutes or new.apply_power_save_duration_minutes or new.apply_power_save_mode:
            _check_sleep(staged.power_save_start_minutes, staged.power_save_duration_minutes,
                         staged.power_save_mode)
        with self.lock:
            self.config.CopyFrom(staged)
            return self._public_config()

    def power_save(self, start_minutes: int, duration_minutes: int, enable: bool) -> None:
        """dish_power_save: the sleep schedule (minutes past midnight UTC, duration in minutes)."""
        _check_sleep(start_minutes, duration_minutes, enable)
        with self.lock:
            self.config.power_save_start_minutes = start_minutes
            self.config.power_save_duration_minutes = duration_minutes
            self.config.power_save_mode = enable

    def set_inhibit_gps(self, inhibit: bool) -> bool:
        with self.lock:
            self.inhibit_gps = inhibit
            return inhibit

    def stow(self, unstow: bool) -> None:
        with self.lock:
            self.stowed = not unstow

    def reboot(self, now_utc: datetime) -> None:
        """Restart: uptime and the history counter start again from zero; a stowed dish unstows on boot."""
        with self.lock:
            self.boot_utc = now_utc
            self.stowed = False
            self.reboots += 1

    def clear_obstruction_map(self, now_utc: datetime) -> None:
        with self.lock:
            self.map_cleared_utc = now_utc

    # -- state ----------------------------------------------------------------------------------------------------
    def get_config(self) -> dish_config_pb2.DishConfig:
        with self.lock:
            return self._public_config()

    def _public_config(self) -> dish_config_pb2.DishConfig:
        out = dish_config_pb2.DishConfig()
        out.CopyFrom(self.config)
        return out

    def location_allowed(self) -> bool:
        """Local location access (``location_request_mode`` LOCAL), off until the user enables it."""
        return self.config.location_request_mode == dish_config_pb2.DishConfig.LOCAL

    def sleeping(self, t_utc: datetime) -> bool:
        """Inside the daily sleep window (power save mode), by UTC minutes past midnight."""
        c = self.config
        if not c.power_save_mode or c.power_save_duration_minutes == 0:
            return False
        minute = t_utc.hour * 60 + t_utc.minute
        return (minute - c.power_save_start_minutes) % MINUTES_PER_DAY < c.power_save_duration_minutes


def _check_sleep(start_minutes: int, duration_minutes: int, enable: bool) -> None:
    if not 0 <= start_minutes < MINUTES_PER_DAY:
        raise ConfigError(f"field 'power_save_start_minutes', value {start_minutes}: must be within 0..1439")
    if not 1 <= duration_minutes <= MINUTES_PER_DAY:  # 0 is refused even when disabled (starlink_grpc.py notes)
        raise ConfigError(f"field 'power_save_duration_minutes', value {duration_minutes}: must be within 1..1440")
