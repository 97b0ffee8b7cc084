"""ASGI middleware around the conforming simulator: the traps of Laravel, the SPLP gateway and PHP.

Each one changes behaviour on the wire only (the simulator itself stays clean); see servers.py for
the `Recorder` that proves a trap was sprung.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.traps.servers import Recorder, Recording

BOM = b"\xef\xbb\xbf"
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


# --------------------------------------------------------------------------- middleware helpers
def _wants_json(scope: dict[str, Any]) -> bool:
    """Laravel's `expectsJson()` / `wantsJson()`: an Accept header naming JSON."""
    accept = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"accept"), "")
    return "/json" in accept or "+json" in accept


async def _buffered(app: Any, scope: dict[str, Any], receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run `app` and collect its whole answer: (status, headers, body)."""
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start.get("status", 500), list(start.get("headers", [])), b"".join(chunks)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _answer(response: Response, scope: dict[str, Any], receive: Receive, send: Send) -> None:
    await response(scope, receive, send)


# --------------------------------------------------------------------------- trap 3
LOGIN_PAGE = "<!doctype html><html><head><title>Masuk</title></head><body><form>Masuk ke LAPOR!</form></body></html>"


class LaravelRedirects:
    """Laravel's web behaviour around the simulator.

    A request that does not ask for JSON gets, instead of a 422, a 302 back to the previous page,
    and instead of a 401 a 302 to the login page; both pages answer 200 HTML.
    `always`: redirect invalid input (422) even when JSON is asked for (a defect).
    `back_to`: the previous page's URL; Laravel writes it absolute from APP_URL, so a misconfigured
    APP_URL sends the client (and, if it follows, its credentials) to another origin.
    """

    def __init__(self, app: Any, *, always: bool = False, back_to: str = "/") -> None:
        self.app, self.always, self.back_to = app, always, back_to

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in ("/", "/login"):
            await _answer(HTMLResponse(LOGIN_PAGE), scope, receive, send)
            return
        status, headers, body = await _buffered(self.app, scope, receive)
        wants_json = _wants_json(scope)
        if status == 422 and (self.always or not wants_json):
            await _answer(RedirectResponse(self.back_to, status_code=302), scope, receive, send)
        elif status == 401 and not wants_json:
            await _answer(RedirectResponse("/login", status_code=302), scope, receive, send)
        else:
            await _send(send, status, headers, body)


# --------------------------------------------------------------------------- trap 4
def foreign_listener(recorder: Recorder) -> Any:
    """Another origin on loopback: answers anything with a harmless JSON page and records it all."""

    async def anything(request: Request) -> Response:
        return JSONResponse({"results": {"data": [], "next_page_url": None}})

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    return Recording(Starlette(routes=[Route("/{path:path}", anything, methods=methods)]), recorder)


def _next_page_links(body: Any, rewrite: Callable[[str], str]) -> Any:
    results = body.get("results") if isinstance(body, dict) else None
    if isinstance(results, dict) and isinstance(results.get("next_page_url"), str):
        results["next_page_url"] = rewrite(results["next_page_url"])
    return body


class RewriteJson:
    """Rewrites JSON answers of the wrapped app: `rewrite(path, body) -> body`."""

    def __init__(self, app: Any, rewrite: Callable[[str, Any], Any]) -> None:
        self.app, self.rewrite = app, rewrite

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, headers, body = await _buffered(self.app, scope, receive)
        try:
            document = json.loads(body)
        except ValueError:
            await _send(send, status, headers, body)
            return
        await _send(send, status, headers, json.dumps(self.rewrite(scope["path"], document)).encode())


def next_page_url_spellings(app: Any, foreign_origin: str) -> Any:
    """`next_page_url` written three ways, one per list operation.

    - institutions: the same path on another origin (another loopback port): outside the base;
    - follow-ups: same origin, but dot segments climb out of the base path: outside the base;
    - templates: relative to the request (`?page=2&page_size=5`), as some paginators write it: fine.
    """

    def rewrite(path: str, body: Any) -> Any:
        if path.endswith("/masters/institutions/external"):
            return _next_page_links(body, lambda url: re.sub(r"^https?://[^/]+", foreign_origin, url))
        if path.endswith("/followups"):
            return _next_page_links(body, lambda url: url.replace("/integration/api/v3/",
                                                                  "/integration/api/v3/../../../internal/", 1))
        return _next_page_links(body, lambda url: "?" + url.split("?", 1)[1] if "?" in url else url)

    return RewriteJson(app, rewrite)


# --------------------------------------------------------------------------- trap 5
GATEWAY_MISSING_CREDENTIALS = {
    "code": "900902", "message": "Missing Credentials",
    "description": "Invalid Credentials. Make sure your API invocation call has a header: 'auth : Bearer ACCESS_TOKEN'",
}
GATEWAY_TIMEOUT = {"code": "101504", "message": "Runtime Error", "description": "Send timeout"}
GATEWAY_BACKEND_DOWN = {
    "code": "101503", "message": "Runtime Error",
    "description": "Error connecting to the back end",
}


def _header(scope: dict[str, Any], name: str) -> str | None:
    wanted = name.lower().encode("latin-1")
    return next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == wanted), None)


class Gateway:
    """The SPLP gateway in front of the simulator (WSO2-style error bodies `{code, message, description}`).

    - a request without a bearer key never reaches the API: 401 with the gateway's body;
    - the requests with a bearer key (to a path that is up) numbered in `throttle` (1-based) get 429
      with `Retry-After: 1`;
    - those numbered in `unavailable` get 503 with the gateway's body (no Retry-After);
    - every request whose path ends with `down_suffix` gets 503, always (a back end that is down);
    - the first request with a key whose path ends with `timeout_suffix` gets a 504 with the gateway's body.
    `answered` lists [method, path, query, status, throttling number] of every request, in order.
    """

    def __init__(self, app: Any, *, throttle: tuple[int, ...] = (), unavailable: tuple[int, ...] = (),
                 down_suffix: str | None = None, timeout_suffix: str | None = None) -> None:
        self.app, self.throttle, self.unavailable, self.down_suffix = app, throttle, unavailable, down_suffix
        self.timeout_suffix = timeout_suffix
        self.answered: list[list[Any]] = []
        self._lock = threading.Lock()
        self._with_key = 0

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with self._lock:  # the harness sends one request at a time; the lock keeps the numbers exact anyway
            bearer = _header(scope, "auth") or _header(scope, "authorization")
            down = bool(self.down_suffix and scope["path"].endswith(self.down_suffix))
            number = 0
            if bearer and not down:
                self._with_key += 1
                number = self._with_key
            entry = [scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"), 0, number]
            self.answered.append(entry)
        response: Response | None = None
        if not bearer:
            response = JSONResponse(GATEWAY_MISSING_CREDENTIALS, status_code=401)
        elif number in self.throttle:
            response = JSONResponse({"code": "900800", "message": "Message throttled out",
                                     "description": "You have exceeded your quota"},
                                    status_code=429, headers={"Retry-After": "1"})
        elif number in self.unavailable or down:
            response = JSONResponse(GATEWAY_BACKEND_DOWN, status_code=503)
        elif self.timeout_suffix and scope["path"].endswith(self.timeout_suffix):
            self.timeout_suffix = None  # once
            response = JSONResponse(GATEWAY_TIMEOUT, status_code=504)
        if response is not None:
            entry[3] = response.status_code
            await _answer(response, scope, receive, send)
            return
        status, headers, body = await _buffered(self.app, scope, receive)
        entry[3] = status
        await _send(send, status, headers, body)


class JsonWithBom:
    """Every JSON body starts with a UTF-8 BOM (a PHP file saved "UTF-8 with BOM" before `<?php`).

    `numeric_ids`: also write every numeric-looking string `id` as a JSON number (LAPOR-DATA-001).
    """

    def __init__(self, app: Any, *, numeric_ids: bool = False) -> None:
        self.app, self.numeric_ids = app, numeric_ids

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, headers, body = await _buffered(self.app, scope, receive)
        content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
        if b"json" in content_type.lower() and body and not body.startswith(BOM):
            if self.numeric_ids:
                body = json.dumps(_numeric_ids(json.loads(body))).encode()
            body = BOM + body
        await _send(send, status, headers, body)


def _numeric_ids(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (int(v) if k == "id" and isinstance(v, str) and v.isdigit() else _numeric_ids(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_numeric_ids(item) for item in node]
    return node
