"""Defects of authentication, envelope, data and paging (tests/broken/variants.py names them)."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any, Callable

from tests.broken.middleware import EchoRequestHeader, RewriteJsonResponse, RewriteRequestHeaders

DETAIL_PATH = re.compile(r"/complaints/\d+/complaint$")


def simulator_of(app: Any) -> Any:
    return app.state.simulator


def results_of(body: Any) -> dict[str, Any]:
    value = body.get("results") if isinstance(body, dict) else None
    return value if isinstance(value, dict) else {}


class Answer:
    """Answers requests matching `predicate(method, path)` itself with (status, body); others pass through."""

    def __init__(self, app: Any, predicate: Callable[[str, str], bool], status: int, body: dict[str, Any]) -> None:
        self.app, self.predicate, self.status, self.body = app, predicate, status, body

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.predicate(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        while (await receive()).get("more_body"):
            pass
        payload = json.dumps(self.body).encode()
        await send({"type": "http.response.start", "status": self.status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


# ------------------------------------------------------------------------------ authentication
def accepts_without_token(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        headers.setdefault("token", credentials["token"])  # a missing token is silently accepted
        return headers

    return RewriteRequestHeaders(app, rewrite)


def accepts_without_bearer(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        if "authorization" not in headers and "auth" not in headers:
            headers["authorization"] = f"Bearer {credentials['api_key']}"
        return headers

    return RewriteRequestHeaders(app, rewrite)


def accepts_wrong_token(app: Any, credentials: dict[str, str]) -> Any:
    known = {credentials["token"], *(c.token for c in simulator_of(app).all_credentials)}

    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        if headers.get("token") and headers["token"] not in known:  # an empty one is no token (LAPOR-AUTH-001)
            headers["token"] = credentials["token"]  # any token will do, as long as there is one
        return headers

    return RewriteRequestHeaders(app, rewrite)


class _ComplaintRoutesReadAuthOnly:
    """Master data takes the key in `Authorization`, complaint routes only in `auth` (two back ends behind
    one gateway): the run starts, then the profile's own credentials are refused."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and "/complaints/" in scope["path"]:
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"])
        await self.app(scope, receive, send)


def ignores_authorization_header(app: Any, credentials: dict[str, str]) -> Any:
    return _ComplaintRoutesReadAuthOnly(app)


def echoes_token(app: Any, credentials: dict[str, str]) -> Any:
    return EchoRequestHeader(app, "token")


