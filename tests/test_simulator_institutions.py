"""The simulator with a second institution's credentials: object-level access, anonymity, secrets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from conformance.simulator import seed
from conformance.simulator.server import SimulatorHandle, start_in_thread
from tests.broken.runs import SECOND, SECOND_INSTITUTION_ID
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN

PRIMARY = {"api_key": CANARY_API_KEY, "token": CANARY_TOKEN}
REPORTER = {"is_new_user_slider": True, "nameUser": "Siti Rahayu", "emailUser": "siti@pelapor.example",
            "phoneUser": "+6281234567890"}


def _complaint(**overrides: object) -> dict:
    body = {"title": "Lampu jalan padam", "content": "Lampu penerangan jalan umum padam sejak dua minggu.",
            "channel": 13, "classification_id": 6, "category_id": 436, "location_id": 34,
            "disposition_id": int(seed.LMW_ID), "is_anonymous": False, "is_secret": False}
    body.update(overrides)
    return body


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorHandle]:
    handle = start_in_thread(db_path=tmp_path_factory.mktemp("sim") / "lapor.sqlite3", credentials=PRIMARY,
                             extra_credentials=[SECOND])
    yield handle
    handle.stop()


def _headers(credentials: dict) -> dict:
    return {"Authorization": f"Bearer {credentials['api_key']}", "token": credentials["token"]}


def _create(sim: SimulatorHandle, **overrides: object) -> str:
    response = requests.post(f"{sim.base_url}/complaints/complaint", json=_complaint(**overrides),
                             headers=_headers(PRIMARY), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["results"]["complaint"]["id"]


def test_another_institution_sees_neither_the_complaint_nor_its_log(sim):
    complaint = _create(sim)
    for path in (f"/complaints/{complaint}/complaint", f"/complaints/{complaint}/followups"):
        assert requests.get(sim.base_url + path, headers=_headers(PRIMARY), timeout=10).status_code == 200
        other = requests.get(sim.base_url + path, headers=_headers(SECOND), timeout=10)
        assert other.status_code == 404 and "Lampu" not in other.text


def test_another_institution_cannot_act_and_nothing_changes(sim):
    complaint = _create(sim)
    reply = requests.post(f"{sim.base_url}/complaints/followup/add", headers=_headers(SECOND), timeout=10,
                          files={"complaint_id": (None, complaint), "content": (None, "bukan milik kami")})
    reroute = requests.post(f"{sim.base_url}/complaints/process/{complaint}/reject", headers=_headers(SECOND),
                            json={"reason": SECOND_INSTITUTION_ID, "is_request": 1}, timeout=10)
    assert reply.status_code == 404 and reroute.status_code == 404
    detail = requests.get(f"{sim.base_url}/complaints/{complaint}/complaint", headers=_headers(PRIMARY), timeout=10)
    assert detail.json()["results"]["data"]["disposition_id"] == seed.LMW_ID


def test_a_complaint_disposed_to_the_other_institution_is_its_business(sim):
    complaint = _create(sim, disposition_id=int(SECOND_INSTITUTION_ID))
    other = requests.get(f"{sim.base_url}/complaints/{complaint}/complaint", headers=_headers(SECOND), timeout=10)
    assert other.status_code == 200


def test_the_reporter_shows_only_when_the_complaint_is_not_anonymous(sim):
    named = _create(sim, **REPORTER)
    anonymous = _create(sim, **REPORTER, is_anonymous=True)
    shown = requests.get(f"{sim.base_url}/complaints/{named}/complaint", headers=_headers(PRIMARY), timeout=10)
    hidden = requests.get(f"{sim.base_url}/complaints/{anonymous}/complaint", headers=_headers(PRIMARY), timeout=10)
    assert shown.json()["results"]["data"]["reporter"]["email"] == "siti@pelapor.example"
    assert hidden.json()["results"]["data"]["reporter"] is None
    assert "Siti" not in hidden.text and "8123456789" not in hidden.text


def test_the_second_credentials_are_never_echoed(sim):
    response = requests.get(f"{sim.base_url}/masters/templates", headers=_headers(SECOND), timeout=10)
    assert response.status_code == 200
    assert SECOND["api_key"] not in response.text and SECOND["token"] not in response.text


def test_create_app_still_takes_the_old_credential_forms(tmp_path):
    from conformance.simulator.app import Credentials, create_app

    for credentials in ((CANARY_API_KEY, CANARY_TOKEN), PRIMARY, Credentials(CANARY_API_KEY, CANARY_TOKEN)):
        app = create_app(tmp_path / "db.sqlite3", credentials, bearer_header="Authorization")
        assert app.state.simulator.credentials.institution_id is None
        app.state.simulator.store.close()
