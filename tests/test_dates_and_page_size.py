"""A defect is reported under the requirement it breaks, not under the one its consequences trip.

- A date written month first (m-d-Y) is LAPOR-DATA-002: read day first it is no date (day above 12) or a
  date months away (day up to 12), never a clock offset (LAPOR-DATA-007) or a log out of order (LAPOR-FU-003).
- Page size is checked on every page walked and on the page probed after the last (LAPOR-PAGE-003); the
  repeats and gaps a broken page size causes are not data beyond the last page (LAPOR-PAGE-002) or items
  seen twice (LAPOR-PAGE-004). Other paging defects keep their own requirement.

Fixed dates and fixed pages: the outcome never depends on the day the tests run.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any, Callable

import pytest

from conformance.calendar import WIB, written_month_first
from conformance.checks.base import Observation
from conformance.checks.lifecycle_dates import log_dates_parse, timestamps_are_wib
from conformance.checks.lifecycle_model import followup_log_append_only
from conformance.checks.model import DETAIL, FOLLOWUPS, ComplaintModel, FollowupModel, ModelStep
from conformance.checks.paging import last_page_is_last, page_size_honoured, paging_walk_complete

BASE = "http://127.0.0.1:8000/integration/api/v3"
LAPOR, MONTH_FIRST = "%d-%m-%Y %H:%M:%S", "%m-%d-%Y %H:%M:%S"
EARLY_DECEMBER = dt.datetime(2026, 12, 4, 23, 34, 17, tzinfo=WIB)  # day up to 12: m-d-Y is another valid date
LATE_DECEMBER = dt.datetime(2026, 12, 31, 9, 5, 0, tzinfo=WIB)     # day above 12: m-d-Y is no d-m-Y date
DAY_IS_MONTH = dt.datetime(2026, 12, 12, 10, 0, 0, tzinfo=WIB)     # both readings are the same moment


def _response(body: Any, url: str = f"{BASE}/x") -> Any:
    return SimpleNamespace(status_code=200, content=json.dumps(body).encode(),
                           headers={"content-type": "application/json"}, request=SimpleNamespace(url=url))


# ---------------------------------------------------------------------------------------------- dates
def test_month_first_is_told_from_a_clock_offset():
    assert written_month_first(EARLY_DECEMBER.strftime(MONTH_FIRST), EARLY_DECEMBER)  # "12-04-2026" = 12 April
    assert written_month_first(LATE_DECEMBER.strftime(MONTH_FIRST), LATE_DECEMBER)    # "12-31-2026": month 31
    assert not written_month_first(EARLY_DECEMBER.strftime(LAPOR), EARLY_DECEMBER)     # right
    assert not written_month_first(DAY_IS_MONTH.strftime(MONTH_FIRST), DAY_IS_MONTH)   # the same either way
    utc = (EARLY_DECEMBER - dt.timedelta(hours=7)).strftime(MONTH_FIRST)
    assert not written_month_first(utc, EARLY_DECEMBER)  # month first and 7 h off: not the moment sent
    assert not written_month_first(None, EARLY_DECEMBER)
    assert not written_month_first("2026-12-04T23:34:17+07:00", EARLY_DECEMBER)


def _followup_walk(sent: dt.datetime, fmt: str, *, step_kind: str = FOLLOWUPS) -> Observation:
    """The model's complaint with two follow-ups sent a minute apart at `sent`, listed with dates in `fmt`."""
    followups = [FollowupModel(marker=f"LCMTESTX{letter}", content=f"isi LCMTESTX{letter}", is_secret=False,
                               extensions=[], sent_at=sent + dt.timedelta(minutes=n)) for n, letter in enumerate("AB")]
    complaint = ComplaintModel(marker="LCMTESTX", title="t", content="c", is_anonymous=False, is_secret=False,
                               reporter={}, creator_institution=None, requested_disposition="1", id="7",
                               followups=followups)
    entries = [{"id": str(n), "content": f.content, "created_at": (f.sent_at + dt.timedelta(seconds=2)).strftime(fmt)}
               for n, f in enumerate(followups, 1)]
    key = "data_logs" if step_kind == DETAIL else "data"
    body = {"status": True, "results": {key: entries, "next_page_url": None, "data": entries}}
    session = SimpleNamespace(context=SimpleNamespace(base_url=BASE), pack_roles={})
    return Observation(case=None, response=_response(body, f"{BASE}/complaints/7/followups?page=1"),
                       operation_id="listFollowups", session=session,
                       extra={"model": ModelStep(step_kind, complaint=complaint)})


def _failed(outcomes: list[Any]) -> list[str]:
    return [o.message for o in outcomes if not o.passed]


def test_day_up_to_12_written_month_first_is_data_002_not_a_clock_offset():
    observation = _followup_walk(EARLY_DECEMBER, MONTH_FIRST)
    [message] = _failed(log_dates_parse(observation))
    assert "'12-04-2026 23:34:19'" in message and "created_at" in message  # the field and the value
    assert "m-d-Y" in message and "swapped" in message
    assert timestamps_are_wib(observation) == []  # not judged: no "off by -5,000 h"
    assert _failed(followup_log_append_only(observation)) == []


