"""The spec pack's data and the harness's code agree: every binding names a real check, every
`x-requirement` names a catalogued requirement, ids are unique and well formed."""

from __future__ import annotations

import re

from conformance.checks import registered_checks
from conformance.checks.schema import requirements_in
from conformance.specpack import load_pack

PACK = load_pack("lapor-v3")
ID_PATTERN = re.compile(r"^LAPOR-[A-Z]+-\d{3}$")


def test_catalogue_has_at_least_thirty_unique_well_formed_requirements():
    ids = [r.id for r in PACK.requirements]
    assert len(ids) >= 30
    assert len(ids) == len(set(ids))
    assert all(ID_PATTERN.match(i) for i in ids)
    for requirement in PACK.requirements:
        assert requirement.title.get("id") and requirement.title.get("en"), requirement.id
        assert requirement.evidence in {"confirmed", "client-code", "inferred"}, requirement.id


def test_inference_only_requirements_are_provisional():
    for requirement in PACK.requirements:
        if requirement.evidence == "inferred":
            assert requirement.provisional, requirement.id


def test_every_binding_names_a_registered_check():
    from conformance.client.checks import registered_client_checks

    checks = registered_checks()
    client_checks = registered_client_checks()  # suites/client judge recorded traffic with their own registry
    for requirement in PACK.requirements:
        for binding in requirement.checked_by:
            known = client_checks if str(binding.get("suite", "")).startswith("client/") else checks
            assert binding["check"] in known, f"{requirement.id} is bound to unknown check {binding['check']}"


def test_every_x_requirement_in_the_openapi_is_catalogued():
    catalogued = {r.id for r in PACK.requirements}
    used = requirements_in(PACK.openapi, PACK.openapi)
    assert used, "the pack binds no schema node to a requirement"
    assert used <= catalogued, used - catalogued


def test_schema_bound_requirements_appear_in_the_openapi():
    used = requirements_in(PACK.openapi, PACK.openapi)
    for requirement in PACK.requirements:
        if requirement.check_names == ("schema",):
            assert requirement.id in used, f"{requirement.id} is checked by `schema` but no schema node names it"


def test_all_eight_operations_carry_evidence():
    operations = [op for item in PACK.openapi["paths"].values() for op in item.values() if isinstance(op, dict) and "responses" in op]
    assert len(operations) == 8
    for operation in operations:
        assert operation["x-evidence"]["level"] in {"confirmed", "client-code", "inferred"}


def test_pack_digest_changes_when_a_byte_changes(tmp_path):
    import shutil

    copy = tmp_path / "pack"
    shutil.copytree(PACK.root, copy)
    original = load_pack(str(copy)).sha256
    (copy / "requirements.yaml").write_text((copy / "requirements.yaml").read_text() + "\n", encoding="utf-8")
    assert load_pack(str(copy)).sha256 != original
