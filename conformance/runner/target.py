"""The target of a run: the built-in simulator (started here, stopped after) or a remote base URL."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from conformance.errors import UserError
from conformance.profiles.secrets import Credentials

SIMULATOR = "simulator"
PREFLIGHT_TIMEOUT_S = 10


@contextlib.contextmanager
def target_base_url(base_url: str, credentials: Credentials, pack: Any = None) -> Iterator[str]:
    """The base URL the suites call. For the simulator, the profile's credentials are its accounts:
    the agency's own (unrestricted) and, when the profile names one, the second institution's,
    confined to that institution so the object-level authorisation checks have someone to refuse."""
    if base_url != SIMULATOR:
        preflight(base_url)
        if pack is not None:
            check_access(base_url, pack, {credentials.bearer_header: f"Bearer {credentials.api_key}",
                                          "token": credentials.token})
        yield base_url.rstrip("/")
        return
    from conformance.simulator.server import start_in_thread

    extra = []
    if credentials.second_institution_id and credentials.second_api_key:
        extra.append({"api_key": credentials.second_api_key, "token": credentials.second_token,
                      "institution_id": credentials.second_institution_id})
    with tempfile.TemporaryDirectory(prefix="lapor-sim-") as scratch:
        handle = start_in_thread(db_path=str(Path(scratch) / "lapor.sqlite3"),
                                 credentials={"api_key": credentials.api_key, "token": credentials.token},
                                 bearer_header=credentials.bearer_header, log_level="error",
                                 extra_credentials=extra)
        try:
            yield handle.base_url
        finally:
            handle.stop()


def check_access(base_url: str, pack: Any, headers: dict[str, str]) -> None:
    """One read-only call with the profile's credentials before any test.

    Wrong credentials or a wrong base path would otherwise surface as a long list of findings
    against the integration; they are a set-up problem, so they stop the run with exit 2.
    """
    path = _read_only_probe_path(pack)
    if path is None:
        return
    url = base_url.rstrip("/") + path
    try:
        with httpx.Client(timeout=PREFLIGHT_TIMEOUT_S, follow_redirects=False) as client:
            response = client.get(url, params={"page_size": 1}, headers={"Accept": "application/json", **headers})
    except httpx.HTTPError:
        return  # reachability was checked already; a flaky answer is the suites' business
    if response.status_code in (401, 403):
        raise UserError("run.credentials_rejected", status=response.status_code, url=url,
                        header=next(iter(headers)))
    if response.status_code == 404 or 300 <= response.status_code < 400:
        raise UserError("run.base_path_wrong", status=response.status_code, url=url)


def _read_only_probe_path(pack: Any) -> str | None:
    operation_id = ((pack.meta.get("roles") or {}).get("operations") or {}).get("list_institutions")
    for path, item in (pack.openapi.get("paths") or {}).items():
        operation = (item or {}).get("get")
        if isinstance(operation, dict) and operation.get("operationId") == operation_id and "{" not in path:
            return path
    return None


def preflight(base_url: str) -> None:
    """Fail early, with a clear message, when the target cannot be reached at all."""
    try:
        with httpx.Client(timeout=PREFLIGHT_TIMEOUT_S, follow_redirects=False) as client:
            client.get(base_url.rstrip("/") + "/", headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise UserError("run.target_unreachable", url=base_url, detail=type(error).__name__) from None
