"""Run the simulator: in a background thread (tests, the harness) or in the foreground (CLI `simulate`).

Only loopback addresses are allowed. Without an explicit database file a temporary one is used and
removed on stop. Credentials: given, else env LAPOR_API_KEY / LAPOR_TOKEN, else ephemeral ones shaped
like the real ones (a 60-character `$2y$10$...` key and a `{8-4-4-4-12}` uppercase token). `simulate`
also serves a second institution's set (env LAPOR_B_API_KEY / LAPOR_B_TOKEN, else ephemeral), confined
to that institution as the embedded simulator confines a profile's `auth.second_institution`.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import shutil
import socket
import string
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from conformance.errors import UserError
from conformance.i18n import t
from conformance.loopback import is_loopback_host
from conformance.simulator.app import Credentials, create_app
from conformance.simulator.seed import PADANG_ID

_BCRYPT_ALPHABET = string.ascii_letters + string.digits + "./"


def ephemeral_credentials() -> Credentials:
    key = "$2y$10$" + "".join(secrets.choice(_BCRYPT_ALPHABET) for _ in range(53))
    token = "{" + str(uuid.UUID(bytes=secrets.token_bytes(16))).upper() + "}"
    return Credentials(api_key=key, token=token)


def credentials_from_env(key_variable: str = "LAPOR_API_KEY", token_variable: str = "LAPOR_TOKEN",
                         institution_id: str | None = None) -> tuple[Credentials, bool]:
    """(credentials, taken_from_env). Both variables must be set to be used."""
    key, token = os.environ.get(key_variable), os.environ.get(token_variable)
    if key and token:
        return Credentials(api_key=key, token=token, institution_id=institution_id), True
    ephemeral = ephemeral_credentials()
    return Credentials(ephemeral.api_key, ephemeral.token, institution_id), False


def quiet_library_logging() -> None:
    """python-multipart logs a warning for every body it cannot parse ("Found invalid character 13 in
    header at 95"); the harness sends such bodies on purpose, and the simulator answers them with 400.
    Its records would land among the run's progress lines (logging's last-resort handler), so only its
    errors are let through. The harness's own output does not go through logging."""
    for name in ("python_multipart", "multipart"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _require_loopback(host: str) -> None:
    if not is_loopback_host(host):
        raise UserError("simulator.error.not_loopback", host=host)


def _normalize(credentials: Credentials | dict[str, str] | tuple[str, str] | None) -> Credentials:
    if credentials is None:
        return ephemeral_credentials()
    if isinstance(credentials, dict):
        return Credentials(credentials["api_key"], credentials["token"])
    if isinstance(credentials, tuple):
        return Credentials(*credentials)
    return credentials


class Listeners:
    """uvicorn servers on their threads, sharing one simulator store: stopped together, once.
    Both simulator handles (this module's and client_mode's) are Listeners."""

    _servers: list[uvicorn.Server]
    _threads: list[threading.Thread]
    _store: Any
    _tempdir: str | None
    _stopped: bool

    def running(self) -> bool:
        return all(thread.is_alive() for thread in self._threads)

    def wait(self) -> None:
        """Until a listener ends (or Ctrl+C, which the caller handles)."""
        while self.running():
            self._threads[0].join(timeout=0.5)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for server in self._servers:
            server.should_exit = True
        for thread in self._threads:
            thread.join(timeout=10)
        self._store.close()
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)

    def __enter__(self):  # noqa: ANN204 (the subclass's own type)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class SimulatorHandle(Listeners):
    """A running simulator. `base_url` includes /integration/api/v3."""

    base_url: str
    credentials: Credentials
    db_path: str
    bearer_header: str
    _servers: list[uvicorn.Server]
    _threads: list[threading.Thread]
    _store: Any
    _tempdir: str | None = None
    _stopped: bool = field(default=False)

    @property
    def origin(self) -> str:
        return self.base_url.split("/integration/")[0]

    def headers(self, header: str | None = None) -> dict[str, str]:
        """Request headers that authenticate against this simulator (in `header`, else the one it expects)."""
        name = header or ("Authorization" if self.bearer_header == "both" else self.bearer_header)
        return {name: f"Bearer {self.credentials.api_key}", "token": self.credentials.token}


