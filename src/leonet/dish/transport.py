"""The dish's gRPC face: ``SpaceX.API.Device.Device`` with unary ``Handle`` and the bidirectional ``Stream``
(ToDevice → FromDevice, what the mobile app uses), plaintext, and server reflection in both versions clients use
(``grpc.reflection.v1alpha`` and ``grpc.reflection.v1``), serving the real dish's descriptors (with json_name)."""

from __future__ import annotations

import functools
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection
from grpc_reflection.v1alpha import reflection_pb2 as refl_pb2
from grpc_reflection.v1alpha import reflection_pb2_grpc as refl_grpc

from leonet.dish.handlers import DishError, Dispatcher
from leonet.dish.protocol import SERVICE, device_pb2, device_pb2_grpc, dump_files, status_pb2

REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"


def _v1_file() -> descriptor_pb2.FileDescriptorProto:
    """grpc/reflection/v1/reflection.proto: v1alpha renamed (same messages and wire format)."""
    fdp = descriptor_pb2.FileDescriptorProto()
    refl_pb2.DESCRIPTOR.CopyToProto(fdp)
    fdp.name, fdp.package = "grpc/reflection/v1/reflection.proto", "grpc.reflection.v1"
    old, new = ".grpc.reflection.v1alpha.", ".grpc.reflection.v1."
    for msg in fdp.message_type:
        for f in (f for f in msg.field if f.HasField("type_name")):
            f.type_name = f.type_name.replace(old, new)
    for m in fdp.service[0].method:
        m.input_type, m.output_type = m.input_type.replace(old, new), m.output_type.replace(old, new)
    return fdp


@functools.cache
def reflection_pool() -> descriptor_pool.DescriptorPool:
    """The descriptors reflection serves, in a pool of their own: the dish's files (as generated from its dump,
    json_name included) and both reflection services."""
    pool = descriptor_pool.DescriptorPool()
    default = descriptor_pool.Default()
    for name in [f.name for f in dump_files()]:  # the dump lists files dependencies first
        fdp = descriptor_pb2.FileDescriptorProto()
        default.FindFileByName(name).CopyToProto(fdp)
        pool.Add(fdp)
    alpha = descriptor_pb2.FileDescriptorProto()
    refl_pb2.DESCRIPTOR.CopyToProto(alpha)
    pool.Add(alpha)
    pool.Add(_v1_file())
    return pool


class DeviceService(device_pb2_grpc.DeviceServicer):
    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher

    def Handle(self, request, context):  # noqa: N802 - gRPC method name
        try:
            return self.dispatcher.handle(request)
        except DishError as exc:
            context.abort(exc.code, exc.message)

    def Stream(self, request_iterator, context):  # noqa: N802 - gRPC method name
        """Each ToDevice request answered in order; a refused request answers with ``Response.status`` set (the
        stream stays open, as for the app), a health check with a health check."""
        for msg in request_iterator:
            kind = msg.WhichOneof("message")
            if kind == "health_check":
                yield device_pb2.FromDevice(health_check=device_pb2.HealthCheck())
            elif kind == "request":
                try:
                    resp = self.dispatcher.handle(msg.request)
                except DishError as exc:
                    resp = device_pb2.Response(id=msg.request.id, status=status_pb2.Status(
                        code=exc.code.value[0], message=exc.message))
                yield device_pb2.FromDevice(response=resp)


def _reflection_handlers(server: grpc.Server) -> None:
    names = (SERVICE, reflection.SERVICE_NAME, REFLECTION_V1)
    servicer = reflection.ReflectionServicer(names, pool=reflection_pool())
    refl_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    v1 = grpc.method_handlers_generic_handler(REFLECTION_V1, {
        "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
            servicer.ServerReflectionInfo, request_deserializer=refl_pb2.ServerReflectionRequest.FromString,
            response_serializer=refl_pb2.ServerReflectionResponse.SerializeToString)})
    server.add_generic_rpc_handlers((v1,))


def start_grpc(dispatcher: Dispatcher, port: int, host: str = "127.0.0.1") -> grpc.Server:
    """One plaintext gRPC server for one dish, reflection on."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    device_pb2_grpc.add_DeviceServicer_to_server(DeviceService(dispatcher), server)
    _reflection_handlers(server)
    if server.add_insecure_port(f"{host}:{port}") == 0:
        raise OSError(f"cannot listen on {host}:{port}")
    server.start()
    return server
