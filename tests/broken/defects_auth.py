"""Defects of credential handling beyond a missing or wrong one (tests/broken/variants.py names them):
credentials echoed only where a quick look misses them (URL-encoded, in a header, base64 in a cookie), key/token
pairs mixed across institutions, credentials compared on a prefix only, and empty values taken for none."""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

from tests.broken.defects_wire import simulator_of
from tests.broken.middleware import RewriteRequestHeaders


class _PatchAnswer:
    """Lets `patch(request_headers, status, response_headers, body) -> (response_headers, body)` change
    every answer of `app` (bodies buffered whole; content-length kept right)."""

    def __init__(self, app: Any, patch: Any) -> None:
        self.app, self.patch = app, patch

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers, body = self.patch(request, start["status"], headers, b"".join(chunks))
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def refusal_echoes_key(app: Any, credentials: dict[str, str]) -> Any:
    """A refused call's message names the bearer value it got, URL-encoded: only the auth probes' answers
    (401) carry it, never an accepted answer."""
    def patch(request: dict[str, str], status: int, headers: list, body: bytes) -> tuple[list, bytes]:
        bearer = request.get("authorization", request.get("auth", ""))
        if status == 401 and bearer:
            document = json.loads(body)
            document["message"] = f"{document.get('message', '')} [{urllib.parse.quote(bearer, safe='')}]"
            body = json.dumps(document).encode()
        return headers, body

    return _PatchAnswer(app, patch)


def echoes_second_token(app: Any, credentials: dict[str, str]) -> Any:
    """Answers to another issued institution (the second one) carry its token in a debug header."""
    others = {c.token for c in simulator_of(app).all_credentials} - {credentials["token"]}

    def patch(request: dict[str, str], status: int, headers: list, body: bytes) -> tuple[list, bytes]:
        token = request.get("token", "")
        if token in others:
            headers.append((b"x-debug-token", token.encode("latin-1")))
        return headers, body

    return _PatchAnswer(app, patch)


def accepts_mixed_credentials(app: Any, credentials: dict[str, str]) -> Any:
    """Key and token are checked each on its own: any issued key with any issued token is accepted, as the
    token's institution."""
    issued = simulator_of(app).all_credentials

    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        by_token = next((c for c in issued if c.token == headers.get("token")), None)
        bearer_name = "authorization" if "authorization" in headers else "auth"
        keys = {f"Bearer {c.api_key}" for c in issued}
        if by_token is not None and headers.get(bearer_name) in keys:
            headers[bearer_name] = f"Bearer {by_token.api_key}"
        return headers

    return RewriteRequestHeaders(app, rewrite)


def _issued(app: Any) -> tuple[Any, ...]:
    return simulator_of(app).all_credentials


def token_prefix_compare(app: Any, credentials: dict[str, str]) -> Any:
    """The token is compared on all but its last character (a fixed-length compare one short): a token of the
    right length whose first N−1 characters are an issued token's is taken for that token."""
    issued = [c.token for c in _issued(app)]

    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        token = headers.get("token", "")
        match = next((t for t in issued if len(token) == len(t) and token[:-1] == t[:-1]), None)
        if match is not None:
            headers["token"] = match
        return headers

    return RewriteRequestHeaders(app, rewrite)


KEY_COMPARED_CHARACTERS = 40


def key_prefix_compare(app: Any, credentials: dict[str, str]) -> Any:
    """The bearer key is compared on its first 40 characters only (a short column, a truncating compare): a key
    of the right length that starts like an issued one is taken for it."""
    issued = [c.api_key for c in _issued(app)]

    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        for name in ("authorization", "auth"):
            value = headers.get(name, "")
            given = value[len("Bearer "):] if value.startswith("Bearer ") else ""
            match = next((k for k in issued if given and len(given) == len(k)
                          and given[:KEY_COMPARED_CHARACTERS] == k[:KEY_COMPARED_CHARACTERS]), None)
            if match is not None:
                headers[name] = f"Bearer {match}"
        return headers

    return RewriteRequestHeaders(app, rewrite)


def empty_token_accepted(app: Any, credentials: dict[str, str]) -> Any:
    """An empty `token:` header is read as "not given" and the institution's default token is used (a missing
    header is still refused)."""
    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        if "token" in headers and not headers["token"].strip():
            headers["token"] = credentials["token"]
        return headers

    return RewriteRequestHeaders(app, rewrite)


def empty_bearer_accepted(app: Any, credentials: dict[str, str]) -> Any:
    """`Authorization: Bearer ` with no key is read as "not given" and the default key is used (a missing header
    is still refused)."""
    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        for name in ("authorization", "auth"):
            if name in headers and headers[name].strip().lower() in ("", "bearer"):
                headers[name] = f"Bearer {credentials['api_key']}"
        return headers

    return RewriteRequestHeaders(app, rewrite)


def token_in_cookie_base64(app: Any, credentials: dict[str, str]) -> Any:
    """Every answer sets a session cookie: base64 of `sesi:<the token it got>`, URL-encoded as PHP's setcookie()
    does (the token starts 5 bytes in, so its base64 is not that of the token alone)."""
    def patch(request: dict[str, str], status: int, headers: list, body: bytes) -> tuple[list, bytes]:
        token = request.get("token", "")
        if token:
            value = urllib.parse.quote(base64.b64encode(f"sesi:{token}".encode()).decode(), safe="")
            headers.append((b"set-cookie", f"lapor_session={value}; Path=/; HttpOnly".encode("latin-1")))
        return headers, body

    return _PatchAnswer(app, patch)
