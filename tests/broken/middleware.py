"""ASGI middleware that gives the conforming simulator one defect.

Working at the HTTP layer keeps the simulator itself clean and makes each defect a real
behaviour on the wire: requests and responses are rewritten, nothing is mocked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


class RewriteRequestHeaders:
    """Changes request headers before the simulator sees them."""

    def __init__(self, app: Any, rewrite: Callable[[dict[str, str]], dict[str, str]]) -> None:
        self.app, self.rewrite = app, rewrite

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
            headers = self.rewrite(headers)
            scope = dict(scope, headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()])
        await self.app(scope, receive, send)


class RewriteJsonResponse:
    """Rewrites JSON response bodies: `rewrite(path, query_string, body) -> body`."""

    def __init__(self, app: Any, rewrite: Callable[[str, str, Any], Any]) -> None:
        self.app, self.rewrite = app, rewrite

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            try:
                document = json.loads(body)
            except ValueError:
                document = None
            if document is not None:
                query = scope.get("query_string", b"").decode("latin-1")
                body = json.dumps(self.rewrite(scope["path"], query, document)).encode()
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


class EchoRequestHeader:
    """Appends a request header's value to the JSON `message` of every answer (a leak)."""

    def __init__(self, app: Any, header: str) -> None:
        self.app, self.header = app, header.lower().encode("latin-1")

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        value = next((v.decode("latin-1") for k, v in scope["headers"] if k.lower() == self.header), "")

        def rewrite(path: str, query: str, body: Any) -> Any:
            if isinstance(body, dict) and isinstance(body.get("message"), str) and value:
                body["message"] = f"{body['message']} ({value})"
            return body

        await RewriteJsonResponse(self.app, rewrite)(scope, receive, send)


class RewriteQuery:
    """Changes the query string of requests whose path ends with `suffix` before the simulator sees it."""

    def __init__(self, app: Any, suffix: str, rewrite: Callable[[list[tuple[str, str]]], list[tuple[str, str]]]) -> None:
        self.app, self.suffix, self.rewrite = app, suffix, rewrite

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].endswith(self.suffix):
            from urllib.parse import parse_qsl, urlencode

            pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            scope = dict(scope, query_string=urlencode(self.rewrite(pairs)).encode("latin-1"))
        await self.app(scope, receive, send)


class ReplaceContentType:
    """Answers with another Content-Type header (the body is unchanged)."""

    def __init__(self, app: Any, content_type: bytes, suffix: str = "") -> None:
        self.app, self.content_type, self.suffix = app, content_type, suffix

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith(self.suffix):
            await self.app(scope, receive, send)
            return

        async def patched(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-type"]
                message = {**message, "headers": [*headers, (b"content-type", self.content_type)]}
            await send(message)

        await self.app(scope, receive, patched)


class AddResponseHeaders:
    """Adds `extra(scope, status) -> [(name, value)]` to the headers of every answer (the body is unchanged)."""

    def __init__(self, app: Any, extra: Callable[[dict[str, Any], int], list[tuple[bytes, bytes]]]) -> None:
        self.app, self.extra = app, extra

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def patched(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                added = self.extra(scope, message["status"])
                message = {**message, "headers": [*message.get("headers", []), *added]}
            await send(message)

        await self.app(scope, receive, patched)


class ReplaceAnswer:
    """Lets the app answer in full (so whatever it does is done), then sends (status, body) instead when
    `replace(scope, status)` says so."""

    def __init__(self, app: Any, replace: Callable[[dict[str, Any], int], bool], status: int,
                 body: dict[str, Any]) -> None:
        self.app, self.replace, self.status, self.body = app, replace, status, body

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}

        async def patched(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                if not self.replace(scope, message["status"]):
                    await send(message)
                return
            if not self.replace(scope, start["status"]):
                await send(message)
            elif not message.get("more_body"):
                payload = json.dumps(self.body).encode()
                await send({"type": "http.response.start", "status": self.status,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(payload)).encode())]})
                await send({"type": "http.response.body", "body": payload})

        await self.app(scope, receive, patched)
