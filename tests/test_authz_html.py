"""An HTML 200 to the second institution is no evidence that it read or acted (LAPOR-AUTHZ-001/002).

A gateway in front of a conforming API may answer a caller it does not let through with its own login page
(or an SPA fallback), `200 text/html`. That is neither "institution B read the complaint" nor "B was
refused": the run must neither fail nor pass LAPOR-AUTHZ-001 on it, and must find nothing at all.
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


# "/complaints/": B's credential check (master data) gets JSON, its reads and acts a login page;
# "/": every request of B gets the login page, its credentials are never shown to work.
@pytest.mark.parametrize("routes", ["/complaints/", "/"], ids=["complaint-routes", "every-route"])
def test_a_login_page_for_the_second_institution_is_neither_a_read_nor_a_refusal(routes, tmp_path):
    wrap = lambda app, credentials: LoginPageForSecondInstitution(app, routes)  # noqa: E731
    job = Job(f"html-login-{routes.strip('/') or 'all'}", partial(simulator, wrap=wrap), max_examples=12,
              stateful=True, pytest_args=LIFECYCLE_ONLY)
    result = run_one(job, tmp_path)
    assert result.run_dir is not None, result.out
    assert result.failed == set(), result.out
    assert "LAPOR-AUTHZ-001" not in result.passed, result.out  # B never really read: not exercised
    if routes == "/":
        assert not {"LAPOR-AUTHZ-002", "LAPOR-PRIV-002", "LAPOR-PRIV-004"} & result.passed, result.out
