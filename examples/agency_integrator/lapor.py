"""The LAPOR v3 client of the sample integrator (plain httpx).

Careful by design, and each care is one overridable method, so tests can break one at a time:
- every call carries both credentials and `Accept: application/json` (`headers`);
- redirects are never followed, and a `next_page_url` outside the configured base is not called
  with credentials: its page is asked of the configured base instead (`next_url`);
- reads are retried on 429/5xx, timeouts and dropped connections; writes only when LAPOR surely
  did not act (429, 503, connection refused) — anything else raises `Ambiguous` (`may_retry`);
- retries wait `Retry-After`, else an exponential back-off (`retry_delay`);
- lists are read until `next_page_url` is null (`pages`);
- the new complaint id is read from `results.complaint.id` or `complaint_id` (`created_id`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from examples.agency_integrator.config import Config

NOT_PROCESSED = (429, 503)           # the gateway / LAPOR refused before acting
TRANSIENT = (429, 500, 502, 503, 504)
MAX_PAGES = 1000


class LaporError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class Ambiguous(Exception):
    """The request may have been acted on, but no answer arrived: do not repeat it blindly."""


class LaporClient:
    def __init__(self, config: Config, sleep: Any = time.sleep) -> None:
        self.config = config
        self.sleep = sleep
        self.http = httpx.Client(timeout=config.timeout_s, follow_redirects=False)
        self.base = config.base_url.rstrip("/")

    def close(self) -> None:
        self.http.close()

    # ---------------------------------------------------------------- policy
    def headers(self, method: str) -> dict[str, str]:
        return {self.config.bearer_header: f"Bearer {self.config.api_key}", "token": self.config.token,
                "Accept": "application/json"}

    def may_retry(self, idempotent: bool, status: int | None, error: Exception | None) -> bool:
        if isinstance(error, httpx.ConnectError):
            return True                      # nothing was sent
        if error is not None:
            return idempotent                # sent, answer lost: only reads are safe to repeat
        if status in NOT_PROCESSED:
            return True
        return idempotent and status in TRANSIENT

    def retry_delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = self.config.retry_base_s * (2 ** (attempt - 1))
        return max(backoff, retry_after) if retry_after is not None else backoff

    def next_url(self, current: str, next_page_url: str) -> str | None:
        """Stay on the configured base: a link elsewhere is re-based, never followed with credentials."""
        if next_page_url.startswith(self.base + "/"):
            return next_page_url
        link, here = urlsplit(next_page_url), urlsplit(current)
        return f"{here.scheme}://{here.netloc}{here.path}?{link.query}" if link.query else None

    def created_id(self, body: dict[str, Any]) -> str | None:
        complaint = (body.get("results") or {}).get("complaint") if isinstance(body.get("results"), dict) else None
        if isinstance(complaint, dict) and complaint.get("id") is not None:
            return str(complaint["id"])
        return str(body["complaint_id"]) if body.get("complaint_id") is not None else None

    def file_parts(self, field: str, files: list[tuple[str, str, bytes]]) -> list[tuple[str, tuple[str, bytes, str]]]:
        """Multipart file parts: always with a filename (PHP sees a part without one as text)."""
        return [(field.format(index=i), (name, data, kind)) for i, (name, kind, data) in enumerate(files)]

    # ---------------------------------------------------------------- sending
    def request(self, method: str, url: str, *, idempotent: bool, **kwargs: Any) -> dict[str, Any]:
        url = url if url.startswith("http") else self.base + url
        for attempt in range(1, self.config.max_attempts + 1):
            error: Exception | None = None
            response = None
            try:
                response = self.http.request(method, url, headers=self.headers(method), **kwargs)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                error = exc
            status = response.status_code if response is not None else None
            if response is not None and 200 <= response.status_code < 300:
                try:
                    return response.json()
                except ValueError as exc:
                    raise LaporError(response.status_code, "answer is not JSON") from exc
            last = attempt == self.config.max_attempts
            if last or not self.may_retry(idempotent, status, error):
                if error is not None:
                    if isinstance(error, httpx.ConnectError) or idempotent:
                        raise LaporError(0, f"{type(error).__name__}") from error
                    raise Ambiguous(f"{method} {url}: {type(error).__name__}") from error
                if not idempotent and status in TRANSIENT and status not in NOT_PROCESSED:
                    raise Ambiguous(f"{method} {url}: HTTP {status}")
                raise LaporError(status or 0, _message(response))
            self.sleep(self.retry_delay(attempt, _retry_after(response)))
        raise LaporError(0, "no attempt made")  # pragma: no cover

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        url = self.base + path + (f"?{urlencode(params)}" if params else "")
        for _ in range(MAX_PAGES):
            body = self.request("GET", url, idempotent=True)
            results = body.get("results") or {}
            yield [item for item in results.get("data") or [] if isinstance(item, dict)]
            link = results.get("next_page_url")
            following = self.next_url(url, link) if isinstance(link, str) and link else None
            if following is None:
                return
            url = following

    # ---------------------------------------------------------------- operations
    def institutions(self) -> list[dict[str, Any]]:
        return [row for page in self.pages("/masters/institutions/external", {"page_size": 1000}) for row in page]

    def templates(self) -> list[dict[str, Any]]:
        return [row for page in self.pages("/masters/templates", {"page_size": 1000}) for row in page]

    def upload(self, files: list[tuple[str, str, bytes]]) -> list[str]:
        body = self.request("POST", "/complaints/complaint/file", idempotent=True,  # orphan documents are harmless
                            files=self.file_parts("attachments[]", files))
        return [str(doc["id"]) for doc in (body.get("results") or {}).get("docs") or []]

    def create(self, fields: dict[str, Any]) -> str:
        body = self.request("POST", "/complaints/complaint", idempotent=False, json=fields)
        complaint_id = self.created_id(body)
        if complaint_id is None:  # created, but we cannot tell which complaint it is
            raise Ambiguous("create answered 2xx without a complaint id")
        return complaint_id

    def reroute(self, complaint_id: str, institution_id: str, note: str) -> None:
        self.request("POST", f"/complaints/process/{complaint_id}/reject", idempotent=False,
                     json={"is_request": 1, "reason": institution_id, "reason_description": note, "not_authority": 1})

    def detail(self, complaint_id: str) -> dict[str, Any]:
        return (self.request("GET", f"/complaints/{complaint_id}/complaint", idempotent=True).get("results") or {})

    def followup_pages(self, complaint_id: str) -> Iterator[list[dict[str, Any]]]:
        return self.pages(f"/complaints/{complaint_id}/followups", {"page": 1})

    def add_followup(self, fields: dict[str, Any], files: list[tuple[str, str, bytes]]) -> None:
        # Every field as a multipart part (httpx would send text-only forms urlencoded): text parts
        # have no filename, file parts always have one.
        parts: list[tuple[str, Any]] = [(name, (None, str(value))) for name, value in fields.items()
                                        if value is not None]
        self.request("POST", "/complaints/followup/add", idempotent=False,
                     files=parts + self.file_parts("attachment[{index}]", files))


def _retry_after(response: httpx.Response | None) -> float | None:
    value = response.headers.get("retry-after") if response is not None else None
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        try:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None


def _message(response: httpx.Response | None) -> str:
    if response is None:
        return "no answer"
    try:
        return str(response.json().get("message", ""))[:200]
    except (ValueError, AttributeError):
        return response.text[:200]