# ------------------------------------------------------------------------------ envelope, data
def reroute_without_envelope(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        if path.endswith("/reject") and "results" in body:
            return {"status": True, "message": body.get("message"), **body["results"]}
        return body

    return RewriteJsonResponse(app, rewrite)


def templates_data_as_object(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        results = results_of(body)
        if path.endswith("/masters/templates") and isinstance(results.get("data"), list):
            results["data"] = {str(item.get("id")): item for item in results["data"]}
        return body

    return RewriteJsonResponse(app, rewrite)


def detail_without_data_logs(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        results = results_of(body)
        if DETAIL_PATH.search(path) and "data_logs" in results:
            results["logs"] = results.pop("data_logs")
        return body

    return RewriteJsonResponse(app, rewrite)


def detail_without_status_code(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if DETAIL_PATH.search(path) and isinstance(data, dict):
            data.pop("status_code", None)
        return body

    return RewriteJsonResponse(app, rewrite)


def followup_dates_iso(app: Any, credentials: dict[str, str]) -> Any:
    def iso(value: Any) -> Any:
        try:
            return dt.datetime.strptime(value, "%d-%m-%Y %H:%M:%S").strftime("%Y-%m-%dT%H:%M:%S+07:00")
        except (TypeError, ValueError):
            return value

    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if path.endswith("/followups") and isinstance(data, list):
            for entry in data:
                if isinstance(entry, dict):
                    entry["created_at"] = iso(entry.get("created_at"))
        return body

    return RewriteJsonResponse(app, rewrite)


def templates_without_type(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if path.endswith("/masters/templates") and isinstance(data, list):
            for item in data:
                item.pop("type", None)
        return body

    return RewriteJsonResponse(app, rewrite)


def numeric_ids(app: Any, credentials: dict[str, str]) -> Any:
    def numeric(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (int(v) if k == "id" and isinstance(v, str) and v.isdigit() else numeric(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [numeric(item) for item in node]
        return node

    return RewriteJsonResponse(app, lambda path, query, body: numeric(body))


def followup_ids_unstable(app: Any, credentials: dict[str, str]) -> Any:
    sim, original = simulator_of(app), simulator_of(app).log_entry

    def log_entry(row: dict[str, Any], base_url: str) -> dict[str, Any]:
        entry = original(row, base_url)
        entry["id"] = str(secrets.randbelow(10 ** 9) + 1)  # a fresh id on every read
        return entry

    sim.log_entry = log_entry
    return app


def timestamps_in_utc(app: Any, credentials: dict[str, str]) -> Any:
    def utc(value: Any) -> Any:
        try:
            moment = dt.datetime.strptime(value, "%d-%m-%Y %H:%M:%S") - dt.timedelta(hours=7)
        except (TypeError, ValueError):
            return value
        return moment.strftime("%d-%m-%Y %H:%M:%S")

    def rewrite(path: str, query: str, body: Any) -> Any:
        results = results_of(body)
        for key in ("data", "data_logs"):
            entries = results.get(key)
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and "created_at" in entry:
                    entry["created_at"] = utc(entry["created_at"])
        return body

    return RewriteJsonResponse(app, rewrite)


# ------------------------------------------------------------------------------ paging
def next_page_url_dropped_early(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        results = body.get("results") if isinstance(body, dict) else None
        if isinstance(results, dict) and results.get("next_page_url"):
            following = re.search(r"[?&]page=(\d+)", results["next_page_url"])
            # The page before the last one claims to be the last.
            if following and _is_last_page(app, path, results, int(following.group(1))):
                results["next_page_url"] = None
        return body

    return RewriteJsonResponse(app, rewrite)


def _is_last_page(app: Any, path: str, results: dict[str, Any], following_page: int) -> bool:
    total = results.get("total")
    per_page = results.get("per_page")
    if isinstance(total, int) and isinstance(per_page, int) and per_page > 0:
        return following_page * per_page >= total
    return True


def followups_without_next_page_url(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        if path.endswith("/followups"):
            results_of(body).pop("next_page_url", None)
        return body

    return RewriteJsonResponse(app, rewrite)


def pages_overlap(app: Any, credentials: dict[str, str]) -> Any:
    """Every page after the first repeats the last item of the page before it (an off-by-one offset)."""
    sim, original = simulator_of(app), simulator_of(app).page

    def page(request: Any, fetch: Any, number: int, size: int, keep_size: bool) -> dict[str, Any]:
        if number <= 1:
            return original(request, fetch, number, size, keep_size)
        return original(request, lambda offset, limit: fetch(offset - 1, limit), number, size, keep_size)

    sim.page = page
    return app


def masters_ignore_page_size(app: Any, credentials: dict[str, str]) -> Any:
    sim, original = simulator_of(app), simulator_of(app).page

    def page(request: Any, fetch: Any, number: int, size: int, keep_size: bool) -> dict[str, Any]:
        if request.url.path.endswith("/masters/institutions/external"):
            size = 15  # validated, then ignored: always the default page size
        return original(request, fetch, number, size, keep_size)

    sim.page = page
    return app


def next_page_url_elsewhere(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        results = results_of(body)
        if isinstance(results.get("next_page_url"), str):
            results["next_page_url"] = re.sub(r"^https?://[^/]+", "https://lapor.example.net", results["next_page_url"])
        return body

    return RewriteJsonResponse(app, rewrite)


# ------------------------------------------------------------------------------ dates, page size
LAPOR_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4}) (\d{2}:\d{2}:\d{2})$")


def dates_month_first(app: Any, credentials: dict[str, str]) -> Any:
    """Every date the simulator writes comes out m-d-Y: `12-04-2026 10:00:00` for 4 December. A day above 12
    makes it no d-m-Y date at all; a day up to 12 makes it another, valid date months away (a day equal to
    the month hides it: the seeded complaint's log, dated the 20th, then still shows it)."""
    def month_first(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: month_first(value) for key, value in node.items()}
        if isinstance(node, list):
            return [month_first(item) for item in node]
        if isinstance(node, str):
            return LAPOR_DATE.sub(r"\2-\1-\3 \4", node)
        return node

    return RewriteJsonResponse(app, lambda path, query, body: month_first(body))


DEFAULT_PAGE_SIZE = 15


def page_size_only_first_page(app: Any, credentials: dict[str, str]) -> Any:
    """Master lists honour page_size on page 1 only: from page 2 on they page by the default size (15), both
    the offset and the count, so a walk by `page_size=20` repeats items and one by `page_size=10` skips some."""
    sim, original = simulator_of(app), simulator_of(app).page

    def page(request: Any, fetch: Any, number: int, size: int, keep_size: bool) -> dict[str, Any]:
        if number >= 2 and "/masters/" in request.url.path:
            size = DEFAULT_PAGE_SIZE
        return original(request, fetch, number, size, keep_size)

    sim.page = page
    return app


def next_page_url_forgets_page_size(app: Any, credentials: dict[str, str]) -> Any:
    """Master lists' next_page_url carries the page number only (Laravel's paginate() without appends()): a
    client following it gets pages of the default size from page 2 on and never sees some items."""
    sim, original = simulator_of(app), simulator_of(app).page

    def page(request: Any, fetch: Any, number: int, size: int, keep_size: bool) -> dict[str, Any]:
        return original(request, fetch, number, size, False if "/masters/" in request.url.path else keep_size)

    sim.page = page
    return app