def serve_app(app: Any, sock: socket.socket, log_level: str, name: str) -> tuple[uvicorn.Server, threading.Thread]:
    """Serve `app` on the bound socket from a daemon thread; return once it accepts connections."""
    quiet_library_logging()
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.should_exit = True
        raise RuntimeError(f"{name} did not start")
    return server, thread


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only when the proto says TCP;
    # without it every keep-alive response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise UserError("simulator.error.port_in_use", host=host, port=port) from None
        if error.errno == errno.EACCES:
            raise UserError("simulator.error.port_denied", host=host, port=port) from None
        raise UserError("simulator.error.bind", host=host, port=port, reason=error.strerror or str(error)) from error
    except OverflowError:  # a port beyond 65535 (the CLI refuses it earlier)
        sock.close()
        raise UserError("cli.error.port", value=port) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def start_in_thread(host: str = "127.0.0.1", port: int = 0, db_path: str | Path | None = None,
                    credentials: Credentials | dict[str, str] | tuple[str, str] | None = None,
                    bearer_header: str = "both", log_level: str = "warning",
                    extra_credentials: Any = ()) -> SimulatorHandle:
    """Start the simulator on a background thread and wait until it accepts connections.

    An embedded simulator (inside a run) uses log_level="error": fuzzed requests that the HTTP
    parser refuses are expected there and must not clutter the run's console.
    `extra_credentials`: further credential sets, each tied to an institution (see app.create_app),
    e.g. a profile's second institution for the object-level authorisation checks.
    """
    _require_loopback(host)
    creds = _normalize(credentials)
    sock = _bind(host, port)
    tempdir = None
    if db_path is None:
        tempdir = tempfile.mkdtemp(prefix="lapor-simulator-")
        db_path = os.path.join(tempdir, "simulator.sqlite3")
    try:
        app = create_app(db_path, creds, bearer_header=bearer_header, extra_credentials=extra_credentials)
    except BaseException:
        sock.close()
        if tempdir:
            shutil.rmtree(tempdir, ignore_errors=True)
        raise
    actual_port = sock.getsockname()[1]
    server, thread = serve_app(app, sock, log_level, "lapor-simulator")
    url_host = f"[{host}]" if ":" in host else host
    base_url = f"http://{url_host}:{actual_port}{app.state.simulator.validator.base_path}"
    return SimulatorHandle(base_url, creds, str(db_path), bearer_header, [server], [thread],
                           app.state.simulator.store, tempdir)


def serve_forever(port: int = 8750, db_path: str | None = None, bearer_header: str = "both",
                  host: str = "127.0.0.1", second_institution: str = PADANG_ID) -> int:
    """CLI `lapor-conformance simulate`: print how to connect, then serve until interrupted.

    Two credential sets, as a profile's `auth` and `auth.second_institution` expect them: the agency's
    own (unrestricted) and `second_institution`'s, which sees and acts only on that institution's
    complaints, so a profile whose base_url points here can run the object-level authorisation checks."""
    credentials, from_env = credentials_from_env()
    second, second_from_env = credentials_from_env("LAPOR_B_API_KEY", "LAPOR_B_TOKEN", second_institution)
    if (second.api_key, second.token) == (credentials.api_key, credentials.token):
        raise UserError("simulator.error.second_same_as_first")
    handle = start_in_thread(host=host, port=port, db_path=db_path, credentials=credentials,
                             bearer_header=bearer_header, extra_credentials=[second])
    return serve_until_interrupted(handle, from_env, db_path is not None, second=(second, second_from_env))


def serve_until_interrupted(handle: SimulatorHandle, from_env: bool, own_database: bool,
                            intro: tuple[str, ...] = (), details: tuple[str, ...] = (),
                            second: tuple[Credentials, bool] | None = None) -> int:
    """Print how to connect (`intro` after the title, `details` before the database line), serve until
    Ctrl+C, stop. Ephemeral credentials are shown: a developer has to configure the app with them.
    `second`: a second institution's credentials and whether they came from the environment."""
    names = {"Authorization": ["Authorization"], "auth": ["auth"], "both": ["Authorization", "auth"]}[handle.bearer_header]
    lines = [t("simulator.banner.title"), *intro, t("simulator.banner.base_url", url=handle.base_url),
             t("simulator.banner.bearer_headers", headers=", ".join(f"{h}: Bearer <key>" for h in names)),
             t("simulator.banner.token_header")]
    if from_env:
        lines.append(t("simulator.banner.credentials_env"))
    else:
        lines += [t("simulator.banner.credentials_ephemeral"), f"  export LAPOR_API_KEY='{handle.credentials.api_key}'",
                  f"  export LAPOR_TOKEN='{handle.credentials.token}'"]
    if second is not None:
        other, other_from_env = second
        if other_from_env:
            lines.append(t("simulator.banner.second_env", institution_id=other.institution_id))
        else:
            lines += [t("simulator.banner.second_ephemeral", institution_id=other.institution_id),
                      f"  export LAPOR_B_API_KEY='{other.api_key}'", f"  export LAPOR_B_TOKEN='{other.token}'"]
    lines += [*details, t("simulator.banner.database", path=handle.db_path if own_database
                          else t("simulator.banner.temporary")), t("simulator.banner.stop")]
    print("\n".join(lines), flush=True)
    try:
        handle.wait()
    except KeyboardInterrupt:
        print(t("simulator.banner.stopping"), file=sys.stderr, flush=True)
    finally:
        handle.stop()
    return 0
