"""What the lifecycle model expects of a complaint's detail and log, each judged under its own requirement.

- LAPOR-LIFE-001: the title and content sent; no status change without an action, except a LAPOR admin's move
  forward along the pack's `status_progression` (verification, S7/S8): a move back or a jump elsewhere fails.
- LAPOR-FU-003: a logged follow-up keeps its secret flag and files; it is listed with the flag it was added with.
- LAPOR-DATA-007: the detail of a new complaint is dated in WIB, like the follow-up list; one entry has one date.
- LAPOR-CREATE-004: attachments listed as objects are the files uploaded under their ids.

Unit tests on fixed answers, plus one run of the model against a conforming sandbox that verifies complaints
on its own (`auto_verify`): it must have no finding.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from functools import partial
from types import SimpleNamespace
from typing import Any

import pytest

from conformance.calendar import WIB, now_wib
from conformance.checks.base import Observation
from conformance.checks.lifecycle_dates import timestamps_are_wib
from conformance.checks.lifecycle_detail import created_attachments_returned, model_detail_matches
from conformance.checks.lifecycle_model import followup_log_append_only
from conformance.checks.model import (DETAIL, FOLLOWUPS, ComplaintModel, FollowupModel, ModelStep, UploadedDocument,
                                      fingerprint)
from conformance.simulator import seed
from conformance.specpack import load_pack

BASE = "http://127.0.0.1:8000/integration/api/v3"
LAPOR = "%d-%m-%Y %H:%M:%S"
ROLES = load_pack("lapor-v3").meta["roles"]
UNVERIFIED, VERIFIED, IN_PROCESS = (0, "Belum Terverifikasi"), (1, "Terverifikasi"), (2, "Dalam Proses")
FINISHED = (4, "Selesai")


def _complaint(**kwargs: Any) -> ComplaintModel:
    values = dict(marker="LCMTESTX", title="jalan rusak LCMTESTX", content="jalan berlubang dekat pasar LCMTESTX",
                  is_anonymous=False, is_secret=False, reporter={}, creator_institution="151345",
                  requested_disposition="12838", id="10000100", allowed_dispositions={"12838"})
    values.update(kwargs)
    return ComplaintModel(**values)


def _observation(body: Any, step: ModelStep, url: str, operation: str) -> Observation:
    response = SimpleNamespace(status_code=200, content=json.dumps(body).encode(),
                               headers={"content-type": "application/json"}, request=SimpleNamespace(url=url))
    session = SimpleNamespace(context=SimpleNamespace(base_url=BASE), pack_roles=ROLES)
    return Observation(case=None, response=response, operation_id=operation, session=session, extra={"model": step})


def _detail(complaint: ComplaintModel, status: tuple[int, str] = UNVERIFIED, *, documents: Any = None,
            **data: Any) -> Observation:
    fields = {"id": complaint.id, "title": complaint.title, "content": complaint.content, "status_code": status[0],
              "status_name": status[1], "disposition_id": "12838", "disposition_name": "Pemerintah Kota Padang"}
    fields.update(data)
    logs = fields.pop("data_logs", [])
    step = ModelStep(DETAIL, complaint=complaint, institutions={"12838": "Pemerintah Kota Padang"},
                     documents=documents or {})
    return _observation({"status": True, "results": {"data": fields, "data_logs": logs}}, step,
                        f"{BASE}/complaints/{complaint.id}/complaint", "getComplaint")


def _followups(complaint: ComplaintModel, entries: list[dict[str, Any]]) -> Observation:
    body = {"status": True, "results": {"data": entries, "next_page_url": None}}
    return _observation(body, ModelStep(FOLLOWUPS, complaint=complaint),
                        f"{BASE}/complaints/{complaint.id}/followups?page=1", "listFollowups")


def _failed(outcomes: list[Any]) -> list[str]:
    return [o.message for o in outcomes if not o.passed]


def _read_in_turn(complaint: ComplaintModel, *statuses: tuple[int, str]) -> list[str]:
    """Findings of successive detail reads with no action of the integrator in between."""
    found: list[str] = []
    for status in statuses:
        found += _failed(model_detail_matches(_detail(complaint, status)))
    return found


# ------------------------------------------------------------------------------------ LAPOR-LIFE-001
def test_the_pack_names_the_admin_progression():
    assert ROLES["status_progression"][:3] == [UNVERIFIED[1], VERIFIED[1], IN_PROCESS[1]]
    assert FINISHED[1] not in ROLES["status_progression"]


@pytest.mark.parametrize("moves", [(UNVERIFIED, VERIFIED), (UNVERIFIED, IN_PROCESS), (VERIFIED, IN_PROCESS),
                                   (UNVERIFIED, VERIFIED, VERIFIED, IN_PROCESS)])
def test_an_admin_moving_the_status_forward_is_no_finding(moves):
    assert _read_in_turn(_complaint(), *moves) == []


@pytest.mark.parametrize("moves", [(VERIFIED, UNVERIFIED), (IN_PROCESS, VERIFIED), (UNVERIFIED, FINISHED),
                                   (UNVERIFIED, VERIFIED, UNVERIFIED), (UNVERIFIED, (9, "Belum Terverifikasi"))])
def test_a_move_back_or_a_jump_no_admin_makes_alone_is_life_001(moves):
    [message] = _read_in_turn(_complaint(), *moves)
    assert "status changed with no action" in message and "only forward along" in message


def test_after_an_action_the_status_may_change_either_way():
    complaint = _complaint()
    assert _read_in_turn(complaint, IN_PROCESS) == []
    complaint.status_may_change = True  # e.g. a reroute: the admin re-disposes
    assert _read_in_turn(complaint, UNVERIFIED) == []


def test_without_a_progression_in_the_pack_every_unprompted_change_fails():
    complaint = _complaint()
    assert _read_in_turn(complaint, UNVERIFIED) == []
    observation = _detail(complaint, VERIFIED)
    observation.session.pack_roles = {}
    [message] = _failed(model_detail_matches(observation))
    assert "status changed with no action" in message


def test_title_and_content_cut_short_are_life_001():
    complaint = _complaint()
    [message] = _failed(model_detail_matches(_detail(complaint, content=complaint.content[:30] + "...")))
    assert "content" in message and "cut short" in message
    [message] = _failed(model_detail_matches(_detail(complaint, title=complaint.title[:10] + "…")))
    assert "title" in message


def test_the_title_an_admin_edits_at_verification_is_allowed():
    complaint = _complaint()
    assert _failed(model_detail_matches(_detail(complaint, VERIFIED, title="Jalan rusak di Padang"))) == []
    [message] = _failed(model_detail_matches(_detail(complaint, VERIFIED, content="diringkas admin")))
    assert "content" in message  # the admin edits the title, not the content (S9)


def test_a_detail_without_title_or_content_says_nothing_about_them():
    complaint = _complaint()
    assert _failed(model_detail_matches(_detail(complaint, title=None, content=None))) == []


# -------------------------------------------------------------------------------------- LAPOR-FU-003
def _entry(number: int, followup: FollowupModel, **fields: Any) -> dict[str, Any]:
    entry = {"id": str(7000000 + number), "content": followup.content, "template_code": "reply_lmw",
             "created_at": followup.sent_at.strftime(LAPOR), "is_secret": int(followup.is_secret),
             "attachments": [{"file_name": "attachment[0].pdf", "extension": "pdf", "path": f"{BASE}/f/{number}"}]}
    entry.update(fields)
    return entry


def _with_followups(*secret: bool) -> tuple[ComplaintModel, list[FollowupModel]]:
    sent = now_wib() - dt.timedelta(minutes=5)
    followups = [FollowupModel(marker=f"LCMTESTX{c}", content=f"balasan LCMTESTX{c}", is_secret=flag,
                               extensions=["pdf"], sent_at=sent + dt.timedelta(seconds=n))
                 for n, (c, flag) in enumerate(zip("ABC", secret))]
    return _complaint(followups=followups), followups


def test_the_secret_flag_and_the_files_are_part_of_a_logged_entry():
    _, [followup] = _with_followups(True)
    entry = _entry(1, followup)
    assert fingerprint(entry) == fingerprint({**entry, "is_secret": True}) == fingerprint({**entry, "is_secret": "1"})
    assert fingerprint(entry) != fingerprint({**entry, "is_secret": 0})
    assert fingerprint(entry) != fingerprint({**entry, "attachments": []})
    signed = [{**entry["attachments"][0], "path": f"{BASE}/f/1?signature=other"}]
    assert fingerprint(entry) == fingerprint({**entry, "attachments": signed})  # a URL may be signed per read


def test_a_new_followup_rewriting_earlier_secret_flags_is_fu_003():
    complaint, (first, second) = _with_followups(True, False)
    complaint.followups = [first]
    assert _failed(followup_log_append_only(_followups(complaint, [_entry(1, first)]))) == []
    complaint.followups = [first, second]
    overwritten = [_entry(1, first, is_secret=0), _entry(2, second)]
    [message] = _failed(followup_log_append_only(_followups(complaint, overwritten)))
    assert "is_secret" in message and "not a prefix" in message


def test_a_followup_listed_with_another_secret_flag_than_sent_is_fu_003():
    complaint, [followup] = _with_followups(True)
    [message] = _failed(followup_log_append_only(_followups(complaint, [_entry(1, followup, is_secret=False)])))
    assert "is_secret=1" in message and "not as it was added" in message
    assert _failed(followup_log_append_only(_followups(_with_followups(True)[0], [_entry(1, followup)]))) == []


def test_a_log_without_a_secret_flag_says_nothing_about_it():
    complaint, [followup] = _with_followups(True)
    entry = _entry(1, followup)
    del entry["is_secret"]
    assert _failed(followup_log_append_only(_followups(complaint, [entry]))) == []


# ------------------------------------------------------------------------------------ LAPOR-DATA-007
def _dated_detail(complaint: ComplaintModel, moment: dt.datetime, fmt: str = LAPOR, **extra: Any) -> Observation:
    stamp = moment.strftime(fmt)
    logs = [{"id": "7000001", "created_at": stamp, "template_code": "disposition"}]
    fields = {"created_at": stamp, "status_logs": [{"note": "diterima", "timestamp": stamp}], "data_logs": logs}
    return _detail(complaint, **{**fields, **extra})


def test_a_new_complaint_dated_in_wib_passes():
    complaint = _complaint(created_at=now_wib() - dt.timedelta(seconds=3))
    assert [o.passed for o in timestamps_are_wib(_dated_detail(complaint, complaint.created_at))] == [True]


def test_a_detail_dated_in_utc_is_data_007():
    complaint = _complaint(created_at=now_wib() - dt.timedelta(seconds=3))
    [message] = _failed(timestamps_are_wib(_dated_detail(complaint, complaint.created_at - dt.timedelta(hours=7))))
    assert "results.data.created_at" in message and "-7.0" in message


def test_status_logs_and_data_logs_lie_between_creation_and_now():
    complaint = _complaint(created_at=now_wib() - dt.timedelta(seconds=3))
    later = (complaint.created_at + dt.timedelta(hours=1)).strftime(LAPOR)  # WITA, or a clock ahead
    observation = _dated_detail(complaint, complaint.created_at, status_logs=[{"note": "x", "timestamp": later}])
    [message] = _failed(timestamps_are_wib(observation))
    assert "status_logs" in message and "+1.0" in message


def test_a_detail_written_month_first_is_left_to_data_002():
    created = dt.datetime(2026, 12, 4, 10, 0, 0, tzinfo=WIB)
    complaint = _complaint(created_at=created)
    assert _failed(timestamps_are_wib(_dated_detail(complaint, created, "%m-%d-%Y %H:%M:%S"))) == []


def test_one_entry_has_one_date_in_data_logs_and_in_the_followup_list():
    complaint = _complaint(created_at=now_wib() - dt.timedelta(seconds=3))
    assert _failed(timestamps_are_wib(_dated_detail(complaint, complaint.created_at))) == []
    listed = {"id": "7000001", "created_at": complaint.created_at.strftime(LAPOR), "content": None}
    assert _failed(timestamps_are_wib(_followups(complaint, [listed]))) == []
    shifted = {**listed, "created_at": (complaint.created_at - dt.timedelta(hours=7)).strftime(LAPOR)}
    [message] = _failed(timestamps_are_wib(_followups(complaint, [shifted])))
    assert "7000001" in message and "data_logs" in message and "+7.0" in message


# ---------------------------------------------------------------------------------- LAPOR-CREATE-004
DOCUMENTS = {str(n): UploadedDocument(id=str(n), extension=ext, file_name=f"attachments[].{ext}",
                                      path=f"{BASE}/storage/documents/{n}")
             for n, ext in ((4200000, "jpg"), (4200001, "jpg"), (4200002, "pdf"))}


def _attached(items: list[Any]) -> list[str]:
    complaint = _complaint(attachments=["4200001", "4200002"])
    return _failed(created_attachments_returned(_detail(complaint, attachments=items, documents=DOCUMENTS)))


def test_attachments_as_ids_or_as_the_uploaded_files_pass():
    assert _attached(["4200001", "4200002"]) == []
    as_uploaded = [{"id": d.id, "file_name": d.file_name, "extension": d.extension, "path": d.path}
                   for d in (DOCUMENTS["4200001"], DOCUMENTS["4200002"])]
    assert _attached(as_uploaded) == []
    signed = [{**item, "path": item["path"] + "?expires=1"} for item in as_uploaded]
    assert _attached(signed) == []


@pytest.mark.parametrize("wrong, says", [
    ({"extension": "pdf"}, "extension"),
    ({"file_name": "foto-jalan-berlubang.jpg"}, "file_name"),
    ({"path": f"{BASE}/storage/documents/4200000"}, "belongs to document 4200000"),
])
def test_an_attachment_carrying_another_documents_file_is_create_004(wrong, says):
    items = [{"id": "4200001", "file_name": "attachments[].jpg", "extension": "jpg",
              "path": f"{BASE}/storage/documents/4200001", **wrong}, "4200002"]
    [message] = _attached(items)
    assert says in message and "4200001" in message


def test_wrong_ids_are_still_reported_as_such():
    [message] = _attached(["4200001"])
    assert "referenced at creation" in message


# ----------------------------------------------------------------------- a sandbox that verifies alone
def auto_verify(app: Any, credentials: dict[str, str], verified: list[int] | None = None) -> Any:
    """Conforming: 0.2 s after creation a complaint is verified (Belum Terverifikasi → Terverifikasi), as a
    LAPOR admin does within 3 working days (S7, S8); clients poll for it (S3). `verified` collects the ids."""
    store = app.state.simulator.store
    created: dict[int, float] = {}
    create, read = store.create_complaint, store.complaint

    def create_complaint(*args: Any, **kwargs: Any) -> int:
        new_id = create(*args, **kwargs)
        created[new_id] = time.monotonic()
        return new_id

    def complaint(complaint_id: int) -> Any:
        row = read(complaint_id)
        if row is not None and time.monotonic() - created.get(complaint_id, time.monotonic()) > 0.2 \
                and row["status_name"] == seed.STATUS_UNVERIFIED[1]:
            with store._lock:
                store._db.execute("UPDATE complaints SET status_code = ?, status_name = ? WHERE id = ?",
                                  (*seed.STATUS_VERIFIED, complaint_id))
            (verified if verified is not None else []).append(complaint_id)
            row = read(complaint_id)
        return row

    store.create_complaint, store.complaint = create_complaint, complaint
    return app


@pytest.mark.slow
@pytest.mark.parametrize("seed_value", [7, 1])
def test_a_sandbox_that_verifies_complaints_alone_has_no_finding(seed_value, tmp_path):
    from tests.broken.runs import LIFECYCLE_ONLY, Job, run_one, simulator

    verified: list[int] = []
    job = Job(f"auto-verify-{seed_value}", partial(simulator, wrap=partial(auto_verify, verified=verified)),
              max_examples=9, stateful=True, pytest_args=LIFECYCLE_ONLY, seed=seed_value)
    result = run_one(job, tmp_path)
    assert result.run_dir is not None, result.out
    assert result.failed == set(), result.out
    assert result.code != 1, result.out  # 2: evidence incomplete, since only the lifecycle suite ran
    assert verified, "the sandbox never verified a complaint: the test proved nothing"
    assert {"LAPOR-LIFE-001", "LAPOR-CREATE-003"} <= result.passed


def test_a_marker_is_found_as_a_whole_token_only():
    from conformance.checks.model import entry_with, has_marker

    assert has_marker("Tanggapan LCM1A2BXB.", "LCM1A2BXB") and has_marker("LCM1A2BXB-B", "LCM1A2BXB")
    assert not has_marker("Tanggapan LCM1A2BXBA", "LCM1A2BXB")  # the 27th marker holds the 2nd as a prefix
    entries = [{"content": "a LCM1A2BXBA"}, {"content": "b LCM1A2BXB"}]
    assert entry_with(entries, "LCM1A2BXB") == [{"content": "b LCM1A2BXB"}]
