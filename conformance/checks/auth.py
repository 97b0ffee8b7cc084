"""Authentication checks: both LAPOR credentials are required, checked and never echoed.

The probes resend an accepted case with one credential missing or wrong. They run on the first
accepted cases of each operation and, once one has failed, on every accepted case, so that
Hypothesis can replay and shrink the failure deterministically.
"""

from __future__ import annotations

from conformance.checks.base import Observation, Outcome, check, failed, passed

PROBE_ROUNDS_PER_OPERATION = 2
REJECTED = (401, 403)
WRONG_KEY = "$2y$10$" + "x" * 53
WRONG_TOKEN = "{00000000-0000-0000-0000-000000000000}"
MIN_ECHO_LENGTH = 8


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
    headers = observation.session.sender.headers_for(drop=("token",))
    return _probe(observation, "token_required", headers, "tanpa header token / without token header")


@check("bearer_required")
def bearer_required(observation: Observation) -> list[Outcome]:
    if not _should_probe(observation, "bearer_required"):
        return []
    session = observation.session
    headers = session.sender.headers_for(drop=("authorization", "auth"))
    return _probe(observation, "bearer_required", headers, "tanpa kunci bearer / without bearer key")


@check("wrong_credentials_rejected")
def wrong_credentials_rejected(observation: Observation) -> list[Outcome]:
    if not _should_probe(observation, "wrong_credentials_rejected"):
        return []
    session = observation.session
    outcomes = []
    wrong_key = session.sender.headers_for(session.context.auth_headers(api_key=WRONG_KEY))
    outcomes += _probe(observation, "wrong_credentials_rejected", wrong_key, "kunci bearer salah / wrong bearer key")
    wrong_token = session.sender.headers_for({"token": WRONG_TOKEN})
    outcomes += _probe(observation, "wrong_credentials_rejected", wrong_token, "token salah / wrong token")
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


@check("no_credential_echo")
def no_credential_echo(observation: Observation) -> list[Outcome]:
    context = observation.session.context
    # A value this short would match by chance (a 1-letter test key is in every body).
    secrets = [value for value in (context.api_key, context.token) if len(value) >= MIN_ECHO_LENGTH]
    body = observation.response.content or b""
    headers = " ".join(f"{k}: {v}" for k, v in dict(observation.response.headers or {}).items())
    for secret in secrets:
        if secret.encode() in body or secret in headers:
            return [failed("no_credential_echo", "respons memuat nilai kredensial / response contains a credential")]
    return [passed("no_credential_echo")]