def test_day_above_12_written_month_first_is_no_date():
    observation = _followup_walk(LATE_DECEMBER, MONTH_FIRST)
    [message] = _failed(log_dates_parse(observation))
    assert "'12-31-2026 09:05:02'" in message and "is the month written first (m-d-Y)?" in message
    assert timestamps_are_wib(observation) == []
    assert _failed(followup_log_append_only(observation)) == []


def test_month_first_in_the_detail_log_is_found_too():
    observation = _followup_walk(EARLY_DECEMBER, MONTH_FIRST, step_kind=DETAIL)
    [message] = _failed(log_dates_parse(observation))
    assert "results.data_logs[].created_at" in message and "swapped" in message


@pytest.mark.parametrize("sent", [EARLY_DECEMBER, LATE_DECEMBER, DAY_IS_MONTH])
def test_dates_written_day_first_pass(sent):
    observation = _followup_walk(sent, LAPOR)
    assert [o.passed for o in log_dates_parse(observation)] == [True]
    assert [o.passed for o in timestamps_are_wib(observation)] == [True]


def test_a_real_clock_offset_stays_data_007():
    observation = _followup_walk(EARLY_DECEMBER - dt.timedelta(hours=7), LAPOR)  # stamped in UTC
    for followup in observation.extra["model"].complaint.followups:
        followup.sent_at += dt.timedelta(hours=7)
    assert [o.passed for o in log_dates_parse(observation)] == [True]
    [message] = _failed(timestamps_are_wib(observation))
    assert "-7.0" in message


# ----------------------------------------------------------------------------------------------- paging
LIST = f"{BASE}/masters/institutions/external"
DEFAULT_PAGE_SIZE = 15  # what a Laravel paginator gives without page_size
ITEMS = [{"id": str(n), "name": f"Instansi {n}"} for n in range(1, 34)]  # 33, like the simulator's master list


def honest(page: int, size: int) -> tuple[int, int]:
    return (page - 1) * size, size


def default_size_after_page_1(page: int, size: int) -> tuple[int, int]:
    """page_size honoured on page 1 only; then the default size (15), for the offset and the count."""
    return honest(page, size if page == 1 else 15)


def all_remaining_after_page_1(page: int, size: int) -> tuple[int, int]:
    """page_size honoured on page 1 only; then everything from the right offset to the end."""
    offset, _ = honest(page, size)
    return offset, (size if page == 1 else len(ITEMS))


def overlap_by_one(page: int, size: int) -> tuple[int, int]:
    """Every page after the first starts one item early (LAPOR-PAGE-004, not a page-size defect)."""
    offset, limit = honest(page, size)
    return (offset - 1 if page > 1 else offset), limit


class Server:
    def __init__(self, slicing: Callable[[int, int], tuple[int, int]], drop_next_on: int | None = None) -> None:
        self.slicing, self.drop_next_on = slicing, drop_next_on

    def body(self, page: int, size: int) -> dict[str, Any]:
        offset, limit = self.slicing(page, size)
        per_page = limit if page > 1 else size
        has_next = offset + limit < len(ITEMS) and page != self.drop_next_on
        next_url = f"{LIST}?page={page + 1}&page_size={per_page}" if has_next else None
        return {"status": True, "results": {"data": ITEMS[offset:offset + limit], "next_page_url": next_url}}

    def observation(self, page: int, size: int) -> Observation:
        def resend(case: Any, *, headers: Any = None, params: dict[str, Any] | None = None) -> Any:
            query = case.query if params is None else params  # as the real sender: params replace the query
            page, size = int(query.get("page", 1)), int(query.get("page_size", DEFAULT_PAGE_SIZE))
            return _response(self.body(page, size), f"{LIST}?page={page}&page_size={size}")

        probes: dict[str, list[int]] = {}
        session = SimpleNamespace(
            context=SimpleNamespace(base_url=BASE), pack_roles={}, resend=resend,
            probe_wanted=lambda op, name, rounds: probes.get(name, [0, 0])[1] > 0 or probes.get(name, [0, 0])[0] < rounds,
            probe_passed=lambda op, name: probes.setdefault(name, [0, 0]).__setitem__(0, probes[name][0] + 1),
            probe_failed=lambda op, name: probes.setdefault(name, [0, 0]).__setitem__(1, probes[name][1] + 1))
        case = SimpleNamespace(query={"page": page, "page_size": size})
        return Observation(case=case, response=_response(self.body(page, size), f"{LIST}?page={page}&page_size={size}"),
                           operation_id="listInstitutions", session=session)


def _judge(server: Server, page: int, size: int) -> dict[str, list[bool]]:
    observation = server.observation(page, size)
    outcomes = [*page_size_honoured(observation), *last_page_is_last(observation), *paging_walk_complete(observation)]
    found: dict[str, list[bool]] = {}
    for outcome in outcomes:
        found.setdefault(outcome.requirement or outcome.check, []).append(outcome.passed)
    return found


