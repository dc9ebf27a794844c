"""A small keep-alive HTTP/1.1 client over a raw socket: cheap enough not to be the bottleneck."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

IDLE_RECONNECT = (
    4.0  # gunicorn closes keep-alive connections idle for 5 s (site_config/gunicorn.py)
)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Connection:
    """One keep-alive connection to 127.0.0.1:port; reconnects when the server closed it."""

    def __init__(self, port: int, *, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._last_used = 0.0

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._buffer = b""
        return sock

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> Response:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        head += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        return self.send_raw(raw)

    def send_raw(self, raw: bytes) -> Response:
        """Send a prepared request; retry once on a fresh connection if a reused one was dead."""
        now = time.monotonic()
        if self._sock is not None and now - self._last_used > IDLE_RECONNECT:
            self.close()
        reused = self._sock is not None
        try:
            response = self._exchange(raw)
        except (ConnectionError, EmptyResponse):
            self.close()
            if not reused:
                raise
            response = self._exchange(raw)
        self._last_used = time.monotonic()
        return response

    def _exchange(self, raw: bytes) -> Response:
        sock = self._sock or self._connect()
        sock.sendall(raw)
        while b"\r\n\r\n" not in self._buffer:
            self._fill(sock)
        head, _, rest = self._buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        cookies: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie_name, _, cookie_value = value.split(";", 1)[0].partition("=")
                cookies[cookie_name] = cookie_value
            headers[name] = value
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            rest += self._recv(sock)
        self._buffer = rest[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Response(status, headers, cookies, rest[:length])

    def _fill(self, sock: socket.socket) -> None:
        self._buffer += self._recv(sock)

    def _recv(self, sock: socket.socket) -> bytes:
        chunk = sock.recv(65536)
        if not chunk:
            raise EmptyResponse
        return chunk


class EmptyResponse(Exception):
    """The server closed the connection before answering."""
