"""gRPC-Web for the dish (a real dish serves it on port 9201 for its web UI and browser clients): unary
``SpaceX.API.Device.Device/Handle`` over HTTP/1.1 in both encodings of the gRPC-Web protocol
(``application/grpc-web[+proto]`` binary frames and ``application/grpc-web-text`` base64), with CORS so a page from
any origin may call it. Protocol: https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-WEB.md."""

from __future__ import annotations

import base64
import struct
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc

from leonet.dish.handlers import DishError, Dispatcher
from leonet.dish.protocol import SERVICE, device_pb2

HANDLE_PATH = f"/{SERVICE}/Handle"
CORS = {"Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "content-type, x-grpc-web, x-user-agent, grpc-timeout, authorization",
        "Access-Control-Expose-Headers": "grpc-status, grpc-message", "Access-Control-Max-Age": "86400"}


def frame(payload: bytes, trailer: bool = False) -> bytes:
    """One gRPC-Web frame: flag byte (0x80 for trailers), 4-byte big-endian length, payload."""
    return struct.pack(">BI", 0x80 if trailer else 0x00, len(payload)) + payload


def unframe(body: bytes) -> list[tuple[int, bytes]]:
    """The (flag, payload) frames of a gRPC-Web body."""
    out, i = [], 0
    while i + 5 <= len(body):
        flag, n = struct.unpack(">BI", body[i:i + 5])
        out.append((flag, body[i + 5:i + 5 + n]))
        i += 5 + n
    if i != len(body):
        raise ValueError(f"truncated gRPC-Web frame at byte {i} of {len(body)}")
    return out


def _decode_text(body: bytes) -> bytes:
    """grpc-web-text bodies are base64, possibly several padded chunks back to back."""
    out, rest = b"", body.strip()
    while rest:
        end = rest.find(b"=")
        if end < 0:
            out += base64.b64decode(rest)
            break
        end = end + 1 if rest[end + 1:end + 2] != b"=" else end + 2
        out += base64.b64decode(rest[:end])
        rest = rest[end:]
    return out


def _trailers(code: int, message: str = "") -> bytes:
    """The trailer block; grpc-message percent-encodes bytes outside printable ASCII and '%' (gRPC over HTTP/2)."""
    text = "".join(ch if " " <= ch <= "~" and ch != "%" else urllib.parse.quote(ch, safe="") for ch in message)
    return f"grpc-status:{code}\r\ngrpc-message:{text}\r\n".encode()


def make_handler(dispatcher: Dispatcher) -> type[BaseHTTPRequestHandler]:
    class GrpcWebHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "leonet-dish"

        def log_message(self, fmt, *args):  # quiet: clients poll every second
            return

        def _cors(self) -> None:
            self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
            for k, v in CORS.items():
                self.send_header(k, v)

        def do_OPTIONS(self):  # noqa: N802 - http.server naming
            self.send_response(204)
            self._cors()
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):  # noqa: N802 - http.server naming
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not ctype.startswith("application/grpc-web"):
                return self._plain(415, f"Content-Type {ctype!r}: expected application/grpc-web[+proto] or "
                                        f"application/grpc-web-text")
            text = ctype.startswith("application/grpc-web-text")
            out = self._answer(_decode_text(body) if text else body)
            self.send_response(200)
            self._cors()
            self.send_header("Content-Type", "application/grpc-web-text+proto" if text else
                             "application/grpc-web+proto")
            payload = base64.b64encode(out) if text else out
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _answer(self, raw: bytes) -> bytes:
            if self.path != HANDLE_PATH:
                return frame(_trailers(grpc.StatusCode.UNIMPLEMENTED.value[0], f"unknown method {self.path}"), True)
            try:
                frames = [p for flag, p in unframe(raw) if flag == 0]
                if len(frames) != 1:
                    raise ValueError(f"expected one request message, got {len(frames)}")
                request = device_pb2.Request.FromString(frames[0])
            except Exception as exc:  # noqa: BLE001 - any decoding failure is the client's
                return frame(_trailers(grpc.StatusCode.INTERNAL.value[0], f"bad request body: {exc}"), True)
            try:
                resp = dispatcher.handle(request)
            except DishError as exc:
                return frame(_trailers(exc.code.value[0], exc.message), True)
            return frame(resp.SerializeToString()) + frame(_trailers(0), True)

        def _plain(self, code: int, message: str) -> None:
            data = message.encode()
            self.send_response(code)
            self._cors()
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return GrpcWebHandler


class GrpcWebServer:
    """A running gRPC-Web endpoint for one dish (a daemon thread); ``stop()`` closes it."""

    def __init__(self, dispatcher: Dispatcher, port: int, host: str = "127.0.0.1"):
        try:
            self.httpd = ThreadingHTTPServer((host, port), make_handler(dispatcher))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port} (gRPC-Web): {exc.strerror}") from None
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, name=f"dish-grpcweb-{port}", daemon=True)
        self.thread.start()

    def stop(self, grace=None) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
