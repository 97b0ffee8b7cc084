"""Paging checks for lists that carry `results.next_page_url` (Laravel-paginator style).

Which requirement a paging defect breaks depends on its cause, so the checks share what they read:
a page that does not hold `page_size` items (more on any page, fewer on one that is not the last) is
LAPOR-PAGE-003's finding, on every page walked and on the page probed beyond the last; the repeated or
skipped items that follow from it are not blamed on LAPOR-PAGE-002 (data beyond the last page) or
LAPOR-PAGE-004 (each item exactly once).
"""

from __future__ import annotations

import posixpath
from typing import Any
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

from conformance.checks.base import Observation, Outcome, check, failed, passed, read_json, results_of

PAGE_BEYOND, PAGE_SIZE = "LAPOR-PAGE-002", "LAPOR-PAGE-003"  # last_page_is_last names which one it judged


def _page(observation: Observation) -> tuple[list[Any], Any, bool] | None:
    """(data, next_page_url, has_next_key) of an accepted paged answer, else None."""
    if not observation.accepted:
        return None
    body = observation.json()
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, dict) or "next_page_url" not in results:
        return None
    data = results.get("data")
    if not isinstance(data, list):
        return None  # not a list of items (LAPOR-ENV-002's finding): nothing to count or walk
    return (data, results.get("next_page_url"), True)


def _query_int(observation: Observation, name: str, default: int | None) -> int | None:
    value = (observation.case.query or {}).get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _size_problem(pages: list[tuple[list[Any], Any]], size: int, first: int) -> str | None:
    """Why the first of `pages` ((data, next_page_url), numbered from `first`) that breaks `page_size` does."""
    for number, (items, next_url) in enumerate(pages, first):
        if len(items) > size:
            return (f"page_size={size} tetapi halaman {number} memuat {len(items)} butir / but page {number} has "
                    f"{len(items)} items")
        if next_url and len(items) != size:
            return (f"page_size={size} tetapi halaman {number} memuat {len(items)} butir padahal bukan halaman "
                    f"terakhir (next_page_url terisi) / but page {number} has {len(items)} items and is not the "
                    "last page (next_page_url is set)")
    return None


@check("page_size_honoured")
def page_size_honoured(observation: Observation) -> list[Outcome]:
    """The answered page, and every page walked from it (page 1), holds page_size items; the last may hold fewer."""
    page = _page(observation)
    size = _query_int(observation, "page_size", None)
    if page is None or size is None or size < 1:
        return []
    problem = _size_problem([(page[0], page[1])], size, _query_int(observation, "page", 1) or 1)
    walk = _walk(observation) if problem is None else None
    if walk is not None:
        problem = _size_problem(walk["pages"][1:], size, 2)
    if problem:
        return [failed("page_size_honoured", problem)]
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


def _key(item: Any) -> str:
    return str(item.get("id")) if isinstance(item, dict) and "id" in item else repr(item)


@check("last_page_is_last")
def last_page_is_last(observation: Observation) -> list[Outcome]:
    """The page after one whose next_page_url is null holds no new item.

    Items of the last page again, or a page that breaks page_size, are no data lost beyond it: the probed
    page is judged for page_size (LAPOR-PAGE-003) and otherwise proves nothing either way."""
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
        return [passed("last_page_is_last", PAGE_BEYOND)]
    results = results_of(read_json(response))
    beyond = results.get("data") if isinstance(results.get("data"), list) else []
    if not beyond:
        return [passed("last_page_is_last", PAGE_BEYOND)]
    size = _query_int(observation, "page_size", None)
    problem = _size_problem([(beyond, results.get("next_page_url"))], size, current + 1) if size else None
    if problem:
        return [failed("last_page_is_last", f"{problem} (halaman {current} berkata next_page_url=null / page "
                                            f"{current} says next_page_url=null)", PAGE_SIZE)]
    seen = {_key(item) for item in page[0]}
    new = [item for item in beyond if _key(item) not in seen]
    if not new:
        return []  # page N's items again: a paging inconsistency, but no data beyond the last page
    return [failed("last_page_is_last",
                   f"halaman {current} berkata next_page_url=null, tetapi halaman {current + 1} memuat "
                   f"{len(new)} butir baru / page {current} says next_page_url=null but page {current + 1} "
                   f"has {len(new)} new items", PAGE_BEYOND)]


MAX_WALK_PAGES = 30
MIN_WALK_PAGE_SIZE = 5  # smaller pages would cost too many requests per case
UNANSWERED = "unanswered"
NO_ANSWER = (429, 503)  # a gateway's "not now": the walk is abandoned, never judged
OWN_WALK = "own_page_walk"  # probe name: the check's own walk, once per operation (every case after a failure)


def _numbered_walk(observation: Observation, params: dict[str, Any], first: Any, size: int | None) -> dict[str, Any]:
    """Every page by number from the answered page 1 `first` (its other parameters kept):
    {"pages": [(data, next_page_url)], "answered": no page went without a 200, "size", "params", "url"}."""
    results = results_of(read_json(first))
    data = results.get("data") if isinstance(results.get("data"), list) else []
    pages, answered = [(data, results.get("next_page_url"))], True
    while len(pages) < MAX_WALK_PAGES:
        response = observation.session.resend(observation.case, params={**params, "page": len(pages) + 1})
        if response is None or response.status_code != 200:
            answered = False
            break
        results = results_of(read_json(response))
        pages.append((results.get("data") if isinstance(results.get("data"), list) else [],
                      results.get("next_page_url")))
        if not results.get("next_page_url"):
            break
    url = str(first.request.url) if getattr(first, "request", None) else observation.session.context.base_url
    return {"pages": pages, "answered": answered, "size": size, "params": params, "url": url}


