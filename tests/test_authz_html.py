"""An HTML 200 to the second institution is no evidence that it read or acted (LAPOR-AUTHZ-001/002).

A gateway in front of a conforming API may answer a caller it does not let through with its own login page
(or an SPA fallback), `200 text/html`. That is neither "institution B read the complaint" nor "B was
refused": the run must neither fail nor pass LAPOR-AUTHZ-001 on it, and must find nothing at all. When
even B's credential check (before any test) gets the page, B's credentials are a set-up problem: exit 2.
Real HTTP: the conforming simulator behind a gateway-like wrapper, run through `lapor-conformance run`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from tests.broken.runs import LIFECYCLE_ONLY, SECOND_API_KEY, SECOND_TOKEN, Job, run_one, simulator

pytestmark = pytest.mark.slow
LOGIN_PAGE = b"<html><body>login</body></html>"


def _from_second_institution(scope: dict[str, Any]) -> bool:
    """B's own key and token (a probe mixing one institution's key with another's token is no session of B)."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
    bearer = headers.get("authorization", headers.get("auth", ""))
    return headers.get("token") == SECOND_TOKEN and bearer == f"Bearer {SECOND_API_KEY}"


class LoginPageForSecondInstitution:
    """Answers institution B's requests on the routes containing `routes` with a login page, as a gateway."""

    def __init__(self, app: Any, routes: str) -> None:
        self.app, self.routes = app, routes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not _from_second_institution(scope) or self.routes not in scope["path"]:
            await self.app(scope, receive, send)
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/html; charset=utf-8"),
                                (b"content-length", str(len(LOGIN_PAGE)).encode())]})
        await send({"type": "http.response.body", "body": LOGIN_PAGE})


def _job(routes: str) -> Job:
    wrap = lambda app, credentials: LoginPageForSecondInstitution(app, routes)  # noqa: E731
    return Job(f"html-login-{routes.strip('/') or 'all'}", partial(simulator, wrap=wrap), max_examples=12,
               stateful=True, pytest_args=LIFECYCLE_ONLY)


def test_a_login_page_for_the_second_institution_is_neither_a_read_nor_a_refusal(tmp_path):
    # B's credential check (master data) gets JSON; its reads and acts on complaints, a login page
    result = run_one(_job("/complaints/"), tmp_path)
    assert result.run_dir is not None, result.out
    assert result.failed == set(), result.out
    assert "LAPOR-AUTHZ-001" not in result.passed, result.out  # B never really read: not exercised


def test_a_login_page_for_every_request_of_the_second_institution_stops_the_run(tmp_path):
    # B's credentials never reach the API: a set-up problem named before any test, like a 401
    result = run_one(_job("/"), tmp_path)
    assert result.code == 2 and result.run_dir is None, result.out
    assert "`auth.second_institution`" in result.out and "text/html" in result.out, result.out
    assert "Traceback" not in result.out