def _failing(found: dict[str, list[bool]]) -> set[str]:
    return {name for name, results in found.items() if not all(results)}


@pytest.mark.parametrize("size", [5, 10, 20, 33, 1000])
def test_an_honest_server_passes_every_page_check(size):
    assert _failing(_judge(Server(honest), 1, size)) == set()


@pytest.mark.parametrize("slicing, page, size", [
    (default_size_after_page_1, 1, 5), (default_size_after_page_1, 1, 10), (default_size_after_page_1, 1, 20),
    (default_size_after_page_1, 1, 1000),  # probed after the last page, with what clients send
    (all_remaining_after_page_1, 1, 5), (all_remaining_after_page_1, 1, 10),
    (all_remaining_after_page_1, 2, 10),  # page 2 holds 23 items and says it is the last: page 3 holds 13 again
])
def test_page_size_honoured_on_page_1_only_is_page_003_alone(slicing, page, size):
    found = _judge(Server(slicing), page, size)
    assert _failing(found) <= {"page_size_honoured", "LAPOR-PAGE-003"}, found
    assert _failing(found), found  # found, under page size


@pytest.mark.parametrize("size", [20, 1000])
def test_all_remaining_within_page_size_shows_nothing(size):
    assert _failing(_judge(Server(all_remaining_after_page_1), 1, size)) == set()


def test_the_page_after_the_last_page_is_judged_for_its_size():
    # page 1 with page_size=1000 holds all 33; page 2 then answers 15 items of page 1 again, "more to come"
    found = _judge(Server(default_size_after_page_1), 1, 1000)
    assert found == {"page_size_honoured": [True], "LAPOR-PAGE-003": [False]}
    observation = Server(default_size_after_page_1).observation(1, 1000)
    [outcome] = last_page_is_last(observation)
    assert "page 2 has 15 items" in outcome.message and outcome.requirement == "LAPOR-PAGE-003"


def test_a_walked_page_that_is_not_the_last_must_be_full():
    observation = Server(default_size_after_page_1).observation(1, 20)  # page 2: 15 items, then page 3
    [outcome] = page_size_honoured(observation)
    assert not outcome.passed and "page 2 has 15 items and is not the last page" in outcome.message
    assert paging_walk_complete(observation) == []  # the repeats on page 2 follow from the page size


def test_other_paging_defects_keep_their_requirement():
    dropped = _judge(Server(honest, drop_next_on=3), 3, 10)  # page 3 of 4 says it is the last
    assert _failing(dropped) == {"LAPOR-PAGE-002"}
    overlapping = _judge(Server(overlap_by_one), 1, 10)
    assert _failing(overlapping) == {"paging_walk_complete"}


class ObjectDataServer(Server):
    """`results.data` keyed by id, not a list (LAPOR-ENV-002's finding): there are no items to count."""

    def body(self, page: int, size: int) -> dict[str, Any]:
        body = super().body(page, size)
        body["results"]["data"] = {str(i): item for i, item in enumerate(body["results"]["data"])}
        return body


def test_data_that_is_no_list_is_not_judged_for_paging():
    assert _judge(ObjectDataServer(honest), 1, 10) == {}


class LinkDropsPageSize(Server):
    """Laravel's paginate() without appends(): next_page_url forgets page_size (a client following it gets
    pages of the default size from page 2 on, so items are skipped)."""

    def body(self, page: int, size: int) -> dict[str, Any]:
        body = super().body(page, size)
        if body["results"]["next_page_url"]:
            body["results"]["next_page_url"] = f"{LIST}?page={page + 1}"
        return body


@pytest.mark.parametrize("size", [5, 10, 1, 1000])  # 1 and 1000 make no walk of their own: the check walks by 5
def test_a_next_page_url_that_forgets_page_size_is_caught_walking_the_links(size):
    [outcome] = paging_walk_complete(LinkDropsPageSize(honest).observation(1, size))
    assert not outcome.passed and "never reached" in outcome.message, outcome.message
    assert _failing(_judge(LinkDropsPageSize(honest), 1, size)) == {"paging_walk_complete"}


def test_the_checks_own_walk_is_made_once_per_operation_while_it_passes():
    observation = Server(honest).observation(1, 1000)  # one page: nothing to walk in the case itself
    assert [o.passed for o in paging_walk_complete(observation)] == [True]
    again = Observation(case=observation.case, response=observation.response, operation_id="listInstitutions",
                        session=observation.session)
    assert paging_walk_complete(again) == []  # walked once already, and it passed


def test_a_walk_by_links_that_gets_no_real_answer_proves_nothing():
    observation = LinkDropsPageSize(honest).observation(1, 10)
    numbered = observation.session.resend

    def rate_limited_links(case: Any, *, headers: Any = None, params: dict[str, Any] | None = None) -> Any:
        if params is not None and "page_size" not in params:  # the link's own query: a 429 to the end
            return None
        return numbered(case, headers=headers, params=params)

    observation.session.resend = rate_limited_links
    assert paging_walk_complete(observation) == []
