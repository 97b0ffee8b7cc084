"""Every provider MUST requirement is checked, and a deliberately broken simulator proves the check fires.

A requirement that an API conformance run cannot check at all says so in the data
(`checkable: false` with `not_checkable_reason` in requirements.yaml); it is not silently skipped.
A requirement whose defect is not a server behaviour (the target URL's scheme) names the test that
proves its check instead of a broken server variant.
"""

from __future__ import annotations

import importlib

import yaml

from conformance.checks import registered_checks
from conformance.specpack import load_pack
from tests.broken.variants import VARIANTS

PACK = load_pack("lapor-v3")
RAW = {entry["id"]: entry for entry in yaml.safe_load(
    (PACK.root / "requirements.yaml").read_text(encoding="utf-8"))["requirements"]}
# requirement -> (test proving the check fires, why no broken server can show it)
PROVEN_ELSEWHERE = {
    "LAPOR-HTTP-002": ("tests.test_security:test_plain_http_to_a_remote_host_is_a_finding",
                       "the defect is the target URL (http:// to a remote host), not a server behaviour; "
                       "the variants are served on loopback, where http:// is allowed"),
}


def _provider_musts() -> list:
    return [r for r in PACK.requirements if r.direction == "provider" and r.level == "MUST"]


def _not_checkable(requirement_id: str) -> bool:
    return RAW[requirement_id].get("checkable") is False


def test_there_are_at_least_fifteen_variants_with_unique_names():
    names = [variant.name for variant in VARIANTS]
    assert len(names) >= 15
    assert len(names) == len(set(names))


def test_every_variant_names_a_catalogued_provider_requirement():
    for variant in VARIANTS:
        requirement = PACK.requirement(variant.requirement)
        assert requirement is not None, variant.name
        assert requirement.direction == "provider", variant.name
        assert requirement.check_names, f"{variant.name}: {variant.requirement} has no check to trip"


def test_every_provider_must_requirement_is_checked_and_proven_or_marked_not_checkable():
    broken = {variant.requirement for variant in VARIANTS}
    missing_check, missing_proof = [], []
    for requirement in _provider_musts():
        if _not_checkable(requirement.id):
            continue
        if not requirement.check_names:
            missing_check.append(requirement.id)
        elif requirement.id not in broken and requirement.id not in PROVEN_ELSEWHERE:
            missing_proof.append(requirement.id)
    assert not missing_check, f"provider MUST requirements without a check: {missing_check}"
    assert not missing_proof, f"provider MUST requirements no broken variant trips: {missing_proof}"


def test_not_checkable_requirements_say_why_and_bind_no_check():
    for requirement_id, entry in RAW.items():
        if entry.get("checkable") is False:
            reason = entry.get("not_checkable_reason") or {}
            assert set(reason) == {"id", "en"}, f"{requirement_id}: the reason is read by assessors in both languages"
            assert all(len(text.strip()) > 40 for text in reason.values()), requirement_id
            assert not entry.get("checked_by"), f"{requirement_id} is marked not checkable but binds a check"
        else:
            assert "not_checkable_reason" not in entry, requirement_id


def test_requirements_proven_elsewhere_name_a_real_test_and_a_bound_check():
    checks = registered_checks()
    for requirement_id, (test, reason) in PROVEN_ELSEWHERE.items():
        module, name = test.split(":")
        assert callable(getattr(importlib.import_module(module), name)), test
        assert reason
        assert all(name in checks for name in PACK.requirement(requirement_id).check_names)


def test_only_the_deadline_rules_are_marked_not_checkable():
    # Adding to this list is a decision: say in requirements.yaml why no API run can check it.
    marked = sorted(rid for rid, entry in RAW.items() if entry.get("checkable") is False)
    assert marked == ["LAPOR-RULE-001", "LAPOR-RULE-002", "LAPOR-RULE-003", "LAPOR-RULE-004"]
