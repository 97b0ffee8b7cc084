"""Defects of object-level authorisation where a quick look misses them: behind the first page of the follow-up
log, or behind a refusal (tests/broken/variants.py names them).

The follow-up log defects page it by one entry (this app's simulator only, never the module's page size:
variants run side by side), so a complaint with a follow-up already has a second page: its creation's
disposition entry is page 1, the follow-up page 2.
"""

from __future__ import annotations

import json
import re
from typing import Any

from conformance.simulator import seed
from conformance.simulator.app import NotFound
from conformance.simulator.store import now_wib
from tests.broken.defects_wire import simulator_of

FOLLOWUPS_PATH = re.compile(r"/complaints/\d+/followups$")
LOG_PAGE_SIZE = 1


def _page(request: Any) -> int:
    try:
        return int(request.query_params.get("page", "1"))
    except ValueError:
        return 1


def _later_followup_page(request: Any) -> bool:
    return request is not None and FOLLOWUPS_PATH.search(request.url.path) is not None and _page(request) > 1


def _followup_log_paged_by_one(sim: Any) -> None:
    original = sim.page

    def page(request: Any, fetch: Any, number: int, size: int, keep_size: bool) -> dict[str, Any]:
        return original(request, fetch, number, LOG_PAGE_SIZE if FOLLOWUPS_PATH.search(request.url.path) else size,
                        keep_size)

    sim.page = page


def followup_later_pages_unchecked(app: Any, credentials: dict[str, str]) -> Any:
    """Page 1 of the follow-up log checks the caller's institution, later pages do not (a "load more" query by
    complaint id only). Secret follow-ups stay hidden from it: only the read itself is the defect."""
    sim = simulator_of(app)
    _followup_log_paged_by_one(sim)
    original = sim.complaint_id

    def complaint_id(text: str, request: Any = None, *, act: bool = False) -> dict[str, Any]:
        if not act and _later_followup_page(request):
            found = sim.store.complaint(int(text))
            if found is not None:
                return found  # the handler then lists what an unrelated institution may see
        return original(text, request, act=act)

    sim.complaint_id = complaint_id
    return app


def followup_later_page_refusal_shows_log(app: Any, credentials: dict[str, str]) -> Any:
    """A later page of the follow-up log is refused to another institution (404), but the refusal carries the
    entries of that page (debug), secret follow-ups included; page 1's refusal is clean."""
    sim = simulator_of(app)
    _followup_log_paged_by_one(sim)
    original = sim.complaint_id

    def complaint_id(text: str, request: Any = None, *, act: bool = False) -> dict[str, Any]:
        try:
            return original(text, request, act=act)
        except NotFound as missing:
            complaint = sim.store.complaint(int(text))
            if act or complaint is None or not _later_followup_page(request):
                raise
            offset = (_page(request) - 1) * LOG_PAGE_SIZE
            rows = [row["content"] for row in sim.store.logs(complaint["id"], offset, LOG_PAGE_SIZE)[0]]
            raise NotFound(f"{missing.message} (debug: {json.dumps({'rows': rows}, ensure_ascii=False)})") from None

    sim.complaint_id = complaint_id
    return app


def refused_reroute_logged(app: Any, credentials: dict[str, str]) -> Any:
    """Another institution's reroute is answered 404, but the request was written to the log first
    (ComplaintLog::create() before $this->authorize()); the disposition does not move."""
    sim = simulator_of(app)
    original = sim.complaint_id

    def complaint_id(text: str, request: Any = None, *, act: bool = False) -> dict[str, Any]:
        try:
            return original(text, request, act=act)
        except NotFound:
            complaint = sim.store.complaint(int(text))
            if act and complaint is not None and request is not None and request.url.path.endswith("/reject"):
                status = seed.status_change(complaint["status_name"], complaint["status_name"])
                row = (complaint["id"], complaint["disposition_id"], getattr(request.state, "institution", None),
                       status, now_wib())
                with sim.store._transaction() as db:
                    db.execute("INSERT INTO logs (complaint_id, kind, template_code, institution_from_id,"
                               " institution_to_id, data, created_at) VALUES (?, 'request', 'disposition', ?, ?, ?, ?)",
                               row)
            raise

    sim.complaint_id = complaint_id
    return app
