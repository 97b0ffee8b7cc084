"""The target of a run: the built-in simulator (started here, stopped after) or a remote base URL."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx

from conformance.errors import UserError

SIMULATOR = "simulator"
PREFLIGHT_TIMEOUT_S = 10


@contextlib.contextmanager
def target_base_url(base_url: str, api_key: str, token: str, bearer_header: str) -> Iterator[str]:
    if base_url != SIMULATOR:
        preflight(base_url)
        yield base_url.rstrip("/")
        return
    from conformance.simulator.server import start_in_thread

    with tempfile.TemporaryDirectory(prefix="lapor-sim-") as scratch:
        handle = start_in_thread(db_path=str(Path(scratch) / "lapor.sqlite3"),
                                 credentials={"api_key": api_key, "token": token}, bearer_header=bearer_header,
                                 log_level="error")
        try:
            yield handle.base_url
        finally:
            handle.stop()


def preflight(base_url: str) -> None:
    """Fail early, with a clear message, when the target cannot be reached at all."""
    try:
        with httpx.Client(timeout=PREFLIGHT_TIMEOUT_S, follow_redirects=False) as client:
            client.get(base_url.rstrip("/") + "/", headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise UserError("run.target_unreachable", url=base_url, detail=type(error).__name__) from None
