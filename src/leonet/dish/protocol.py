"""The dish's protocol as a real dish publishes it: the generated modules of its reflection dump, the request →
response pairing of ``Request``/``Response``, and the served descriptors.

The descriptors come unchanged from a real dish's reflection dump (``protos/*.protoset``, firmware
2026.06.12.mr81164; source in ``protos/README.md``), so names, numbers and ``json_name`` are the dish's own."""

from __future__ import annotations

from pathlib import Path

from google.protobuf import descriptor_pb2

from leonet.dish._generated.spacex_api.common.status import status_pb2
from leonet.dish._generated.spacex_api.device import (
    common_pb2,
    device_pb2,
    device_pb2_grpc,
    dish_config_pb2,
    dish_pb2,
)
from leonet.dish._generated.spacex_api.satellites.network import ut_disablement_codes_pb2 as codes_pb2
from leonet.dish._generated.spacex_api.telemetron.public.integrations import rate_limit_reason_pb2 as rate_pb2

PROTOSET = sorted((Path(__file__).parent / "protos").glob("*.protoset"))[-1]
FIRMWARE = PROTOSET.stem.removeprefix("dish-")  # the software version whose descriptors we serve
# Response.apiVersion a 2025.06 dish answered (clarkzjw/starlink-grpc-golang CHANGELOG.md, entry 2025.06.24.mr58346).
API_VERSION = 37
SERVICE = device_pb2.DESCRIPTOR.services_by_name["Device"].full_name  # "SpaceX.API.Device.Device"

# Request oneof name → Response oneof name, where the dish answers with a message (pairs as in the dump).
RESPONSE_FIELD = {
    "get_status": "dish_get_status", "get_history": "dish_get_history", "get_device_info": "get_device_info",
    "get_location": "get_location", "dish_get_context": "dish_get_context",
    "dish_get_obstruction_map": "dish_get_obstruction_map", "dish_get_config": "dish_get_config",
    "dish_set_config": "dish_set_config", "dish_inhibit_gps": "dish_inhibit_gps", "dish_stow": "dish_stow",
    "reboot": "reboot", "dish_clear_obstruction_map": "dish_clear_obstruction_map",
    "get_diagnostics": "dish_get_diagnostics", "time": "time",
    "dish_power_save": None,  # the dump's Response has no field for it: an empty Response, as starlink-grpc expects
}


def request_names() -> list[str]:
    """Every request of the dish's ``Request`` oneof, by name."""
    return [f.name for f in device_pb2.Request.DESCRIPTOR.oneofs_by_name["request"].fields]


def dump_files() -> list[descriptor_pb2.FileDescriptorProto]:
    """The real dish's reflection dump as FileDescriptorProtos."""
    s = descriptor_pb2.FileDescriptorSet()
    s.ParseFromString(PROTOSET.read_bytes())
    return list(s.file)


__all__ = ["API_VERSION", "FIRMWARE", "PROTOSET", "RESPONSE_FIELD", "SERVICE", "codes_pb2", "common_pb2",
           "device_pb2", "device_pb2_grpc", "dish_config_pb2", "dish_pb2", "dump_files", "rate_pb2",
           "request_names", "status_pb2"]
