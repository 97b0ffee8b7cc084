"""Sending a case the way a careful LAPOR client does.

- every request asks for JSON (`Accept: application/json`): a Laravel back end otherwise
  answers validation errors with a redirect to an HTML page;
- redirects are never followed: a 3xx is an answer to judge, and following it could carry
  the `auth`/`token` headers to another origin;
- gateway 429/503 answers are retried with back-off honouring `Retry-After`; a case that never
  gets a real answer is reported as not exercised, never as passed or failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

REQUEST_TIMEOUT_S = 20
RETRY_STATUSES = (429, 503)
MAX_ATTEMPTS = 4
MAX_RETRY_WAIT_S = 10.0


class NoRealAnswer(Exception):
    """The target (or the gateway in front of it) kept answering 429/503."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class Sender:
    base_url: str
    default_headers: dict[str, str]
    deadline: float  # time.monotonic() after which no more retries are waited for

    def headers_for(self, overrides: dict[str, str] | None = None, drop: tuple[str, ...] = ()) -> dict[str, str]:
        headers = {"Accept": "application/json", **self.default_headers, **(overrides or {})}
        dropped = {name.lower() for name in drop}
        return {name: value for name, value in headers.items() if name.lower() not in dropped}

    def send(self, case: Any, *, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None,
             attempts: int | None = None) -> Any:
        """Call `case` with our headers; raises NoRealAnswer after `attempts` (default MAX_ATTEMPTS) tries."""
        headers = headers if headers is not None else self.headers_for()
        attempts = max(1, attempts or MAX_ATTEMPTS)
        response = None
        for attempt in range(attempts):
            kwargs: dict[str, Any] = {"base_url": self.base_url, "headers": headers,
                                      "allow_redirects": False, "timeout": REQUEST_TIMEOUT_S}
            if params is not None:
                kwargs["params"] = params
            response = case.call(**kwargs)
            if response.status_code not in RETRY_STATUSES:
                return response
            wait = retry_delay(response.headers, attempt)
            if attempt == attempts - 1 or time.monotonic() + wait > self.deadline:
                break
            time.sleep(wait)
        raise NoRealAnswer(response.status_code if response is not None else 0)


def retry_delay(headers: Any, attempt: int) -> float:
    value = _header(headers, "retry-after")
    if value:
        try:
            return min(max(float(value), 0.0), MAX_RETRY_WAIT_S)
        except ValueError:
            pass  # an HTTP-date; fall back to exponential back-off
    return min(0.25 * (2 ** attempt), MAX_RETRY_WAIT_S)


def _header(headers: Any, name: str) -> str | None:
    for key, value in dict(headers or {}).items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) else value
    return None
