"""Authentication checks: both LAPOR credentials are required, checked, paired and never echoed.

The probes resend an accepted case with one credential missing, empty or wrong (wholly wrong, or the
real one with one character changed: a server comparing only a prefix accepts that), or with the key of
one institution and the token of another. They run on the first accepted cases of each operation and,
once one has failed, on every accepted case, so that Hypothesis can replay and shrink the failure
deterministically.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.redaction import WRONG_KEY, WRONG_TOKEN, encodings, near_misses

PROBE_ROUNDS_PER_OPERATION = 2
REJECTED = (401, 403)
MIN_ECHO_LENGTH = 8
# What each of `near_misses()` changes, in its order: (Bahasa Indonesia, English).
NEAR_MISS_CHANGES = (("karakter terakhir diganti", "its last character changed"),
                     ("huruf atau angka terakhir diganti", "its last letter or digit changed"))


def _should_probe(observation: Observation, name: str) -> bool:
    if not observation.accepted:
        return False
    return observation.session.probe_wanted(observation.operation_id, name, PROBE_ROUNDS_PER_OPERATION)


def _probe(observation: Observation, name: str, headers: dict[str, str], what: str) -> list[Outcome]:
    response = observation.session.resend(observation.case, headers=headers)
    if response is None:
        return []
    if response.status_code < 400:
        observation.session.probe_failed(observation.operation_id, name)
        return [failed(name, f"{what}: HTTP {response.status_code} (diharapkan 401/403)", probe_headers=headers)]
    observation.session.probe_passed(observation.operation_id, name)
    return [passed(name)]


@check("token_required")
def token_required(observation: Observation) -> list[Outcome]:
    if not _should_probe(observation, "token_required"):
        return []
    sender, name = observation.session.sender, "token_required"
    # An empty header is no token either (a server reading `''` as "not given" may fall back to a default).
    return (_probe(observation, name, sender.headers_for(drop=("token",)), "tanpa header token / without token header")
            + _probe(observation, name, sender.headers_for({"token": ""}), "header token kosong / empty token header"))


@check("bearer_required")
def bearer_required(observation: Observation) -> list[Outcome]:
    if not _should_probe(observation, "bearer_required"):
        return []
    sender, header, name = observation.session.sender, observation.session.context.bearer_header, "bearer_required"
    return (_probe(observation, name, sender.headers_for(drop=("authorization", "auth")),
                   "tanpa kunci bearer / without bearer key")
            + _probe(observation, name, sender.headers_for({header: "Bearer "}),
                     f"kunci bearer kosong (`{header}: Bearer `) / empty bearer key"))


@check("wrong_credentials_rejected")
def wrong_credentials_rejected(observation: Observation) -> list[Outcome]:
    if not _should_probe(observation, "wrong_credentials_rejected"):
        return []
    sender, context = observation.session.sender, observation.session.context
    probes = [(context.auth_headers(api_key=WRONG_KEY), "kunci bearer salah / wrong bearer key"),
              ({"token": WRONG_TOKEN}, "token salah / wrong token")]
    # Near misses: the real value with one character changed. The messages name the variable, never a value.
    key_ref, token_ref = f"${{{context.api_key_ref}}}", f"${{{context.token_ref}}}"
    probes += [(context.auth_headers(api_key=value), f"kunci bearer {key_ref} dengan {id_} / bearer key {key_ref} "
                                                     f"with {en}")
               for value, (id_, en) in zip(near_misses(context.api_key), NEAR_MISS_CHANGES)]
    probes += [({"token": value}, f"token {token_ref} dengan {id_} / token {token_ref} with {en}")
               for value, (id_, en) in zip(near_misses(context.token), NEAR_MISS_CHANGES)]
    outcomes = []
    for headers, what in probes:
        outcomes += _probe(observation, "wrong_credentials_rejected", sender.headers_for(headers), what)
    return outcomes


@check("credentials_accepted")
def credentials_accepted(observation: Observation) -> list[Outcome]:
    if observation.status in REJECTED:
        header = observation.session.context.bearer_header
        if observation.is_gateway_answer:
            return [failed("credentials_accepted",
                           f"HTTP {observation.status} dari gateway (bukan dari API): kredensial atau langganan "
                           f"aplikasi di gateway SPLP tidak diterima — periksa LAPOR_API_KEY/LAPOR_TOKEN, header "
                           f"`{header}`, dan status langganan / the gateway refused the credentials or the "
                           "subscription; check the key, the token, the header name and the subscription")]
        return [failed("credentials_accepted",
                       f"HTTP {observation.status} dengan kredensial profil di header `{header}` — "
                       f"periksa kredensial, atau server tidak membaca header ini / "
                       f"rejected with the profile's credentials in `{header}`")]
    return [passed("credentials_accepted")]


@check("mixed_credentials_rejected")
def mixed_credentials_rejected(observation: Observation) -> list[Outcome]:
    """The key of one institution with the token of another is no credential (LAPOR-AUTH-007)."""
    context = observation.session.context
    if not context.second_auth_headers() or not _should_probe(observation, "mixed_credentials_rejected"):
        return []
    if context.second_api_key == context.api_key or context.second_token == context.token:
        return []  # one value shared by both institutions: a "mixed" pair is a real one, nothing to judge
    sender, name = observation.session.sender, "mixed_credentials_rejected"
    own_key = sender.headers_for(context.auth_headers(token=context.second_token))
    own_token = sender.headers_for(context.auth_headers(api_key=context.second_api_key))
    return (_probe(observation, name, own_key, "kunci bearer sendiri + token instansi kedua / own key + second "
                                               "institution's token")
            + _probe(observation, name, own_token, "kunci bearer instansi kedua + token sendiri / second "
                                                   "institution's key + own token"))


def _credentials(observation: Observation) -> list[tuple[str, str]]:
    """(what to call it, value) of every credential the run sends, the probes' wrong ones included."""
    context = observation.session.context
    named = [(f"${{{context.api_key_ref}}}", context.api_key), (f"${{{context.token_ref}}}", context.token),
             (f"${{{context.second_api_key_ref}}}", context.second_api_key),
             (f"${{{context.second_token_ref}}}", context.second_token),
             ("kunci salah uji / probe's wrong key", WRONG_KEY), ("token salah uji / probe's wrong token", WRONG_TOKEN)]
    for ref, value in ((context.api_key_ref, context.api_key), (context.token_ref, context.token)):
        named += [(f"${{{ref}}} hampir benar, uji / probe's near miss of ${{{ref}}}", near)
                  for near in near_misses(value)]
    # A value this short would match by chance (a 1-letter test key is in every body).
    return [(label, value) for label, value in named if len(value) >= MIN_ECHO_LENGTH]


def _echoed(response: Any, credentials: list[tuple[str, str]]) -> list[str]:
    body = response.content or b""
    headers = " ".join(f"{k}: {v}" for k, v in dict(response.headers or {}).items())
    found = []
    for label, value in credentials:
        forms = encodings(value)
        if any(form.encode() in body for form in forms):
            found.append(f"{label} (body)")
        if any(form in headers for form in forms):
            found.append(f"{label} (header)")
    return found


@check("no_credential_echo", after_probes=True)
def no_credential_echo(observation: Observation) -> list[Outcome]:
    """No answer — the case's own, or one to a probe or read-back the checks sent — carries a credential,
    in any form (as sent, URL-encoded, JSON-escaped, base64)."""
    credentials = _credentials(observation)
    answers = [(f"{observation.status}", observation.response)] + [
        (f"{response.status_code}, {what}", response) for what, response in observation.session.probe_answers]
    for where, response in answers:
        found = _echoed(response, credentials)
        if found:
            return [failed("no_credential_echo", f"respons (HTTP {where}) memuat kredensial / the response carries "
                                                 f"a credential: {', '.join(found)}")]
    return [passed("no_credential_echo")]
