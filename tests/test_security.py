"""Security checks on their own: plain HTTP to a remote host is a finding (LAPOR-HTTP-002), and the
auth probes send each credential defect separately."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conformance.checks.auth import WRONG_KEY, WRONG_TOKEN
from conformance.checks.base import Observation
from conformance.checks.http import transport_is_https
from conformance.specpack import load_pack


def _observation(base_url: str) -> Observation:
    session = SimpleNamespace(context=SimpleNamespace(base_url=base_url), pack_roles={})
    return Observation(case=None, response=None, operation_id="listTemplates", session=session)


@pytest.mark.parametrize("base_url", ["http://latihan-api.lapor.go.id/integration/api/v3",
                                      "http://api-splp.layanan.go.id/sandbox-konsolidasi/1.0",
                                      "http://10.1.2.3:8080/integration/api/v3",
                                      "http://127.example.com/integration/api/v3",  # a name, not an address
                                      "http://localhost.example.com/integration/api/v3"])
def test_plain_http_to_a_remote_host_is_a_finding(base_url):
    outcomes = list(transport_is_https(_observation(base_url)))
    assert [o.passed for o in outcomes] == [False]
    assert "http://" in outcomes[0].message
    bound = [r.id for r in load_pack("lapor-v3").requirements_checked_by("transport_is_https")]
    assert bound == ["LAPOR-HTTP-002"]


@pytest.mark.parametrize("base_url", ["https://latihan-api.lapor.go.id/integration/api/v3",
                                      "http://127.0.0.1:8750/integration/api/v3",
                                      "http://localhost:8750/integration/api/v3",
                                      "http://LOCALHOST.:8750/integration/api/v3",
                                      "http://[::ffff:127.0.0.1]:8750/integration/api/v3"])
def test_https_and_loopback_targets_pass(base_url):
    assert [o.passed for o in transport_is_https(_observation(base_url))] == [True]


def test_wrong_credentials_have_the_real_shapes():
    # A probe with a malformed credential could be refused for its shape alone, hiding a server that
    # checks only the shape: the wrong values look exactly like real ones.
    assert WRONG_KEY.startswith("$2y$10$") and len(WRONG_KEY) == 60
    assert WRONG_TOKEN.startswith("{") and WRONG_TOKEN.endswith("}") and len(WRONG_TOKEN) == 38


def test_each_credential_defect_is_its_own_requirement():
    pack = load_pack("lapor-v3")
    owners = {name: [r.id for r in pack.requirements_checked_by(name)]
              for name in ("token_required", "bearer_required", "wrong_credentials_rejected", "no_credential_echo",
                           "mixed_credentials_rejected")}
    assert owners == {"token_required": ["LAPOR-AUTH-001"], "bearer_required": ["LAPOR-AUTH-002"],
                      "wrong_credentials_rejected": ["LAPOR-AUTH-003"], "no_credential_echo": ["LAPOR-AUTH-005"],
                      "mixed_credentials_rejected": ["LAPOR-AUTH-007"]}


def _echo_outcomes(content: bytes, headers: dict[str, str], probe_answers: list) -> list:
    from conformance.checks.auth import no_credential_echo

    context = SimpleNamespace(api_key="$2y$10$abc/def.ghiJKLmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS",
                              token="{11111111-2222-4333-8444-555555555555}", second_api_key="", second_token="",
                              api_key_ref="LAPOR_API_KEY", token_ref="LAPOR_TOKEN",
                              second_api_key_ref="LAPOR_B_API_KEY", second_token_ref="LAPOR_B_TOKEN")
    session = SimpleNamespace(context=context, probe_answers=probe_answers, pack_roles={})
    response = SimpleNamespace(status_code=200, content=content, headers=headers)
    return list(no_credential_echo(Observation(case=None, response=response, operation_id="x", session=session)))


@pytest.mark.parametrize("content, headers", [
    (b'{"message": "key $2y$10$abc\\/def.ghiJKLmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS"}', {}),  # PHP's \/
    (b'{"next": "?t=%7B11111111-2222-4333-8444-555555555555%7D"}', {}),  # URL-encoded
    (b"{}", {"x-debug": "{11111111-2222-4333-8444-555555555555}"}),  # a header
])
def test_an_echoed_credential_is_found_in_any_form(content, headers):
    [outcome] = _echo_outcomes(content, headers, [])
    assert not outcome.passed and "LAPOR_" in outcome.message
    assert "1111" not in outcome.message and "abc" not in outcome.message  # named, never shown


def test_an_echo_in_a_probe_answer_is_found_and_the_clean_answer_passes():
    echo = SimpleNamespace(status_code=401, content=WRONG_TOKEN.encode(), headers={})
    [outcome] = _echo_outcomes(b"{}", {}, [("GET /masters/templates", echo)])
    assert not outcome.passed and "401, GET /masters/templates" in outcome.message
    assert [o.passed for o in _echo_outcomes(b'{"results": {}}', {}, [])] == [True]
