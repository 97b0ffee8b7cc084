"""Verdict policy, waivers and the evidence-sufficiency gate, on synthetic outcomes (no runs, fast)."""

from __future__ import annotations

import datetime

import pytest

from conformance.errors import UserError
from conformance.profiles.loader import Waiver
from conformance.verdict.gate import gate_problems, planned_operations
from conformance.verdict.policy import load_policy
from conformance.verdict.recommend import decide, render_reason, render_recommendation, run_verdict
from conformance.verdict.waivers import apply_waivers
from tests.conftest import ROOT, run_cli

TODAY = datetime.date(2026, 6, 1)
GOOD = {"op": {"cases": 10, "answered": 10, "not_exercised": 0, "statuses": {"200": 5, "422": 5}}}


def row(rid: str, outcome: str, level: str = "MUST", provisional: bool = False) -> dict:
    return {"id": rid, "level": level, "provisional": provisional, "outcome": outcome, "direction": "provider",
            "title": {"id": rid, "en": rid}, "findings": [], "operations": []}


def outcome_of(rows, policy=None, operations=GOOD, interrupted=False, waivers=()):
    policy = policy or load_policy()
    records = apply_waivers(rows, waivers, TODAY)
    problems = gate_problems(operations, ["op"], policy, interrupted)
    return run_verdict(rows, problems)[0], decide(rows, records, policy, problems, today=TODAY), records


def test_all_passed_is_ready_and_says_it_is_advice():
    verdict, recommendation, _ = outcome_of([row("LAPOR-A-001", "passed")])
    assert (verdict, recommendation["code"], recommendation["decision_hint"]) == ("pass", "ready", "integrate")
    assert recommendation["advisory"] is True
    assert "SIAP UNTUK INTEGRASI" in render_recommendation(recommendation, "id")
    assert "READY FOR INTEGRATION" in render_recommendation(recommendation, "en")


def test_an_unexercised_must_leaves_no_recommendation_and_says_what_the_profile_lacks():
    authz = {**row("LAPOR-AUTHZ-001", "not_exercised"), "needs_profile": "auth.second_institution"}
    verdict, recommendation, _ = outcome_of([row("LAPOR-A-001", "passed"), authz,
                                             row("LAPOR-A-003", "not_exercised", "SHOULD"),
                                             row("LAPOR-A-004", "not_exercised", provisional=True)])
    assert verdict == "pass"  # the CI verdict is about failures; the recommendation is about evidence
    assert recommendation["code"] == "insufficient_evidence"
    [reason] = [r for r in recommendation["reasons"] if r["effect"] == "insufficient"]
    assert reason["requirement"] == "LAPOR-AUTHZ-001"  # SHOULD and provisional ones stay notes
    assert "perlu `auth.second_institution` di profil" in render_reason(reason, "id")
    assert "needs `auth.second_institution` in the profile" in render_reason(reason, "en")


def test_must_failure_is_not_ready_should_failure_needs_remediation_with_deadline():
    _, recommendation, _ = outcome_of([row("LAPOR-A-001", "failed", "MUST"), row("LAPOR-A-002", "failed", "SHOULD")])
    assert recommendation["code"] == "not_ready"
    assert recommendation["reasons"][0]["code"] == "blocking_failure"
    verdict, recommendation, _ = outcome_of([row("LAPOR-A-002", "failed", "SHOULD")])
    assert verdict == "fail" and recommendation["code"] == "ready_after_remediation"
    assert recommendation["to_fix"] == ["LAPOR-A-002"]
    assert recommendation["deadline_days"] == 30 and recommendation["deadline"] == "2026-07-01"
    assert "2026-07-01" in render_recommendation(recommendation, "en")


def test_provisional_failures_never_turn_the_recommendation_negative_whatever_the_policy(tmp_path):
    strict = tmp_path / "strict.yaml"
    strict.write_text("effect: {observation: not_ready, minor: not_ready}\n"
                      "not_exercised: {MUST: not_ready}\n", encoding="utf-8")
    rows = [row("LAPOR-A-001", "failed", "MUST", provisional=True), row("LAPOR-A-002", "not_exercised", "MUST", True)]
    verdict, recommendation, _ = outcome_of(rows, policy=load_policy(strict))
    assert verdict == "fail"  # CI still sees the finding
    assert recommendation["code"] == "ready"
    assert {r["code"] for r in recommendation["reasons"]} == {"observation", "not_exercised"}


