"""A tiny HTTP endpoint per flow, so the harness can trigger the app with an `http` flow.

POST /demo/intake, /lapor/forward, /lapor/poll, /lapor/reply → runs the flow synchronously and
answers {"ok": true, "result": ...}. Loopback only; one flow at a time.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from examples.agency_integrator.integrator import Integrator

ROUTES = {"/demo/intake": "intake_demo", "/lapor/forward": "forward", "/lapor/poll": "poll", "/lapor/reply": "reply"}


def make_server(integrator: Integrator, port: int = 0) -> ThreadingHTTPServer:
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            flow = ROUTES.get(self.path.split("?")[0])
            if flow is None:
                self._answer(404, {"ok": False, "error": "unknown flow"})
                return
            with lock:
                try:
                    result: Any = getattr(integrator, flow)()
                except Exception as error:  # noqa: BLE001 - report the bug to the caller
                    self._answer(500, {"ok": False, "error": f"{type(error).__name__}: {error}"})
                    return
            self._answer(200, {"ok": True, "result": result})

        def _answer(self, status: int, document: dict[str, Any]) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def serve_forever(integrator: Integrator, port: int) -> int:
    server = make_server(integrator, port)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    print("agency_integrator: POST " + ", ".join(origin + path for path in ROUTES), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
