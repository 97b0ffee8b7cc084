"""Trap 3 — ask for JSON; never follow a redirect silently.

A Laravel back end answers invalid input with 422 `{message, errors}` only when the request asks
for JSON; otherwise it redirects (302) to the previous page, which answers 200 HTML. A client
that neither asks for JSON nor refuses to follow redirects sees "200" for invalid input.
"""

from __future__ import annotations

import httpx
import pytest

from conformance.simulator.app import create_app
from tests.conftest import serve
from tests.traps.harness import (LAPOR_BASE_PATH, run_profile, trimmed_pack, use_canary_credentials,
                                 write_profile)
from tests.traps.middleware import LaravelRedirects, foreign_listener
from tests.traps.servers import Recorder, Recording

pytestmark = pytest.mark.slow
CREDENTIAL_HEADERS = ("auth", "authorization", "token")


def _laravel(tmp_path, credentials, recorder, **options):
    simulator = create_app(tmp_path / "sim.sqlite3", credentials)
    return Recording(LaravelRedirects(simulator, **options), recorder)


def test_the_trap_is_real_without_accept_json(tmp_path, monkeypatch):
    credentials = use_canary_credentials(monkeypatch)
    headers = {"Authorization": f"Bearer {credentials['api_key']}", "token": credentials["token"]}
    with serve(_laravel(tmp_path, credentials, Recorder())) as origin:
        url = f"{origin}{LAPOR_BASE_PATH}/masters/templates?page_size=0"
        bare = httpx.get(url, headers=headers, follow_redirects=True)  # a client used bare
        careful = httpx.get(url, headers={**headers, "Accept": "application/json"})
    assert bare.status_code == 200 and "text/html" in bare.headers["content-type"]
    assert careful.status_code == 422 and set(careful.json()) >= {"message", "errors"}


def test_accept_json_keeps_laravel_answering_json(tmp_path, monkeypatch):
    """The whole LAPOR pack: every operation's invalid input comes back as 422 JSON, no finding."""
    credentials = use_canary_credentials(monkeypatch)
    recorder = Recorder()
    with serve(_laravel(tmp_path, credentials, recorder)) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}{LAPOR_BASE_PATH}")
        run = run_profile(profile, tmp_path / "reports")

    api_requests = [seen for seen in recorder.seen if seen.path.startswith(LAPOR_BASE_PATH)]
    assert api_requests and all("application/json" in seen.headers.get("accept", "") for seen in api_requests)
    assert 422 in recorder.statuses()  # invalid input was sent, and answered as JSON
    assert 302 not in recorder.statuses()
    assert run.summary["verdict"] == "pass", run.explain()
    assert run.code == 0


def test_redirect_despite_accept_json_is_http_003_only_and_never_followed(tmp_path, monkeypatch):
    """Invalid input redirected even with Accept JSON, to a page on another origin (APP_URL wrong).

    Exactly LAPOR-HTTP-003: the redirect is not judged as a rejection (LAPOR-VAL-001) nor as an
    acceptance (LAPOR-VAL-002), and it is never followed — trap 4's "a 302 to another origin".
    """
    credentials = use_canary_credentials(monkeypatch)
    recorder, foreign = Recorder(), Recorder()
    pack = trimmed_pack(tmp_path / "pack", {"listTemplates", "rerouteComplaint"})
    with serve(foreign_listener(foreign)) as elsewhere:
        laravel = _laravel(tmp_path, credentials, recorder, always=True, back_to=f"{elsewhere}/")
        with serve(laravel) as origin:
            profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}{LAPOR_BASE_PATH}", pack=str(pack),
                                    bearer_header="auth")
            run = run_profile(profile, tmp_path / "reports")

    assert 302 in recorder.statuses()
    assert not [seen for seen in recorder.seen if seen.path in ("/", "/login")]
    # The other origin never heard from the harness: no request, so no `auth`/`token` header either.
    assert not [(seen.method, seen.path, sorted(set(seen.headers) & set(CREDENTIAL_HEADERS)))
                for seen in foreign.seen]
    assert run.failed == {"LAPOR-HTTP-003"}, run.explain()
    assert run.outcome("LAPOR-VAL-001") != "failed" and run.outcome("LAPOR-VAL-002") != "failed"
    assert run.code == 1