def test_too_many_findings_is_not_ready(tmp_path):
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text("remediation: {max_findings: 1}\n", encoding="utf-8")
    rows = [row(f"LAPOR-A-00{i}", "failed", "SHOULD") for i in range(1, 4)]
    _, recommendation, _ = outcome_of(rows, policy=load_policy(policy_file))
    assert recommendation["code"] == "not_ready"
    assert any(r["code"] == "too_many_findings" for r in recommendation["reasons"])


@pytest.mark.parametrize("statuses,code", [
    ({"401": 9, "403": 1}, "only_rejections"),
    ({"404": 3, "503": 2}, "only_rejections"),
    ({"200": 2, "422": 8}, "too_few_accepted"),
    ({"200 (bukan API / not API)": 10}, "too_few_accepted"),  # e.g. a login page: no accepted case
    ({}, "no_cases"),
])
def test_evidence_gate_refuses_a_positive_recommendation(statuses, code):
    operations = {"op": {"cases": 10, "statuses": statuses}}
    verdict, recommendation, _ = outcome_of([row("LAPOR-A-001", "passed")], operations=operations)
    assert verdict == "incomplete"
    assert recommendation["code"] == "insufficient_evidence"
    assert recommendation["reasons"][0]["code"] == code
    assert "op" in render_reason(recommendation["reasons"][0], "en")


def test_an_operation_the_gateway_never_let_through_has_no_evidence():
    operations = {"op": {"cases": 4, "answered": 0, "not_exercised": 4, "statuses": {}}}
    _, recommendation, _ = outcome_of([row("LAPOR-A-001", "passed")], operations=operations)
    assert recommendation["reasons"][0]["code"] == "no_real_answer"
    assert "4" in render_reason(recommendation["reasons"][0], "en")


def test_evidence_gap_does_not_hide_a_blocking_failure_but_an_interruption_gives_no_recommendation():
    rows = [row("LAPOR-A-001", "failed")]
    verdict, recommendation, _ = outcome_of(rows, operations={"op": {"statuses": {"401": 3}}})
    assert (verdict, recommendation["code"]) == ("fail", "not_ready")
    verdict, recommendation, _ = outcome_of(rows, interrupted=True)
    assert (verdict, recommendation["code"]) == ("incomplete", "insufficient_evidence")
    assert outcome_of([row("LAPOR-A-001", "passed")], operations=None)[1]["reasons"][0]["code"] == "no_record"


def test_waivers_active_expired_stale_unused():
    waivers = [Waiver("LAPOR-A-001", "gateway", "Tim LAPOR", datetime.date(2026, 6, 1)),   # last valid day
               Waiver("LAPOR-A-002", "lama", "Tim LAPOR", datetime.date(2026, 5, 31)),     # expired
               Waiver("LAPOR-A-003", "sudah beres", "Tim LAPOR", datetime.date(2027, 1, 1)),
               Waiver("LAPOR-A-004", "belum diuji", "Tim LAPOR", datetime.date(2027, 1, 1))]
    rows = [row("LAPOR-A-001", "failed"), row("LAPOR-A-002", "failed", "SHOULD"), row("LAPOR-A-003", "passed"),
            row("LAPOR-A-004", "not_exercised", "MAY")]
    verdict, recommendation, records = outcome_of(rows, waivers=waivers)
    assert [r["status"] for r in records] == ["active", "expired", "stale", "unused"]
    assert [r["outcome"] for r in rows] == ["waived", "failed", "passed", "not_exercised"]
    assert verdict == "fail"  # the expired waiver no longer covers LAPOR-A-002
    assert recommendation["code"] == "ready_after_remediation" and recommendation["to_fix"] == ["LAPOR-A-002"]
    codes = {r["code"] for r in recommendation["reasons"]}
    assert {"waived", "expired_waiver", "stale_waiver"} <= codes
    only_waived = [row("LAPOR-A-001", "failed")]
    verdict, recommendation, _ = outcome_of(only_waived, waivers=waivers[:1])
    assert (verdict, recommendation["code"]) == ("pass", "ready")


