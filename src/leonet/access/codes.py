"""The dish's disablement codes: one IntEnum whose names and numbers match the real
``SpaceX.API.Satellites.Network.UtDisablementCode`` (firmware 2026.08; 5 and 9 are reserved/removed there).
Source: proto/spacex_api/satellites/network/ut_disablement_codes.proto in
https://github.com/clarkzjw/starlink-grpc-golang ."""

from __future__ import annotations

from enum import IntEnum


class DisablementCode(IntEnum):
    UNKNOWN_STATE = 0
    OKAY = 1
    NO_ACTIVE_ACCOUNT = 2
    TOO_FAR_FROM_SERVICE_ADDRESS = 3
    IN_OCEAN = 4
    BLOCKED_COUNTRY = 6
    DATA_OVERAGE_SANDBOX_POLICY = 7
    CELL_IS_DISABLED = 8
    ROAM_RESTRICTED = 10
    UNKNOWN_LOCATION = 11
    ACCOUNT_DISABLED = 12
    UNSUPPORTED_VERSION = 13
    MOVING_TOO_FAST_FOR_POLICY = 14
    UNDER_AVIATION_FLYOVER_LIMITS = 15
    BLOCKED_AREA = 16
    OUTSIDE_HOME_REGION = 17


CODE_NAMES = {c.value: c.name for c in DisablementCode}
