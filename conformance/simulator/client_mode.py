"""Client mode: the simulator plays LAPOR for an agency's application and records what it does.

`start_client_simulator()` serves the reference app (app.py, unchanged) wrapped by client_app.py's
ClientModeApp on two loopback listeners: the main one, whose base URL the agency's app is pointed
at (`http://127.0.0.1:PORT/integration/api/v3`, the path of the LAPOR training host), with the
control endpoints under /_simulator (control.py); and a "foreign" one on another port, which a
scenario can make `next_page_url` point at. `serve_recording()` is `lapor-conformance simulate
--record FILE`: the same, in the foreground, streaming every exchange to FILE.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.i18n import t
from conformance.simulator.app import Credentials, create_app
from conformance.simulator.client_app import DEFAULT_PACK, ClientModeApp, ClientState
from conformance.simulator.control import CONTROL_HEADER, CONTROL_PREFIX, LaporActions, control_app
from conformance.simulator.recorder import Recorder
from conformance.simulator.server import (SimulatorHandle, _bind, _normalize, _require_loopback, credentials_from_env,
                                          serve_app, serve_until_interrupted)
from conformance.simulator.shapes import origin_of

__all__ = ["ClientModeApp", "ClientSimulatorHandle", "ClientState", "DEFAULT_PACK", "serve_recording",
           "start_client_simulator"]


# ---------------------------------------------------------------------- running
@dataclass(kw_only=True)
class ClientSimulatorHandle(SimulatorHandle):
    """A running client-mode simulator: `base_url` is what the agency's app must point at."""

    foreign_base_url: str
    control_key: str
    state: ClientState

    @property
    def origin(self) -> str:
        return origin_of(self.base_url)

    @property
    def control_url(self) -> str:
        return self.origin + CONTROL_PREFIX

    @property
    def recorder(self) -> Recorder:
        return self.state.recorder

    @property
    def actions(self) -> LaporActions:
        return self.state.actions

    def control_headers(self) -> dict[str, str]:
        return {CONTROL_HEADER: self.control_key}


def start_client_simulator(host: str = "127.0.0.1", port: int = 0, db_path: str | Path | None = None,
                           credentials: Credentials | dict[str, str] | tuple[str, str] | None = None,
                           bearer_header: str = "both", record_path: str | Path | None = None,
                           log_level: str = "critical", pack_dir: Path = DEFAULT_PACK,
                           control_key: str | None = None) -> ClientSimulatorHandle:
    """Start the main listener (`port`, 0 = free) and the foreign one (always a free port)."""
    _require_loopback(host)
    creds = _normalize(credentials)
    tempdir = None
    if db_path is None:
        tempdir = tempfile.mkdtemp(prefix="lapor-client-sim-")
        db_path = os.path.join(tempdir, "simulator.sqlite3")
    main_sock = _bind(host, port)
    foreign_sock = _bind(host, 0)
    app = create_app(db_path, creds, bearer_header=bearer_header, spec_path=pack_dir / "openapi.yaml")
    # A scratch database for one session: no fsync per commit (WAL keeps it consistent).
    app.state.simulator.store._query("PRAGMA synchronous=NORMAL")  # noqa: SLF001
    recorder = Recorder([creds.api_key, creds.token], sink=record_path)
    state = ClientState(app, recorder, pack_dir)
    key = control_key or secrets.token_urlsafe(18)
    url_host = f"[{host}]" if ":" in host else host
    state.main_origin = f"http://{url_host}:{main_sock.getsockname()[1]}"
    state.foreign_origin = f"http://{url_host}:{foreign_sock.getsockname()[1]}"
    servers, threads = [], []
    try:
        for application, sock, name in (
                (ClientModeApp(app, state, "main", control_app(state, key)), main_sock, "lapor-client-sim"),
                (ClientModeApp(app, state, "foreign"), foreign_sock, "lapor-client-sim-foreign")):
            server, thread = serve_app(application, sock, log_level, name)
            servers.append(server)
            threads.append(thread)
    except BaseException:
        for server in servers:
            server.should_exit = True
        raise
    base_path = state.validator.base_path
    return ClientSimulatorHandle(state.main_origin + base_path, creds, str(db_path), bearer_header, servers, threads,
                                 state.sim.store, tempdir, foreign_base_url=state.foreign_origin + base_path,
                                 control_key=key, state=state)


def serve_recording(port: int = 8750, db_path: str | None = None, bearer_header: str = "both",
                    host: str = "127.0.0.1", record_path: str = "lapor-traffic.jsonl") -> int:
    """CLI `lapor-conformance simulate --record FILE`: the simulator in recording mode, until Ctrl+C."""
    credentials, from_env = credentials_from_env()
    handle = start_client_simulator(host=host, port=port, db_path=db_path, credentials=credentials,
                                    bearer_header=bearer_header, record_path=record_path, log_level="warning")
    details = (t("client.record.file", path=str(Path(record_path).resolve())),
               t("client.record.control", url=handle.control_url + "/traffic", header=CONTROL_HEADER,
                 control_key=handle.control_key))
    return serve_until_interrupted(handle, from_env, db_path is not None, intro=(t("client.record.banner"),),
                                   details=details)
