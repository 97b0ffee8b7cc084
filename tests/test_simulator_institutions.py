"""The simulator with a second institution's credentials: object-level access, anonymity, secrets."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from conformance.simulator import seed
from conformance.simulator.server import SimulatorHandle, start_in_thread
from tests.broken.runs import SECOND, SECOND_INSTITUTION_ID
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, ROOT

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


# ------------------------------------------------------- `lapor-conformance simulate` serves both sets
def _simulate(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
              while_serving) -> str:
    """Run `simulate` until its banner is printed, call while_serving(handle, banner), stop (as Ctrl+C would)."""
    from conformance.cli import main
    from conformance.simulator.server import Listeners

    seen: list[str] = []

    def serve_once(handle) -> None:
        seen.append(capsys.readouterr().out)
        while_serving(handle, seen[0])

    monkeypatch.setattr(Listeners, "wait", serve_once)
    assert main(["simulate", "--port", "0", *argv]) == 0
    return seen[0]


def _exports(banner: str) -> dict[str, str]:
    return dict(re.findall(r"export (LAPOR_\w+)='([^']*)'", banner))


def test_simulate_prints_a_second_institutions_credentials_confined_to_it(capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("LAPOR_B_API_KEY", raising=False)
    monkeypatch.delenv("LAPOR_B_TOKEN", raising=False)

    def check(handle, banner: str) -> None:
        values = _exports(banner)
        assert set(values) == {"LAPOR_API_KEY", "LAPOR_TOKEN", "LAPOR_B_API_KEY", "LAPOR_B_TOKEN"}, banner
        assert "12838" in banner and "auth.second_institution" in banner
        first = {"api_key": values["LAPOR_API_KEY"], "token": values["LAPOR_TOKEN"]}
        second = {"api_key": values["LAPOR_B_API_KEY"], "token": values["LAPOR_B_TOKEN"]}
        assert second != first
        created = requests.post(f"{handle.base_url}/complaints/complaint", json=_complaint(),
                                headers=_headers(first), timeout=10)
        complaint = created.json()["results"]["complaint"]["id"]
        assert requests.get(f"{handle.base_url}/complaints/{complaint}/complaint", headers=_headers(first),
                            timeout=10).status_code == 200
        assert requests.get(f"{handle.base_url}/complaints/{complaint}/complaint", headers=_headers(second),
                            timeout=10).status_code == 404  # the second institution is confined to 12838
        # What a profile with both sets and a base_url pointing here does first: one read-only call each.
        from conformance.profiles.loader import load_profile
        from conformance.profiles.secrets import resolve_credentials
        from conformance.runner.target import check_access, preflight
        from conformance.specpack import load_pack

        profile_text = (ROOT / "profiles" / "contoh-simulator.yaml").read_text(encoding="utf-8")
        profile_path = tmp_path / "terhadap-simulate.yaml"
        profile_path.write_text(profile_text.replace("base_url: simulator", f"base_url: {handle.base_url}")
                                .replace("environment: simulator", "environment: sandbox"), encoding="utf-8")
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        profile = load_profile(profile_path)
        credentials = resolve_credentials(profile)
        assert credentials.second_institution_id == "12838" and not credentials.ephemeral
        preflight(handle.base_url)
        check_access(handle.base_url, load_pack(profile.spec_pack, base_dir=profile_path.parent), credentials)

    _simulate([], capsys, monkeypatch, check)


def test_simulate_takes_the_second_set_from_the_environment_and_another_institution(capsys, monkeypatch):
    monkeypatch.setenv("LAPOR_B_API_KEY", SECOND["api_key"])
    monkeypatch.setenv("LAPOR_B_TOKEN", SECOND["token"])

    def check(handle, banner: str) -> None:
        assert set(_exports(banner)) == {"LAPOR_API_KEY", "LAPOR_TOKEN"}  # only the ephemeral set is shown
        assert SECOND["api_key"] not in banner and SECOND["token"] not in banner
        second_line = next(line for line in banner.splitlines() if line.startswith("Instansi kedua:"))
        assert "LAPOR_B_API_KEY" in second_line and "151345" in second_line and seed.PADANG_ID not in second_line
        listed = requests.get(f"{handle.base_url}/masters/institutions/external", headers=_headers(SECOND),
                              timeout=10)
        assert listed.status_code == 200, listed.text

    _simulate(["--second-institution", "151345"], capsys, monkeypatch, check)


def test_simulate_refuses_a_second_set_equal_to_the_first(capsys, monkeypatch):
    from conformance.cli import main
    from conformance.simulator.server import Listeners

    monkeypatch.setattr(Listeners, "wait", lambda handle: None)  # were it to start, it stops at once

    for name, value in (("LAPOR_API_KEY", SECOND["api_key"]), ("LAPOR_TOKEN", SECOND["token"]),
                        ("LAPOR_B_API_KEY", SECOND["api_key"]), ("LAPOR_B_TOKEN", SECOND["token"])):
        monkeypatch.setenv(name, value)
    assert main(["simulate", "--port", "0", "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "LAPOR_B_API_KEY" in err and "own" in err and SECOND["token"] not in err
