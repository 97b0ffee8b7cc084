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
            check_access(base_url, pack, credentials)
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


def check_access(base_url: str, pack: Any, credentials: Credentials) -> None:
    """One read-only call with each credential set of the profile before any test.

    Wrong credentials or a wrong base path would otherwise surface as a long list of findings
    against the integration; they are a set-up problem, so they stop the run with exit 2. The
    second institution's too: refused, it would silently leave every check that needs it unexercised.
    """
    path = _read_only_probe_path(pack)
    if path is None:
        return
    url = base_url.rstrip("/") + path
    accounts = [("auth", credentials.headers(), credentials.api_key_variable, credentials.token_variable)]
    if credentials.second_api_key and credentials.second_token:
        accounts.append(("auth.second_institution",
                         {credentials.bearer_header: f"Bearer {credentials.second_api_key}",
                          "token": credentials.second_token},
                         credentials.second_api_key_variable, credentials.second_token_variable))
    for field, headers, key_variable, token_variable in accounts:
        status, not_api = _read_only_answer(url, headers)
        if status is not None and 200 <= status < 300 and not_api:
            raise UserError("run.target_not_api", status=status, url=url, field=field, content_type=not_api)
        if status in (401, 403):
            raise UserError("run.credentials_rejected", status=status, url=url, header=credentials.bearer_header,
                            field=field, key_variable=key_variable or "?", token_variable=token_variable or "?")
        if status == 404 or (status is not None and 300 <= status < 400):
            raise UserError("run.base_path_wrong", status=status, url=url)


def _read_only_answer(url: str, headers: dict[str, str]) -> tuple[int | None, str]:
    """(status, content type when the answer is no JSON at all, e.g. a portal's or gateway's HTML page, else "")."""
    try:
        with httpx.Client(timeout=PREFLIGHT_TIMEOUT_S, follow_redirects=False) as client:
            response = client.get(url, params={"page_size": 1}, headers={"Accept": "application/json", **headers})
    except httpx.HTTPError:
        return None, ""  # reachability was checked already; a flaky answer is the suites' business
    try:
        response.json()
        return response.status_code, ""
    except ValueError:  # also a body that is not UTF-8
        return response.status_code, response.headers.get("content-type") or "?"


def _read_only_probe_path(pack: Any) -> str | None:
    operation_id = ((pack.meta.get("roles") or {}).get("operations") or {}).get("list_institutions")
    for path, item in (pack.openapi.get("paths") or {}).items():
        operation = (item or {}).get("get")
        if isinstance(operation, dict) and operation.get("operationId") == operation_id and "{" not in path:
            return path
    return None


def preflight(base_url: str) -> None:
    """Fail early, with a clear message, when the target cannot be reached at all: why in words (the
    host name does not resolve, the connection was refused, timed out), else the exception's name."""
    import socket

    from conformance.i18n import t

    try:
        with httpx.Client(timeout=PREFLIGHT_TIMEOUT_S, follow_redirects=False) as client:
            client.get(base_url.rstrip("/") + "/", headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        causes, cause = [], error  # httpx wraps httpcore, which wraps the socket's own error
        while cause is not None and len(causes) < 10:
            causes.append(cause)
            cause = cause.__cause__ or cause.__context__
        if isinstance(error, httpx.TimeoutException):
            detail = t("run.target_unreachable.timeout", seconds=PREFLIGHT_TIMEOUT_S)
        elif any(isinstance(c, socket.gaierror) for c in causes):
            detail = t("run.target_unreachable.dns")
        elif any(isinstance(c, ConnectionRefusedError) for c in causes):
            detail = t("run.target_unreachable.refused")
        else:
            detail = type(error).__name__
        raise UserError("run.target_unreachable", url=base_url, detail=detail) from None
