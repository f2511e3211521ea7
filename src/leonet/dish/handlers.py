"""Requests → responses for one dish: every request of the real ``Request`` oneof is either answered with the
dish's behaviour or refused with UNIMPLEMENTED naming it. Transport-free: gRPC, the ``Stream`` RPC and gRPC-Web
all call :meth:`Dispatcher.handle`."""

from __future__ import annotations

import grpc

from leonet.dish import messages
from leonet.dish.protocol import API_VERSION, RESPONSE_FIELD, device_pb2, dish_pb2, status_pb2
from leonet.dish.settings import ConfigError


class DishError(Exception):
    """A request the dish refuses: a gRPC status code and the dish's message."""

    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Dispatcher:
    """Answers ``Request`` messages from a dish's telemetry view (``leonet.dish.telemetry.DishTelemetry``) and its
    user settings (``view.settings``)."""

    def __init__(self, view):
        self.view = view

    @property
    def serial(self) -> str:
        return self.view.serial

    def handle(self, request: device_pb2.Request) -> device_pb2.Response:
        kind = request.WhichOneof("request")
        if kind is None:
            raise DishError(grpc.StatusCode.INVALID_ARGUMENT, "Request carries no command (its 'request' oneof is "
                                                              "empty)")
        method = getattr(self, f"_{kind}", None)
        if method is None or kind not in RESPONSE_FIELD:
            raise DishError(grpc.StatusCode.UNIMPLEMENTED, f"{kind} is not implemented by this device (leonet's "
                                                           f"emulated dish {self.serial})")
        resp = device_pb2.Response(id=request.id, api_version=API_VERSION, status=status_pb2.Status())
        with self.view.lock:  # status/history/context built from one consistent state of the buffers
            body = method(getattr(request, kind))
        field = RESPONSE_FIELD[kind]
        if field is not None:
            getattr(resp, field).CopyFrom(body)
        return resp

    # -- reads ----------------------------------------------------------------------------------------------------
    def _get_status(self, _req):
        return messages.status(self.view)

    def _get_history(self, _req):
        return messages.history(self.view)

    def _get_device_info(self, _req):
        return device_pb2.GetDeviceInfoResponse(device_info=messages.device_info(self.view))

    def _get_location(self, _req):
        if not self.view.settings.location_allowed():
            raise DishError(grpc.StatusCode.PERMISSION_DENIED, "location access is disabled: enable local location "
                                                               "access (dish_set_config location_request_mode LOCAL)")
        return messages.location(self.view)

    def _dish_get_context(self, _req):
        return messages.context(self.view)

    def _dish_get_obstruction_map(self, _req):
        return messages.obstruction_map(self.view)

    def _get_diagnostics(self, _req):
        return messages.diagnostics(self.view)

    def _time(self, _req):
        return device_pb2.GetTimeResponse(unix_nano=int(self.view.now_utc().timestamp() * 1e9))

    def _dish_get_config(self, _req):
        return dish_pb2.DishGetConfigResponse(dish_config=self.view.settings.get_config())

    # -- changes (history is brought up to now first, so earlier seconds keep the state they had) -----------------
    def _dish_set_config(self, req):
        self.view.flush()
        try:
            updated = self.view.settings.set_config(req.dish_config)
        except ConfigError as exc:
            raise DishError(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
        return dish_pb2.DishSetConfigResponse(updated_dish_config=updated)

    def _dish_power_save(self, req):
        self.view.flush()
        try:
            self.view.settings.power_save(req.power_save_start_minutes, req.power_save_duration_minutes,
                                          req.enable_power_save)
        except ConfigError as exc:
            raise DishError(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
        return None

    def _dish_inhibit_gps(self, req):
        self.view.flush()
        return dish_pb2.DishInhibitGpsResponse(inhibit_gps=self.view.settings.set_inhibit_gps(req.inhibit_gps))

    def _dish_stow(self, req):
        self.view.flush()
        self.view.settings.stow(req.unstow)
        return dish_pb2.DishStowResponse()

    def _reboot(self, _req):
        self.view.reboot()
        return device_pb2.RebootResponse()

    def _dish_clear_obstruction_map(self, _req):
        self.view.clear_obstruction_map()
        return dish_pb2.DishClearObstructionMapResponse()
