"""The fake Bot API (fake_api.py) over HTTP, for servers that cannot reach it in process."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from telegram_login.sandbox.fake_api import FakeBotApi, api_error


class FakeBotApiServer:
    """A FakeBotApi served over HTTP on 127.0.0.1, for servers started in other processes
    (the scale-out test, the benchmark). Each call can be made to wait `delay` seconds."""

    def __init__(self, api: FakeBotApi, *, token: str) -> None:
        self.api = api
        self.delay = 0.0
        self.served = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    params = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    params = None
                time.sleep(server.delay)
                path_token, _, method = self.path.removeprefix("/bot").rpartition("/")
                if path_token != token:
                    status, body = 401, api_error(401, "Unauthorized")
                elif not isinstance(params, dict):
                    status, body = 400, api_error(400, "Bad Request: body is not a JSON object")
                else:
                    status, body = server.api.handle(method, params)
                server.served += 1
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