def test_default_policy_loads_and_a_bad_override_names_file_and_key(tmp_path):
    policy = load_policy()
    assert policy.id == "default" and policy.min_accepted_cases >= 1 and len(policy.sha256) == 64
    bad = tmp_path / "bad.yaml"
    bad.write_text("effect: {blocking: reject}\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_policy(bad)
    message = caught.value.render("en")
    assert "bad.yaml" in message and "effect.blocking" in message and "reject" in message
    bad.write_text("evidence: {min_accepted_cases: -1}\n", encoding="utf-8")
    with pytest.raises(UserError, match="policy.invalid"):
        load_policy(bad)


def test_planned_operations_leave_out_writes_on_read_only_targets():
    openapi = {"paths": {"/a": {"get": {"operationId": "readA", "responses": {}},
                                "post": {"operationId": "writeA", "responses": {}}}}}
    assert planned_operations(openapi, read_only=False) == (["readA", "writeA"], [])
    assert planned_operations(openapi, read_only=True) == (["readA"], ["writeA"])


def _profile(tmp_path, extra: str) -> str:
    text = (ROOT / "profiles" / "contoh-simulator.yaml").read_text(encoding="utf-8") + extra
    path = tmp_path / "profil.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_waiver_for_an_unknown_requirement_is_a_profile_error_with_its_line(tmp_path, capsys):
    profile = _profile(tmp_path, "waivers:\n  - requirement: LAPOR-AUTH-001\n    reason: r\n    approver: a\n"
                                 "    expires: 2030-01-01\n  - requirement: LAPOR-NOPE-999\n    reason: r\n"
                                 "    approver: a\n    expires: 2030-01-01\n")
    line = (tmp_path / "profil.yaml").read_text(encoding="utf-8").splitlines().index(
        "  - requirement: LAPOR-NOPE-999") + 1
    for command in (["profile", "validate", profile], ["run", profile, "--reports-dir", str(tmp_path / "r")]):
        code, out, err = run_cli(command, capsys)
        assert code == 2, out + err
        assert f"profil.yaml:{line}" in err and "waivers[1].requirement" in err and "LAPOR-NOPE-999" in err
        assert "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_missing_policy_file_is_a_profile_error(tmp_path, capsys):
    profile = _profile(tmp_path, "policy: tidak-ada.yaml\n")
    code, _, err = run_cli(["run", profile, "--reports-dir", str(tmp_path / "r"), "--lang", "en"], capsys)
    assert code == 2 and "`policy`" in err and "tidak-ada.yaml" in err and "Traceback" not in err


def test_every_reason_recommendation_and_waiver_status_speaks_both_languages():
    from conformance.i18n import catalogue

    codes = ["blocking_failure", "remediation_finding", "observation", "not_exercised", "not_exercised_needs",
             "no_traffic", "waived", "expired_waiver",
             "stale_waiver", "interrupted", "no_record", "no_cases", "no_real_answer", "only_rejections",
             "too_few_accepted", "writes_skipped", "too_many_findings", "harness_error"]
    keys = [f"reason.{c}" for c in codes] + [f"rec.{c}" for c in ("ready", "ready_after_remediation", "not_ready",
                                                                   "insufficient_evidence")]
    keys += [f"waiver.status.{s}" for s in ("active", "expired", "stale", "unused")] + ["outcome.waived"]
    keys += [f"fp.decision.{d}" for d in ("integrate", "integrate_after_remediation", "consolidate_or_reject", "none")]
    keys += [f"verify.problem.{p}" for p in ("layout", "missing", "added", "changed", "signature",
                                             "manifest_unreadable", "other_key", "digest")]
    for key in keys:
        assert set(catalogue().get(key, {})) == {"id", "en"}, key


def test_the_profile_hint_is_given_only_when_the_profile_lacks_the_field():
    from conformance.reporting.summary import requirement_outcomes
    from conformance.specpack import load_pack

    def hint(profile_has):
        rows = requirement_outcomes(load_pack(), [], {"provider"}, profile_has=profile_has)
        return next(r for r in rows if r["id"] == "LAPOR-AUTHZ-001").get("needs_profile")

    assert hint(lambda field: False) == "auth.second_institution"
    assert hint(lambda field: field == "auth.second_institution") is None  # given, but the run never got there
