"""Institution B behind the first page and behind a refusal (LAPOR-AUTHZ-001/002, LAPOR-PRIV-004), on a fake target.

- B reads page 1 of the follow-up log, the further pages our own walk found and one beyond (a few at most):
  a "load more" query that skips the check page 1 makes is a read (AUTHZ-001), or shows secret follow-ups
  (PRIV-004);
- a refused act that still wrote a log entry (follow-up log or the detail's data_logs) changed something
  (AUTHZ-002); ids a server rewrites on every read are no new entry.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from conformance.checks.authz import (MAX_LATER_PAGES, other_institution_cannot_act, other_institution_cannot_read,
                                      secret_followups_hidden_from_other_institution)
from conformance.checks.base import Observation
from conformance.checks.model import OTHER_INSTITUTION, ComplaintModel, FollowupModel, ModelStep

OTHER = "12838"


def _response(status: int, body: Any) -> Any:
    return SimpleNamespace(status_code=status, content=json.dumps(body).encode(),
                           headers={"content-type": "application/json"})


def _entry(number: int, content: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": str(number), "template_code": "reply_lmw", "content": content or f"tindak lanjut {number}",
            "created_at": f"0{number % 10}-12-2026 10:00:00", **extra}


class FakeTarget:
    """Our credentials see everything; institution B (`probe`) gets what `for_b(what, page)` says, 404 by default."""

    def __init__(self, log: list[dict[str, Any]], page_size: int = 2) -> None:
        self.log, self.page_size, self.data_logs = log, page_size, [_entry(1, template_code="disposition")]
        self.for_b = lambda what, page: None
        self.on_b_act = lambda role: None
        self.b_reads: list[str] = []
        self.rewrite_ids, self.reads = False, 0
        self.context = SimpleNamespace(second_institution_id=OTHER, second_auth_headers=lambda: {"token": "B"})
        self.model_cache: dict[str, Any] = {"other_ok": True}
        self.pack_roles: dict[str, Any] = {}
        self.schema = SimpleNamespace(find_operation_by_id=lambda op: SimpleNamespace(
            Case=lambda **kwargs: SimpleNamespace(operation=op, **kwargs)))
        self.last_walk_complete = True

    def role(self, name: str) -> str:
        return name

    def _page(self, number: int) -> Any:
        rows = self.log[(number - 1) * self.page_size:number * self.page_size]
        if self.rewrite_ids:
            self.reads += 1
            rows = [{**row, "id": f"{row['id']}-{self.reads}"} for row in rows]
        return {"results": {"data": rows}}

    def call_role(self, role: str, *, path_parameters: Any = None, query: Any = None) -> Any:
        if role == "list_followups":
            return _response(200, self._page(query["page"]))
        return _response(200, {"results": {"data": {"id": "10000100", "disposition_id": "1"},
                                           "data_logs": self.data_logs}})

    def walk_pages(self, role: str, path_parameters: Any) -> Any:
        number = 1
        while data := json.loads(self.call_role(role, query={"page": number}).content)["results"]["data"]:
            yield data
            number += 1

    def probe(self, case: Any, headers: Any, note: str) -> Any:
        if case.operation in ("add_followup", "reroute_complaint"):
            self.on_b_act(case.operation)
            return _response(404, {"message": "Laporan tidak ditemukan."})
        page = (getattr(case, "query", None) or {}).get("page")
        what = f"{case.operation}:{page}" if page else case.operation
        self.b_reads.append(what)
        return self.for_b(case.operation, page) or _response(404, {"message": "Laporan tidak ditemukan."})


def _observation(target: FakeTarget, *, secret: bool = False, followups: list[FollowupModel] = ()) -> Observation:
    complaint = ComplaintModel(marker="LCMABCDXQ", title="t LCMABCDXQ", content="c LCMABCDXQ", is_anonymous=False,
                               is_secret=secret, reporter={}, creator_institution="151345", requested_disposition="1",
                               id="10000100", allowed_dispositions={"1"}, related_institutions={"151345", "1"},
                               followups=list(followups))
    step = ModelStep(OTHER_INSTITUTION, complaint=complaint, institutions={"1": "A", OTHER: "Padang"})
    return Observation(case=None, response=target.call_role("complaint_detail"), operation_id="complaint_detail",
                       session=target, extra={"model": step})


def test_b_reads_the_pages_our_walk_found_and_one_beyond():
    target = FakeTarget([_entry(n) for n in range(1, 5)])  # two pages of two
    assert other_institution_cannot_read(_observation(target))[0].passed
    assert target.b_reads == ["complaint_detail", "list_followups:1", "list_followups:2", "list_followups:3"]


def test_b_reads_a_few_later_pages_at_most():
    target = FakeTarget([_entry(n) for n in range(1, 30)])
    other_institution_cannot_read(_observation(target))
    assert target.b_reads[1:] == [f"list_followups:{n}" for n in range(1, MAX_LATER_PAGES + 2)]


def test_a_later_page_served_to_b_is_a_read():
    target = FakeTarget([_entry(n) for n in range(1, 4)])
    target.for_b = lambda what, page: _response(200, target._page(2)) if page == 2 else None
    [outcome] = other_institution_cannot_read(_observation(target))
    assert not outcome.passed and "list_followups page=2: HTTP 200" in outcome.message


def test_secret_followups_on_a_later_page_are_found_even_in_a_refusal():
    secret = FollowupModel(marker="LCMABCDXR", content="rahasia LCMABCDXR", is_secret=True, extensions=[],
                           sent_at=None)
    target = FakeTarget([_entry(1), _entry(2), _entry(3, secret.content)])
    target.for_b = lambda what, page: _response(404, {"message": f"debug {secret.content}"}) if page == 2 else None
    [outcome] = secret_followups_hidden_from_other_institution(_observation(target, secret=True, followups=[secret]))
    assert not outcome.passed and "list_followups page=2" in outcome.message


def test_a_refused_reroute_that_wrote_a_log_entry_changed_something():
    target = FakeTarget([_entry(1), _entry(2)])
    target.on_b_act = lambda role: role == "reroute_complaint" and target.log.append(
        _entry(3, template_code="disposition", content=None))
    [outcome] = other_institution_cannot_act(_observation(target))
    assert not outcome.passed
    assert "1 entri baru tercatat di log tindak lanjut" in outcome.message
    assert "1 new entry was written to complaint 10000100's follow-up log (disposition)" in outcome.message


def test_a_new_data_logs_entry_changed_something_too():
    target = FakeTarget([_entry(1)])
    target.on_b_act = lambda role: role == "reroute_complaint" and target.data_logs.append(
        _entry(7, template_code="disposition"))
    [outcome] = other_institution_cannot_act(_observation(target))
    assert not outcome.passed and "data_logs" in outcome.message


def test_refusals_that_change_nothing_pass_even_when_ids_change_on_every_read():
    target = FakeTarget([_entry(1), _entry(2), _entry(3)])
    assert other_institution_cannot_act(_observation(target))[0].passed
    target.rewrite_ids = True  # LAPOR-DATA-006's finding, not a new entry
    assert other_institution_cannot_act(_observation(target))[0].passed
