"""Emulated user terminals: the dish's local API (``SpaceX.API.Device.Device`` — ``Handle`` and ``Stream`` —
plaintext gRPC with server reflection v1 and v1alpha, and gRPC-Web) answered from a simulated terminal's living
state, so community clients work unmodified.

The pieces, one concern each: ``protocol`` (the real dish's descriptors), ``timebase`` (per-second clock and ring
buffers), ``settings`` (config the user changes), ``telemetry`` (a terminal's seconds as the dish shows them),
``messages`` (protocol messages from them), ``handlers`` (request → response), ``transport`` (gRPC) and ``grpcweb``."""

from __future__ import annotations

import time

from leonet.dish.grpcweb import GrpcWebServer
from leonet.dish.handlers import Dispatcher
from leonet.dish.protocol import API_VERSION
from leonet.dish.telemetry import DishTelemetry
from leonet.dish.transport import start_grpc

DishView = DishTelemetry  # the name the CLI and older callers use


def serve(views: list[tuple], host: str = "127.0.0.1") -> list:
    """Start each dish: ``(telemetry, grpc_port)`` or ``(telemetry, grpc_port, web_port)`` (web_port None: no
    gRPC-Web). Returns the servers (each has ``stop(grace)``)."""
    servers: list = []
    try:
        for item in views:
            view, port = item[0], item[1]
            web_port = item[2] if len(item) > 2 else None
            dispatcher = Dispatcher(view)
            servers.append(start_grpc(dispatcher, port, host))
            if web_port is not None:
                servers.append(GrpcWebServer(dispatcher, web_port, host))
    except OSError:
        for s in servers:
            s.stop(0)
        raise
    return servers


def wait_forever(servers: list) -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        for s in servers:
            s.stop(1)


__all__ = ["API_VERSION", "DishView", "serve", "wait_forever"]
