"""Trap 5 — not every answer comes from the API under test.

Behind the SPLP gateway some answers are the gateway's own: 429 throttling with Retry-After,
503 when the back end is unreachable, 504 when it is too slow, 401 `{code, message, description}`
when the bearer key is missing. None of them is a verdict on the API. And a PHP file saved
"UTF-8 with BOM" prefixes every JSON body with EF BB BF: one finding (LAPOR-HTTP-004), but the
bodies are still judged, by every check that reads them.
"""

from __future__ import annotations

import pytest

from conformance.simulator.app import create_app
from tests.conftest import serve
from tests.traps.harness import (LAPOR_BASE_PATH, run_profile, trimmed_pack, use_canary_credentials,
                                 write_profile)
from tests.traps.middleware import Gateway, JsonWithBom

pytestmark = pytest.mark.slow
THROTTLED = (4, 9)  # requests (with a key) answered 429 Retry-After: 1 — bounded, each costs a second
UNAVAILABLE = (6, 12)  # requests (with a key) answered 503 with the gateway's body
OPERATIONS = {"listInstitutions", "listTemplates", "getComplaint"}


def test_gateway_answers_are_retried_or_set_aside_never_findings(tmp_path, monkeypatch):
    credentials = use_canary_credentials(monkeypatch)
    gateway = Gateway(create_app(tmp_path / "sim.sqlite3", credentials), throttle=THROTTLED, unavailable=UNAVAILABLE,
                      timeout_suffix="/complaint", down_suffix="/masters/templates")
    with serve(gateway) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}{LAPOR_BASE_PATH}", bearer_header="auth",
                                pack=str(trimmed_pack(tmp_path / "pack", OPERATIONS)))
        run = run_profile(profile, tmp_path / "reports")
    answered = gateway.answered

    # 429 (Retry-After honoured) and 503: the very next request is the retry of the same call,
    # and it got a real answer.
    for number in THROTTLED + UNAVAILABLE:
        index = next(i for i, entry in enumerate(answered) if entry[4] == number)
        (method, path, query, status, _), retry = answered[index], answered[index + 1]
        assert status == (429 if number in THROTTLED else 503), answered[index]
        assert retry[:3] == [method, path, query], (answered[index], retry)
        assert retry[3] not in (429, 503), retry
    # The gateway's 401 to a missing key is a rejection of that probe, not a body to judge.
    assert [entry for entry in answered if entry[3] == 401], "the bearer probes never met the gateway's 401"
    assert run.outcome("LAPOR-AUTH-002") == "passed"
    assert not [e for e in run.ledger if e["check"] == "schema" and e["outcome"] == "failed"]
    # The gateway's 504 (not retried: the back end may have acted) leaves that one case not exercised;
    # the operation behind a gateway that always answers 503 is not exercised at all.
    assert [entry for entry in answered if entry[3] == 504]
    operations = run.summary["operations"]
    assert operations["getComplaint"]["not_exercised_cases"] == 1, operations
    assert operations["listTemplates"]["answered_cases"] == 0
    assert operations["listTemplates"]["not_exercised_cases"] >= 1
    assert operations["listInstitutions"]["not_exercised_cases"] == 0, operations
    assert not [e for e in run.ledger if e["operation"] == "listTemplates" and e["outcome"] == "passed"]
    # ... and its Allure result is not a green "passed": nothing was checked there.
    statuses = {next(p["value"] for p in r["parameters"] if p["name"] == "operation").strip("'"): r["status"]
                for r in run.allure_results()}
    assert statuses == {"GET /masters/institutions/external": "passed", "GET /masters/templates": "skipped",
                        "GET /complaints/{complaint_id}/complaint": "passed"}, statuses
    assert run.summary["tests"]["skipped"] == 1
    # No finding against the API; the run may call its evidence incomplete, never "fail".
    assert run.failed == set(), run.explain()
    assert run.summary["verdict"] != "fail", run.explain()


def test_bom_is_http_004_only_and_every_reader_tolerates_it(tmp_path, monkeypatch):
    """The operations whose answers other checks read again: create → detail, follow-up → list, paging."""
    credentials = use_canary_credentials(monkeypatch)
    pack = trimmed_pack(tmp_path / "pack", {"createComplaint", "getComplaint", "addFollowup", "listFollowups",
                                            "listTemplates"})
    with serve(JsonWithBom(create_app(tmp_path / "sim.sqlite3", credentials))) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}{LAPOR_BASE_PATH}", pack=str(pack))
        run = run_profile(profile, tmp_path / "reports")

    assert run.failed == {"LAPOR-HTTP-004"}, run.explain()
    assert "Traceback" not in (run.run_dir / "pytest.log").read_text(encoding="utf-8")
    # The checks that read a second answer read it through the BOM too.
    for requirement in ("LAPOR-CREATE-002", "LAPOR-CREATE-003", "LAPOR-FU-002", "LAPOR-PAGE-002", "LAPOR-PAGE-004"):
        assert run.outcome(requirement) == "passed", (requirement, run.explain())


def test_bodies_behind_a_bom_are_still_validated(tmp_path, monkeypatch):
    credentials = use_canary_credentials(monkeypatch)
    pack = trimmed_pack(tmp_path / "pack", {"listInstitutions", "listTemplates", "getComplaint"})
    with serve(JsonWithBom(create_app(tmp_path / "sim.sqlite3", credentials), numeric_ids=True)) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}{LAPOR_BASE_PATH}", pack=str(pack))
        run = run_profile(profile, tmp_path / "reports")

    assert run.failed == {"LAPOR-HTTP-004", "LAPOR-DATA-001"}, run.explain()
