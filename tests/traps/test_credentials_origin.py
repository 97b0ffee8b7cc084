"""Trap 4 — credentials never leave the configured origin.

A client that follows `next_page_url` or a redirect as given carries the `auth`/`Authorization`
and `token` headers to whatever origin the server names. The harness never follows either: a
`next_page_url` outside the configured base is a LAPOR-PAGE-005 finding, however it is spelled,
and the other origin never hears from the harness. (A 302 to another origin: see
test_laravel_redirects.py::test_redirect_despite_accept_json_is_http_003_only_and_never_followed.)
"""

from __future__ import annotations

import pytest

from conformance.simulator.app import create_app
from tests.conftest import serve
from tests.traps.harness import (LAPOR_BASE_PATH, run_profile, trimmed_pack, use_canary_credentials,
                                 write_profile)
from tests.traps.middleware import foreign_listener, next_page_url_spellings
from tests.traps.servers import Recorder

pytestmark = pytest.mark.slow
CREDENTIAL_HEADERS = ("auth", "authorization", "token")
LISTS = {"listInstitutions", "listTemplates", "listFollowups"}


def _page_005(run, operation: str) -> set[str]:
    return {entry["outcome"] for entry in run.ledger
            if entry["requirement"] == "LAPOR-PAGE-005" and entry["operation"] == operation}


def test_next_page_url_outside_the_base_is_page_005_and_never_followed(tmp_path, monkeypatch):
    credentials = use_canary_credentials(monkeypatch)
    foreign = Recorder()
    with serve(foreign_listener(foreign)) as elsewhere:
        app = next_page_url_spellings(create_app(tmp_path / "sim.sqlite3", credentials), elsewhere)
        with serve(app) as origin:
            profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}{LAPOR_BASE_PATH}",
                                    pack=str(trimmed_pack(tmp_path / "pack", LISTS)), bearer_header="auth")
            run = run_profile(profile, tmp_path / "reports")

    leaked = [seen for seen in foreign.seen if set(seen.headers) & set(CREDENTIAL_HEADERS)]
    assert not leaked, [(seen.method, seen.path, sorted(seen.headers)) for seen in leaked]
    assert not foreign.seen, [(seen.method, seen.path) for seen in foreign.seen]
    assert run.failed == {"LAPOR-PAGE-005"}, run.explain()
    assert _page_005(run, "listInstitutions") == {"failed"}  # another origin
    assert _page_005(run, "listFollowups") == {"failed"}  # same origin, climbs out of the base path
    assert _page_005(run, "listTemplates") == {"passed"}  # relative `?page=2&page_size=…`: not a finding
    findings = next(row["findings"] for row in run.summary["requirements"] if row["id"] == "LAPOR-PAGE-005")
    assert any(elsewhere in finding["message"] for finding in findings)
