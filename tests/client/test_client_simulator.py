"""The simulator in client mode: recording, faults, unusual answers, PHP multipart, control API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from conformance.simulator.client_mode import ClientSimulatorHandle, start_client_simulator
from conformance.simulator.control import CONTROL_HEADER
from conformance.simulator.faults import Fault
from conformance.simulator.php_multipart import parse, php_view
from conformance.simulator.shapes import Shapes, capped_query
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN

COMPLAINT = {"title": "Lampu jalan padam", "content": "Lampu penerangan jalan umum padam sejak dua minggu.",
             "channel": 13, "classification_id": 6, "category_id": 436, "location_id": 34,
             "disposition_id": 151345, "is_anonymous": False, "is_secret": False, "attachments": "[]"}


@pytest.fixture()
def sim(tmp_path) -> Iterator[ClientSimulatorHandle]:
    handle = start_client_simulator(credentials=(CANARY_API_KEY, CANARY_TOKEN), bearer_header="Authorization",
                                    record_path=tmp_path / "traffic.jsonl")
    yield handle
    handle.stop()


def client(sim: ClientSimulatorHandle, timeout: float = 5.0) -> httpx.Client:
    return httpx.Client(base_url=sim.base_url, timeout=timeout,
                        headers={**sim.headers(), "Accept": "application/json"})


def recorded(sim: ClientSimulatorHandle) -> list[dict]:
    sim.recorder.wait_quiet(0.02, 5)  # an exchange is stored right after its answer is sent
    return sim.recorder.exchanges()


def test_every_request_is_recorded_redacted_timed_and_validated(sim, tmp_path):
    with client(sim) as http:
        assert http.get("/masters/institutions/external", params={"page_size": 1000}).status_code == 200
        assert http.post("/complaints/complaint", json={**COMPLAINT, "category_id": "436"}).status_code == 422
        http.get("/masters/templates", headers={"token": ""})
        http.get("/masters/templates", headers={"Authorization": "", "auth": f"Bearer {CANARY_API_KEY}"})
    exchanges = recorded(sim)
    assert [e["operation"] for e in exchanges] == ["listInstitutions", "createComplaint", "listTemplates", "listTemplates"]
    first, invalid, no_token, wrong_header = exchanges
    assert first["validation"]["ok"] and first["credentials"]["bearer"] == "valid"
    assert first["t_end"] >= first["t_start"] >= 0 and first["response"]["status"] == 200
    assert first["response"]["summary"]["count"] >= 30
    assert not invalid["validation"]["ok"] and "category_id" in invalid["validation"]["errors"]
    assert no_token["credentials"]["token_state"] in ("missing", "wrong")
    assert wrong_header["credentials"]["bearer"] == "wrong_header" and wrong_header["credentials"]["bearer_in"] == "auth"
    on_disk = (tmp_path / "traffic.jsonl").read_text(encoding="utf-8")
    assert len(on_disk.splitlines()) == 4
    assert CANARY_API_KEY not in on_disk and CANARY_TOKEN not in on_disk
    assert first["headers"]["authorization"] == "Bearer [DISENSOR]" and first["headers"]["token"] == "[DISENSOR]"


def test_faults_per_operation_and_attempt(sim):
    sim.state.configure({"createComplaint": [Fault("status", status=429, retry_after=1), Fault("drop", phase="after"),
                                             Fault("hang", phase="after", seconds=3), None]}, Shapes(), episode=7)
    with client(sim, timeout=0.3) as http:
        limited = http.post("/complaints/complaint", json=COMPLAINT)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "1"
        with pytest.raises(httpx.RemoteProtocolError):
            http.post("/complaints/complaint", json=COMPLAINT)
        with pytest.raises(httpx.ReadTimeout):
            http.post("/complaints/complaint", json=COMPLAINT)
        assert http.post("/complaints/complaint", json=COMPLAINT).status_code == 200
    exchanges = recorded(sim)
    assert [e["attempt"] for e in exchanges] == [1, 2, 3, 4]
    assert {e["episode"] for e in exchanges} == {7}
    assert [e["response"]["outcome"] for e in exchanges] == ["answered", "dropped", "abandoned", "answered"]
    assert "processed" not in exchanges[0]  # refused before LAPOR acted
    assert exchanges[1]["processed"]["status"] == 200 and exchanges[2]["processed"]["status"] == 200
    assert len(sim.actions.complaints(sim.actions.max_complaint_id() - 3)) == 3  # three were really created


def test_unusual_answers_stay_schema_valid(sim):
    sim.state.configure({}, Shapes(create_shape="top_level", long_strings=3000, empty_lists=True, master_pages=3,
                                   foreign_next_page=True))
    shaper = sim.state.shaper
    with client(sim) as http:
        created = http.post("/complaints/complaint", json=COMPLAINT).json()
        assert "complaint_id" in created and "complaint" not in created["results"]
        assert shaper.valid("createComplaint", 200, created)
        page = http.get("/masters/institutions/external", params={"page_size": 1000}).json()
        results = page["results"]
        assert len(results["data"]) < 33 and results["next_page_url"].startswith(sim.foreign_base_url)
        assert len(results["data"][0]["name"]) == 3000 and results["data"][0]["id"] == "12838"
        assert shaper.valid("listInstitutions", 200, page)
        detail = http.get(f"/complaints/{created['complaint_id']}/complaint").json()
        assert detail["results"]["data"]["status_logs"] == [] and shaper.valid("getComplaint", 200, detail)
    # The foreign listener answers too (same LAPOR), and records who came with credentials.
    following = httpx.get(results["next_page_url"], headers=sim.headers())
    assert following.status_code == 200
    foreign = [e for e in recorded(sim) if e["listener"] == "foreign"]
    assert foreign and foreign[0]["credentials"]["carries_key"] and foreign[0]["credentials"]["carries_token"]


def test_capped_page_size_never_grows():
    assert capped_query("page_size=1000", 33, 3, 15) == "page_size=11"
    assert capped_query("page_size=5", 33, 3, 15) == "page_size=5"
    assert capped_query("", 33, 2, 15) == "page_size=15"
    assert capped_query("page_size=abc", 33, 2, 15) == "page_size=abc"


def _multipart(parts: list[tuple[str, str | None, bytes]]) -> tuple[bytes, str]:
    boundary = "XyZ"
    chunks = []
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_php_multipart_rules():
    body, content_type = _multipart([("attachments", "a.jpg", b"1"), ("attachments", "b.jpg", b"2"),
                                     ("attachment[]", "c.pdf", b"3"), ("attachment[]", "d.pdf", b"4"),
                                     ("content", None, b"first"), ("content", None, b"last"), ("note", "", b"")])
    parts = parse(body, content_type)
    assert [p.is_file for p in parts] == [True, True, True, True, False, False, False]
    view = php_view(body, content_type)
    assert view.dropped == ["attachments", "content"]
    assert [(p.name, p.data) for p in view.parts] == [("attachments", b"2"), ("attachment[]", b"3"),
                                                       ("attachment[]", b"4"), ("content", b"last"), ("note", b"")]
    assert php_view(view.body, content_type).dropped == []  # re-encoded with the same boundary


def test_repeated_bare_names_reach_lapor_as_php_sees_them(sim):
    with client(sim) as http:
        response = http.post("/complaints/followup/add", files=[
            ("complaint_id", (None, "10000001")), ("content", (None, "draft")), ("content", (None, "final")),
            ("attachment[0]", (None, b"%PDF-no-filename"))])
    assert response.status_code == 422 and "attachment[0]" in response.json()["errors"]
    exchange = recorded(sim)[-1]
    assert exchange["php_dropped"] == ["content"]
    assert [(p["name"], p["php_kept"]) for p in exchange["parts"]][1:3] == [("content", False), ("content", True)]
    assert list(exchange["validation"]["errors"]) == ["attachment[0]"]


def test_control_api_lapor_side_actions_and_traffic(sim):
    with client(sim) as http:
        created = http.post("/complaints/complaint", json=COMPLAINT).json()["results"]["complaint"]["id"]
    control = httpx.Client(base_url=sim.control_url, headers={CONTROL_HEADER: sim.control_key})
    assert httpx.get(sim.control_url + "/traffic").status_code == 401
    for action, body in (("verify", {}), ("dispose", {"institution_id": "12838"}),
                         ("followups", {"institution_id": "12838", "count": 11}),
                         ("status", {"status_code": 2, "status_name": "Dalam Proses"})):
        assert control.post(f"/complaints/{created}/{action}", json=body).status_code == 200, action
    assert control.post(f"/complaints/{created}/dispose", json={"institution_id": "1"}).status_code == 404
    with client(sim) as http:
        detail = http.get(f"/complaints/{created}/complaint").json()["results"]["data"]
        pages = http.get(f"/complaints/{created}/followups").json()["results"]
    assert detail["status_name"] == "Dalam Proses" and detail["disposition_id"] == "12838"
    assert pages["next_page_url"] is not None
    recorded(sim)
    traffic = control.get("/traffic", params={"since": 1}).json()
    assert [e["operation"] for e in traffic["exchanges"]] == ["getComplaint", "listFollowups"]
    scenario = control.put("/scenario", json={"episode": 2, "faults": {"getComplaint": [{"kind": "status", "status": 503}]},
                                              "shapes": {"create_shape": "both"}}).json()
    assert scenario["episode"] == 2 and scenario["shapes"]["create_shape"] == "both"
    with client(sim) as http:
        assert http.get(f"/complaints/{created}/complaint").status_code == 503
    assert [c["id"] for c in control.get("/complaints").json()["complaints"]][-1] == created
    assert all(CANARY_TOKEN not in json.dumps(e) for e in control.get("/traffic").json()["exchanges"])
    control.close()
