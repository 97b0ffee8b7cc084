"""The catalogue of broken variants: name → (how to break the simulator, requirement it breaks)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from tests.broken.middleware import EchoRequestHeader, RewriteJsonResponse, RewriteRequestHeaders


@dataclass(frozen=True)
class Variant:
    name: str
    requirement: str
    description: str
    wrap: Callable[[Any, dict[str, str]], Any]  # (app, credentials) -> app
    max_examples: int = 5
    stateful: bool = False


def _accepts_without_token(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(headers: dict[str, str]) -> dict[str, str]:
        headers.setdefault("token", credentials["token"])  # a missing token is silently accepted
        return headers

    return RewriteRequestHeaders(app, rewrite)


def _numeric_ids(app: Any, credentials: dict[str, str]) -> Any:
    def numeric(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (int(v) if k == "id" and isinstance(v, str) and v.isdigit() else numeric(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [numeric(item) for item in node]
        return node

    return RewriteJsonResponse(app, lambda path, query, body: numeric(body))


def _next_page_url_dropped_early(app: Any, credentials: dict[str, str]) -> Any:
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


def _echoes_token(app: Any, credentials: dict[str, str]) -> Any:
    return EchoRequestHeader(app, "token")


VARIANTS = [
    Variant("accepts-without-token", "LAPOR-AUTH-001", "a call without the token header is accepted",
            _accepts_without_token),
    Variant("numeric-ids", "LAPOR-DATA-001", "ids are returned as JSON numbers", _numeric_ids),
    Variant("next-page-url-dropped-early", "LAPOR-PAGE-002", "next_page_url is null one page early",
            _next_page_url_dropped_early),
    Variant("echoes-token", "LAPOR-AUTH-005", "the token header is echoed in the response message",
            _echoes_token),
]
