"""The dish's protocol against a real dish's reflection dump (src/leonet/dish/protos/README.md: firmware
2026.06.12.mr81164, clarkzjw/starlink-grpc-golang 200a03f, 2026-06-28)."""

from __future__ import annotations

import hashlib

from google.protobuf import descriptor_pb2, descriptor_pool

from leonet.dish import protocol
from leonet.dish.protocol import device_pb2


def _fields(fdp):
    stack = list(fdp.message_type)
    while stack:
        m = stack.pop()
        stack.extend(m.nested_type)
        yield from ((m.name, f) for f in m.field)


def test_the_dump_is_the_one_the_readme_names():
    readme = (protocol.PROTOSET.parent / "README.md").read_text()
    assert protocol.FIRMWARE == "2026.06.12.mr81164"
    assert hashlib.sha256(protocol.PROTOSET.read_bytes()).hexdigest() in readme


def test_generated_descriptors_equal_the_real_dump_with_json_name():
    dump = protocol.dump_files()
    assert len(dump) == 19
    pool = descriptor_pool.Default()
    n = 0
    for real in dump:
        ours = descriptor_pb2.FileDescriptorProto()
        pool.FindFileByName(real.name).CopyToProto(ours)
        assert ours == real, real.name
        for _msg, f in _fields(ours):
            n += 1
            assert f.json_name, (real.name, f.name)
    assert n == 2161  # every field of the dump, each with the dish's json_name


def test_request_and_response_oneofs_are_the_dishs():
    real = {f.name: f for f in protocol.dump_files()}["spacex_api/device/device.proto"]
    msgs = {m.name: m for m in real.message_type}
    for name in ("Request", "Response", "ToDevice", "FromDevice"):
        ours = getattr(device_pb2, name).DESCRIPTOR
        assert {(f.name, f.number, f.json_name) for f in ours.fields} == {
            (f.name, f.number, f.json_name) for f in msgs[name].field}
    req = {f.name: f.number for f in device_pb2.Request.DESCRIPTOR.oneofs_by_name["request"].fields}
    # the requests community clients send, with the dish's numbers (starlink-facts §4)
    assert {k: req[k] for k in ("get_status", "get_history", "dish_get_config", "dish_set_config", "dish_power_save",
                                "dish_inhibit_gps", "dish_clear_obstruction_map", "get_diagnostics", "dish_stow",
                                "reboot", "get_location")} == {
        "get_status": 1004, "get_history": 1007, "dish_get_config": 2011, "dish_set_config": 2010,
        "dish_power_save": 2013, "dish_inhibit_gps": 2014, "dish_clear_obstruction_map": 2017,
        "get_diagnostics": 6000, "dish_stow": 2002, "reboot": 1001, "get_location": 1017}
    assert len(protocol.request_names()) == 93
    methods = {m.name: (m.client_streaming, m.server_streaming) for m in
               device_pb2.DESCRIPTOR.services_by_name["Device"].methods}
    assert methods == {"Handle": (False, False), "Stream": (True, True)}


def test_every_implemented_request_pairs_with_a_real_response_field():
    response_fields = {f.name for f in device_pb2.Response.DESCRIPTOR.oneofs_by_name["response"].fields}
    requests = set(protocol.request_names())
    for req, resp in protocol.RESPONSE_FIELD.items():
        assert req in requests
        assert resp is None or resp in response_fields
