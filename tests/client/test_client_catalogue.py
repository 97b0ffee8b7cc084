"""The client requirements, their checks and their wording agree."""

from __future__ import annotations

import re

from conformance.client.checks import registered_client_checks
from conformance.i18n import catalogue
from conformance.specpack import load_pack
from tests.conftest import ROOT

PACK = load_pack("lapor-v3")


def test_every_client_requirement_is_bound_to_exactly_one_registered_client_check():
    checks = registered_client_checks()
    client = [r for r in PACK.requirements if r.direction == "client"]
    assert len(client) >= 14
    bound = []
    for requirement in client:
        assert len(requirement.checked_by) == 1, requirement.id
        binding = requirement.checked_by[0]
        assert binding["suite"] == "client/traffic" and binding["check"] in checks, requirement.id
        bound.append(binding["check"])
    assert sorted(bound) == sorted(checks)  # no check without a requirement, none bound twice


def test_inferred_client_requirements_are_provisional():
    for requirement in PACK.requirements:
        if requirement.direction == "client" and requirement.evidence == "inferred":
            assert requirement.provisional, requirement.id


def test_every_suite_test_names_a_bound_check():
    names = set()
    for path in (ROOT / "suites" / "client").glob("test_client_*.py"):
        names |= set(re.findall(r'judge\("(client:[a-z_]+)"\)', path.read_text(encoding="utf-8")))
    assert names == set(registered_client_checks())


def test_client_strings_exist_in_both_languages_with_the_same_placeholders():
    entries = {key: value for key, value in catalogue().items() if key.startswith("client.")}
    assert len(entries) > 30
    for key, value in entries.items():
        assert value.get("id") and value.get("en"), key
        assert set(re.findall(r"{(\w+)}", value["id"])) == set(re.findall(r"{(\w+)}", value["en"])), key
