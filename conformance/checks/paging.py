"""Paging checks for lists that carry `results.next_page_url` (Laravel-paginator style)."""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from conformance.checks.base import Observation, Outcome, check, failed, passed, read_json, results_of


def _page(observation: Observation) -> tuple[list[Any], Any, bool] | None:
    """(data, next_page_url, has_next_key) of an accepted paged answer, else None."""
    if not observation.accepted:
        return None
    body = observation.json()
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, dict) or "next_page_url" not in results:
        return None
    data = results.get("data")
    return (data if isinstance(data, list) else [], results.get("next_page_url"), True)


def _query_int(observation: Observation, name: str, default: int | None) -> int | None:
    value = (observation.case.query or {}).get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@check("page_size_honoured")
def page_size_honoured(observation: Observation) -> list[Outcome]:
    page = _page(observation)
    size = _query_int(observation, "page_size", None)
    if page is None or size is None or size < 1:
        return []
    if len(page[0]) > size:
        return [failed("page_size_honoured", f"page_size={size} tetapi {len(page[0])} butir / but {len(page[0])} items")]
    return [passed("page_size_honoured")]


@check("paging_link_within_base")
def paging_link_within_base(observation: Observation) -> list[Outcome]:
    page = _page(observation)
    if page is None or not page[1]:
        return []
    base = observation.session.context.base_url.rstrip("/") + "/"
    target = urljoin(observation.response.request.url if observation.response.request else base, str(page[1]))
    if not within_base(target, base):
        return [failed("paging_link_within_base",
                       f"next_page_url {target} di luar base {base} — kredensial tidak dikirim ke sana / "
                       "outside the configured base; credentials are not sent there")]
    return [passed("paging_link_within_base")]


DEFAULT_PORTS = {"http": 80, "https": 443}


def within_base(url: str, base: str) -> bool:
    """Is `url` under `base` the way a server would resolve it, not merely by its spelling?

    Same scheme, host and effective port, no userinfo, and a path that stays under the base path
    once percent-decoded and rid of dot segments (`/v3/../../admin` climbs out of `/v3/`).
    """
    try:
        link, root = urlsplit(url.strip()), urlsplit(base)
        link_port = link.port or DEFAULT_PORTS.get(link.scheme.lower())
        root_port = root.port or DEFAULT_PORTS.get(root.scheme.lower())
    except ValueError:  # an invalid port, an unbalanced IPv6 bracket
        return False
    if link.scheme.lower() != root.scheme.lower() or link.username is not None or link.password is not None:
        return False
    if (link.hostname or "") != (root.hostname or "") or link_port != root_port:
        return False
    return _clean_path(link.path).startswith(_clean_path(root.path))


def _clean_path(path: str) -> str:
    """Percent-decoded, `\\` read as `/`, dot segments resolved, ending in exactly one `/`."""
    decoded = unquote(path).replace("\\", "/")
    return posixpath.normpath("/" + decoded.lstrip("/")).rstrip("/") + "/"


@check("last_page_is_last")
def last_page_is_last(observation: Observation) -> list[Outcome]:
    page = _page(observation)
    if page is None or page[1] is not None or not page[0]:
        return []
    current = _query_int(observation, "page", 1) or 1
    params = dict(observation.case.query or {})
    params["page"] = current + 1
    response = observation.session.resend(observation.case, params=params)
    if response is None:
        return []  # no real answer beyond the last page: nothing proven either way
    if not 200 <= response.status_code < 300:
        return [passed("last_page_is_last")]
    beyond = results_of(read_json(response)).get("data") or []
    if beyond:
        return [failed("last_page_is_last",
                       f"halaman {current} berkata next_page_url=null, tetapi halaman {current + 1} memuat "
                       f"{len(beyond)} butir / page {current} says next_page_url=null but page {current + 1} "
                       f"has {len(beyond)} items")]
    return [passed("last_page_is_last")]


MAX_WALK_PAGES = 30
MIN_WALK_PAGE_SIZE = 5  # smaller pages would cost too many requests per case


@check("paging_walk_complete")
def paging_walk_complete(observation: Observation) -> list[Outcome]:
    """From page 1, walk every page: no item may appear twice."""
    page = _page(observation)
    size = _query_int(observation, "page_size", None)
    if page is None or not page[1] or _query_int(observation, "page", 1) != 1:
        return []
    if size is not None and size < MIN_WALK_PAGE_SIZE:
        return []
    pages = [page[0]]
    params = dict(observation.case.query or {})
    while len(pages) < MAX_WALK_PAGES:
        response = observation.session.resend(observation.case, params={**params, "page": len(pages) + 1})
        if response is None or response.status_code != 200:
            return []
        results = results_of(read_json(response))
        pages.append(results.get("data") or [])
        if not results.get("next_page_url"):
            break
    seen: dict[str, int] = {}
    for number, items in enumerate(pages, 1):
        for item in items:
            key = str(item.get("id")) if isinstance(item, dict) and "id" in item else repr(item)
            if key in seen:
                return [failed("paging_walk_complete",
                               f"butir {key} muncul di halaman {seen[key]} dan {number} / "
                               f"item {key} appears on page {seen[key]} and page {number}")]
            seen[key] = number
    return [passed("paging_walk_complete")]