def _walk(observation: Observation) -> dict[str, Any] | None:
    """The case's own page 1 (with a next page, page_size 5 or more) walked by number. Read once per case."""
    if "page_walk" in observation.extra:
        return observation.extra["page_walk"]
    observation.extra["page_walk"] = None
    page = _page(observation)
    size = _query_int(observation, "page_size", None)
    if page is None or not page[1] or _query_int(observation, "page", 1) != 1:
        return None
    if size is not None and size < MIN_WALK_PAGE_SIZE:
        return None
    observation.extra["page_walk"] = _numbered_walk(observation, dict(observation.case.query or {}),
                                                    observation.response, size)
    return observation.extra["page_walk"]


def _own_walk(observation: Observation) -> dict[str, Any] | None:
    """Generated cases seldom ask for a page_size that makes several pages (1 or 1000 mostly): once per
    operation the check walks with page_size=5 itself, from page 1 (again on every case once it failed,
    so that a failing case replays)."""
    page = _page(observation)
    if page is None or "page_size" not in (observation.case.query or {}) or not observation.session.probe_wanted(
            observation.operation_id, OWN_WALK, 1):
        return None
    params = {**observation.case.query, "page": 1, "page_size": MIN_WALK_PAGE_SIZE}
    first = observation.session.resend(observation.case, params=params)
    if first is None or first.status_code != 200 or not results_of(read_json(first)).get("next_page_url"):
        return None
    return _numbered_walk(observation, params, first, MIN_WALK_PAGE_SIZE)


def follow_links(observation: Observation, request_url: str, first: dict[str, Any],
                 max_pages: int = MAX_WALK_PAGES) -> list[Any] | str:
    """The items found by following next_page_url from the page `first` (its `results`), fetched at
    `request_url`: as a client does, the link's own query and nothing else. "outside": a link leaves the
    base (LAPOR-PAGE-005's finding; credentials are never sent there); UNANSWERED: no real answer (429,
    503, silence), nothing proven; another text: why the walk stopped."""
    session = observation.session
    base = session.context.base_url.rstrip("/") + "/"
    path = urlsplit(request_url).path
    items = list(first.get("data") or []) if isinstance(first.get("data"), list) else []
    link = first.get("next_page_url")
    observation.extra["links_followed"] = 0  # no link followed: the walk across pages was never tested
    for _ in range(max_pages):
        if not link:
            return items
        observation.extra["links_followed"] += 1
        target = urljoin(request_url, str(link))
        if not within_base(target, base):
            return "outside"
        if urlsplit(target).path != path:
            return f"next_page_url {target} menunjuk daftar lain / points to another list"
        response = session.resend(observation.case, params=dict(parse_qsl(urlsplit(target).query)))
        if response is None or response.status_code in NO_ANSWER:
            return UNANSWERED  # rate limited or gone quiet: the walk proves nothing either way
        if response.status_code != 200:
            return f"next_page_url {target}: HTTP {response.status_code}"
        body = read_json(response)  # BOM-tolerant: a BOM is LAPOR-HTTP-004's finding, not "not JSON"
        if not isinstance(body, dict):
            return f"next_page_url {target}: bukan JSON / not JSON"
        page = results_of(body)
        items.extend(page.get("data") if isinstance(page.get("data"), list) else [])
        link = page.get("next_page_url")
    return f"lebih dari / more than {max_pages} halaman / pages"


@check("paging_walk_complete")
def paging_walk_complete(observation: Observation) -> list[Outcome]:
    """From page 1, walk every page by number and by next_page_url: each item once, the same items both ways
    (unless page_size is broken: LAPOR-PAGE-003)."""
    walk, own = _walk(observation), False
    if walk is None:
        walk, own = _own_walk(observation), True
    if walk is None or not walk["answered"]:
        return []
    size = walk["size"]
    if size is not None and _size_problem(walk["pages"], size, 1):
        return []  # repeats and gaps follow from the page size: page_size_honoured reports it
    outcome = _walk_outcome(observation, walk)
    if outcome is None:
        return []
    if own:
        (observation.session.probe_passed if outcome.passed else observation.session.probe_failed)(
            observation.operation_id, OWN_WALK)
    return [outcome]


def _walk_outcome(observation: Observation, walk: dict[str, Any]) -> Outcome | None:
    name = "paging_walk_complete"
    shown = f"page_size={walk['size']}" if walk["size"] else "page_size bawaan / default"
    seen: dict[str, int] = {}
    for number, (items, _) in enumerate(walk["pages"], 1):
        for item in items:
            key = _key(item)
            if key in seen:
                return failed(name, f"{shown}: butir {key} muncul di halaman {seen[key]} dan {number} / "
                                    f"item {key} appears on page {seen[key]} and page {number}")
            seen[key] = number
    first = {"data": walk["pages"][0][0], "next_page_url": walk["pages"][0][1]}
    by_link = follow_links(observation, walk["url"], first)
    if by_link in ("outside", UNANSWERED):
        return None  # outside: LAPOR-PAGE-005's finding (paging_link_within_base); unanswered: nothing proven
    if isinstance(by_link, str):
        return failed(name, f"{shown}: menelusuri next_page_url terhenti / the walk by next_page_url stopped: "
                            f"{by_link}")
    keys = [_key(item) for item in by_link]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    missed = sorted(set(seen) - set(keys), key=lambda key: seen[key])
    if twice or missed:
        problem = (f"butir {twice[:3]} muncul lebih dari sekali / items appear more than once" if twice else
                   f"butir {missed[:3]} (dari {len(missed)}) tidak tercapai / items are never reached")
        return failed(name, f"{shown}: menelusuri next_page_url dari halaman 1 / walking next_page_url from "
                            f"page 1: {problem}")
    return passed(name)
