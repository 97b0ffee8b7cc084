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


# --- near misses, empty values, base64 --------------------------------------------------------------------
KEY = "$2y$10$abc/def.ghiJKLmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRS"
TOKEN = "{11111111-2222-4333-8444-555555555555}"


def test_near_misses_change_one_character_and_keep_the_shape():
    from conformance.redaction import near_misses

    [key] = near_misses(KEY)  # ends with a letter: one near miss
    assert key[:-1] == KEY[:-1] and key[-1] != KEY[-1] and key[-1].isupper()
    last_character, last_digit = near_misses(TOKEN)  # ends with `}`: also its last hex digit changed
    assert last_character[:-1] == TOKEN[:-1] and last_character[-1] != "}"
    assert last_digit[:-2] == TOKEN[:-2] and last_digit[-1] == "}" and last_digit[-2] in "0123456789abcdef"
    assert last_digit[-2] != TOKEN[-2]
    assert near_misses("{ABCDEF0F-0000-4000-8000-00000000000F}")[1][-2] == "E"  # hex stays hex, case kept
    assert near_misses("") == []


class _ProbeSession:
    """Answers every probe with `status`, recording the headers each one carried."""

    def __init__(self, monkeypatch, status: int = 401) -> None:
        from conformance.engine.context import API_KEY_ENV, TOKEN_ENV, RunContext
        from conformance.engine.transport import Sender

        monkeypatch.setenv(API_KEY_ENV, KEY)
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        self.context = RunContext(run_dir="/nonexistent", base_url="http://127.0.0.1:1", pack_dir="", agency={},
                                  bearer_header="Authorization", environment="simulator", seed=1, max_examples=1,
                                  max_time_s=60, stateful=False)
        self.sender = Sender(self.context.base_url, self.context.auth_headers(), deadline=0.0)
        self.status, self.sent, self.pack_roles, self.probe_answers = status, [], {}, []

    def probe_wanted(self, operation_id, name, rounds):
        return True

    def probe_passed(self, operation_id, name):
        pass

    probe_failed = probe_passed

    def resend(self, case, *, headers=None, params=None):
        self.sent.append(headers)
        return SimpleNamespace(status_code=self.status, content=b"{}", headers={})


def _accepted(session) -> Observation:
    response = SimpleNamespace(status_code=200, content=b'{"results": {}}',
                               headers={"content-type": "application/json"})
    return Observation(case=None, response=response, operation_id="listTemplates", session=session)


def test_wrong_credentials_probes_include_near_misses_named_by_variable(monkeypatch):
    from conformance.checks.auth import wrong_credentials_rejected
    from conformance.redaction import near_misses

    session = _ProbeSession(monkeypatch, status=200)
    outcomes = wrong_credentials_rejected(_accepted(session))
    sent = {(h["Authorization"], h["token"]) for h in session.sent}
    expected = {(f"Bearer {WRONG_KEY}", TOKEN), (f"Bearer {KEY}", WRONG_TOKEN)}
    expected |= {(f"Bearer {near}", TOKEN) for near in near_misses(KEY)}
    expected |= {(f"Bearer {KEY}", near) for near in near_misses(TOKEN)}
    assert sent == expected and len(session.sent) == 5  # 2 wholly wrong, 1 near key, 2 near tokens
    assert [o.passed for o in outcomes] == [False] * 5
    messages = " ".join(o.message for o in outcomes)
    assert "${LAPOR_API_KEY}" in messages and "${LAPOR_TOKEN}" in messages
    assert KEY[7:20] not in messages and "1111" not in messages  # named, never shown
    assert [o.passed for o in wrong_credentials_rejected(_accepted(_ProbeSession(monkeypatch)))] == [True] * 5


@pytest.mark.parametrize("check, header, empty", [("token_required", "token", ""),
                                                  ("bearer_required", "Authorization", "Bearer ")])
def test_missing_and_empty_credentials_are_both_probed(monkeypatch, check, header, empty):
    from conformance.checks import auth

    session = _ProbeSession(monkeypatch, status=200)
    outcomes = getattr(auth, check)(_accepted(session))
    missing, blank = session.sent
    assert header not in missing and blank[header] == empty
    assert [o.passed for o in outcomes] == [False, False]
    assert "kosong" in outcomes[1].message and "empty" in outcomes[1].message


def test_an_empty_header_goes_on_the_wire():
    """The HTTP client under schemathesis' `case.call` (requests) keeps an empty `token:` and a bare `Bearer `
    (some clients drop empty headers; the broken variants empty-*-accepted prove it end to end)."""
    import socket
    import threading

    import requests

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    received = []

    def answer() -> None:
        connection, _ = server.accept()
        received.append(connection.recv(65536))
        connection.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        connection.close()

    thread = threading.Thread(target=answer)
    thread.start()
    requests.get(f"http://127.0.0.1:{server.getsockname()[1]}/", headers={"token": "", "Authorization": "Bearer "},
                 timeout=5)
    thread.join(5)
    server.close()
    assert b"\r\ntoken: \r\n" in received[0] and b"\r\nAuthorization: Bearer \r\n" in received[0]


def _base64_echoes() -> list[tuple[bytes, dict[str, str]]]:
    import base64
    import urllib.parse

    token, key = TOKEN.encode(), KEY.encode()
    cookie = urllib.parse.quote(base64.b64encode(b"sesi:" + token).decode(), safe="")  # PHP's setcookie()
    return [(base64.b64encode(token), {}), (base64.b64encode(token).rstrip(b"="), {}),
            (base64.urlsafe_b64encode(key), {}), (base64.urlsafe_b64encode(key).rstrip(b"="), {}),
            (b'{"basic": "' + base64.b64encode(b"12838:" + key).replace(b"/", b"\\/") + b'"}', {}),
            (b"{}", {"set-cookie": f"lapor_session={cookie}; HttpOnly"})]


@pytest.mark.parametrize("content, headers", _base64_echoes())
def test_a_base64_echo_is_found(content, headers):
    [outcome] = _echo_outcomes(content, headers, [])
    assert not outcome.passed and "LAPOR_" in outcome.message


def test_an_echoed_near_miss_is_found():
    from conformance.redaction import near_misses

    for near in near_misses(KEY) + near_misses(TOKEN):
        [outcome] = _echo_outcomes(b"{}", {}, [("GET /x", SimpleNamespace(status_code=401, content=near.encode(),
                                                                          headers={}))])
        assert not outcome.passed and "hampir benar" in outcome.message and near not in outcome.message


def test_redactor_masks_near_misses_and_base64():
    from conformance.redaction import MASK, Redactor, near_misses

    redactor = Redactor([KEY, TOKEN])
    for content, headers in _base64_echoes():
        text = content.decode() + " ".join(f"{k}: {v}" for k, v in headers.items())
        assert MASK in redactor.redact(text)
    for near in near_misses(KEY) + near_misses(TOKEN):
        assert near not in redactor.redact(f"curl -H 'x-probe {near}'")
    plain = "aGVsbG8gd29ybGQ= page 2 of 3, token: accepted"  # base64 of other text, prose: untouched
    assert redactor.redact(plain) == plain
