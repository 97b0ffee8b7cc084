"""The reference simulator over real HTTP (start_in_thread): auth, envelope, paging, the complaint chain.

Also guards the spec pack it serves: every property carries x-evidence, every x-requirement is a
catalogued ID, and the simulator's validation follows the spec it is given.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests
import yaml

from conformance.simulator import seed
from conformance.simulator.server import SimulatorHandle, start_in_thread
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, ROOT

PACK = ROOT / "conformance" / "specs" / "lapor-v3"
CREDENTIALS = {"api_key": CANARY_API_KEY, "token": CANARY_TOKEN}
COMPLAINT = {"title": "Lampu jalan padam", "content": "Lampu penerangan jalan umum padam sejak dua minggu.",
             "channel": 13, "classification_id": 6, "category_id": 436, "location_id": 34,
             "disposition_id": 151345, "tags_raw": "#lapormaswapres", "is_anonymous": False, "is_secret": False}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorHandle]:
    handle = start_in_thread(db_path=tmp_path_factory.mktemp("sim") / "lapor.sqlite3", credentials=CREDENTIALS)
    yield handle
    handle.stop()


@pytest.fixture(scope="module")
def http(sim: SimulatorHandle) -> Iterator[requests.Session]:
    session = requests.Session()
    session.headers.update(sim.headers("Authorization"))
    yield session
    session.close()


def _load_pack_spec() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((PACK / "openapi.yaml").read_text(encoding="utf-8"), Loader=loader)  # noqa: S506


def _assert_no_secret(response: requests.Response) -> None:
    assert CANARY_API_KEY not in response.text and CANARY_TOKEN not in response.text


def _string_ids(node: object) -> None:
    """Every `id` / `*_id` value in a response is a string (or null)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if (key == "id" or key.endswith("_id")) and not isinstance(value, (dict, list)):
                assert value is None or isinstance(value, str), (key, value)
            _string_ids(value)
    elif isinstance(node, list):
        for item in node:
            _string_ids(item)


# ------------------------------------------------------------------------------------ auth
@pytest.mark.parametrize("bearer_header", ["Authorization", "auth"])
def test_auth_per_header_mode(bearer_header: str, tmp_path: Path) -> None:
    other = "auth" if bearer_header == "Authorization" else "Authorization"
    with start_in_thread(db_path=tmp_path / "db.sqlite3", credentials=CREDENTIALS, bearer_header=bearer_header) as sim:
        url = sim.base_url + "/masters/templates"
        good = {bearer_header: f"Bearer {CANARY_API_KEY}", "token": CANARY_TOKEN}
        cases = {
            "configured header": (good, 200),
            "key in the other header": ({other: f"Bearer {CANARY_API_KEY}", "token": CANARY_TOKEN}, 401),
            "no token": ({bearer_header: f"Bearer {CANARY_API_KEY}"}, 401),
            "no bearer": ({"token": CANARY_TOKEN}, 401),
            "wrong key": ({**good, bearer_header: "Bearer $2y$10$wrong"}, 401),
            "wrong token": ({**good, "token": "{00000000-0000-0000-0000-000000000000}"}, 401),
            "key without Bearer": ({**good, bearer_header: CANARY_API_KEY}, 401),
        }
        for name, (headers, status) in cases.items():
            response = requests.get(url, headers=headers, timeout=5)
            assert response.status_code == status, name
            assert response.headers["content-type"] == "application/json"
            if status == 401:
                assert isinstance(response.json()["message"], str)
            _assert_no_secret(response)


def test_both_mode_accepts_either_header(sim: SimulatorHandle) -> None:
    for header in ("Authorization", "auth"):
        response = requests.get(sim.base_url + "/masters/templates", headers=sim.headers(header), timeout=5)
        assert response.status_code == 200, header


# -------------------------------------------------------------------------------- envelope
def test_envelope_and_json_errors(sim: SimulatorHandle, http: requests.Session) -> None:
    response = http.get(sim.base_url + "/masters/templates")
    body = response.json()
    assert response.headers["content-type"] == "application/json"
    assert body["status"] is True and isinstance(body["message"], str) and isinstance(body["results"], dict)
    assert {t["template_code"] for t in body["results"]["data"]} == {"disposition", "reply_lmw"}
    for template in body["results"]["data"]:
        assert {"template_code", "title", "type", "content"} <= set(template)

    missing = http.get(sim.origin + "/integration/api/v3/no/such/route")
    wrong_method = http.delete(sim.base_url + "/masters/templates")
    for response, status in ((missing, 404), (wrong_method, 405)):
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        assert isinstance(response.json()["message"], str)
    assert http.get(sim.origin + "/docs").status_code == 404  # FastAPI's own docs are off
    assert http.get(sim.origin + "/openapi.json").status_code == 404


def test_paging_walk_visits_every_institution_once(sim: SimulatorHandle, http: requests.Session) -> None:
    seen: list[str] = []
    url: str | None = sim.base_url + "/masters/institutions/external?page_size=4"
    pages = 0
    while url:
        results = http.get(url).json()["results"]
        assert len(results["data"]) <= 4
        seen += [item["id"] for item in results["data"]]
        url = results["next_page_url"]
        pages += 1
        assert url is None or url.startswith(sim.base_url)
    assert pages == -(-len(seen) // 4) > 5
    assert sorted(seen) == sorted(iid for iid, _ in seed.INSTITUTIONS)
    everything = http.get(sim.base_url + "/masters/institutions/external", params={"page_size": 1000}).json()
    names = {item["id"]: item["name"] for item in everything["results"]["data"]}
    assert names["12838"] == "Pemerintah Kota Padang"
    assert names["151345"].startswith("Lapor Mas Wapres!")
    beyond = http.get(sim.base_url + "/masters/institutions/external", params={"page": 99, "page_size": 4}).json()
    assert beyond["results"]["data"] == [] and beyond["results"]["next_page_url"] is None


# ----------------------------------------------------------------------------------- chain
def _followups(sim: SimulatorHandle, http: requests.Session, complaint_id: str) -> list[dict]:
    items, url = [], f"{sim.base_url}/complaints/{complaint_id}/followups"
    while url:
        results = http.get(url).json()["results"]
        items += results["data"]
        url = results["next_page_url"]
    return items


def test_upload_create_detail_followup_chain(sim: SimulatorHandle, http: requests.Session) -> None:
    upload = http.post(sim.base_url + "/complaints/complaint/file", files=[
        ("attachments[]", ("bukti.pdf", b"%PDF-1.4 bukti", "application/pdf")),
        ("attachments[]", ("foto.png", b"\x89PNG foto", "image/png")),
        ("note", (None, "a text part is not a file")),  # no filename: PHP would not count it as a file
    ])
    assert upload.status_code == 422  # `note` is not declared (additionalProperties: false)
    upload = http.post(sim.base_url + "/complaints/complaint/file", files=[
        ("attachments[]", ("bukti.pdf", b"%PDF-1.4 bukti", "application/pdf")),
        ("attachments[]", ("foto.png", b"\x89PNG foto", "image/png")),
    ])
    docs = upload.json()["results"]["docs"]
    assert upload.status_code == 200 and len(docs) == 2
    _string_ids(upload.json())

    body = {**COMPLAINT, "attachments": json.dumps([int(d["id"]) for d in docs])}
    created = http.post(sim.base_url + "/complaints/complaint", json=body)
    assert created.status_code == 200, created.text
    complaint = created.json()["results"]["complaint"]
    assert isinstance(complaint["id"], str) and complaint["status_name"] == "Belum Terverifikasi"

    detail = http.get(f"{sim.base_url}/complaints/{complaint['id']}/complaint").json()["results"]
    _string_ids(detail)
    data = detail["data"]
    assert data["status_name"] == "Belum Terverifikasi" and data["disposition_id"] == "151345"
    assert {"status_code", "disposition_name", "status_logs"} <= set(data)
    assert isinstance(detail["data_logs"], list) and detail["data_logs"][0]["template_code"] == "disposition"

    added = http.post(sim.base_url + "/complaints/followup/add", data={
        "complaint_id": complaint["id"], "user_id": "1", "institution_from_id": "151345",
        "institution_to_id": "151345", "template_code": "reply_lmw", "rating": "0", "is_secret": "0",
        "content": "Laporan sedang kami tindak lanjuti.", "info_disposition": "",
    }, files=[("attachment[0]", ("surat.pdf", b"%PDF surat", "application/pdf"))])
    assert added.status_code == 200, added.text
    listed = _followups(sim, http, complaint["id"])
    mine = [item for item in listed if item["content"] == "Laporan sedang kami tindak lanjuti."]
    assert len(mine) == 1 and mine[0]["attachments"][0]["file_name"] == "surat.pdf"
    for item in listed:
        datetime.strptime(item["created_at"], "%d-%m-%Y %H:%M:%S")
        assert {"status_old", "status_new"} <= set(json.loads(item["data"]))
    _string_ids(listed)


def test_create_rejects_unknown_references(sim: SimulatorHandle, http: requests.Session) -> None:
    unknown_doc = http.post(sim.base_url + "/complaints/complaint", json={**COMPLAINT, "attachments": "[999999999]"})
    unknown_institution = http.post(sim.base_url + "/complaints/complaint",
                                    json={**COMPLAINT, "disposition_id": 424242})
    assert unknown_doc.status_code == 404 and unknown_institution.status_code == 404
    assert isinstance(unknown_doc.json()["message"], str)


def test_followups_of_seeded_complaint_are_paged(sim: SimulatorHandle, http: requests.Session) -> None:
    first = http.get(f"{sim.base_url}/complaints/10000001/followups").json()["results"]
    assert first["next_page_url"] and re.search(r"[?&]page=2\b", first["next_page_url"])
    assert len(_followups(sim, http, "10000001")) == len(seed.FOLLOWUPS[10000001])
    assert http.get(f"{sim.base_url}/complaints/99999999/followups").status_code == 404


def test_reroute_moves_the_disposition_and_logs_it(sim: SimulatorHandle, http: requests.Session) -> None:
    created = http.post(sim.base_url + "/complaints/complaint", json=COMPLAINT).json()
    complaint_id = created["results"]["complaint"]["id"]
    body = {"is_request": 1, "reason": "12838", "reason_description": "Kewenangan Pemerintah Kota Padang",
            "not_authority": 1}
    rerouted = http.post(f"{sim.base_url}/complaints/process/{complaint_id}/reject", json=body)
    assert rerouted.status_code == 200 and isinstance(rerouted.json()["results"], dict)
    data = http.get(f"{sim.base_url}/complaints/{complaint_id}/complaint").json()["results"]
    assert data["data"]["disposition_id"] == "12838"
    assert data["data"]["disposition_name"] == "Pemerintah Kota Padang"
    assert data["data"]["status_logs"][0]["note"] == "Kewenangan Pemerintah Kota Padang"
    assert data["data_logs"][-1]["institution_to"] == {"id": "12838", "name": "Pemerintah Kota Padang"}
    assert http.post(f"{sim.base_url}/complaints/process/{complaint_id}/reject",
                     json={**body, "reason": "424242"}).status_code == 404
    assert http.post(f"{sim.base_url}/complaints/process/99999999/reject", json=body).status_code == 404


# ------------------------------------------------------------------------------ validation
def test_invalid_input_is_422_in_laravel_shape(sim: SimulatorHandle, http: requests.Session) -> None:
    response = http.post(sim.base_url + "/complaints/complaint",
                         json={"title": 5, "content": "x" * 5001, "unexpected": True, "attachments": "[4199656]."})
    body = response.json()
    assert response.status_code == 422 and isinstance(body["message"], str)
    assert {"title", "content", "unexpected", "attachments", "channel", "category_id"} <= set(body["errors"])
    assert all(isinstance(messages, list) and messages for messages in body["errors"].values())
    assert http.get(sim.base_url + "/masters/templates", params={"page": "abc"}).status_code == 422
    assert http.get(sim.base_url + "/masters/templates", params={"page_size": 1001}).status_code == 422
    assert http.get(sim.base_url + "/complaints/abc/complaint").status_code == 422
    malformed = http.post(sim.base_url + "/complaints/complaint", data=b"{not json",
                          headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and "message" in malformed.json()
    followup = http.post(sim.base_url + "/complaints/followup/add",
                         files=[("complaint_id", (None, "10000001")), ("content", (None, "x")),
                                ("attachment[0]", (None, "text instead of a file"))])
    assert followup.status_code == 422 and "attachment[0]" in followup.json()["errors"]


def test_validation_follows_the_spec_it_is_given(tmp_path: Path) -> None:
    spec = _load_pack_spec()
    spec["components"]["parameters"]["PageSize"]["schema"]["maximum"] = 5
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    from conformance.simulator.validation import SpecValidator

    validator = SpecValidator(tmp_path / "openapi.yaml")
    assert set(validator.operations) == {"listInstitutions", "listTemplates", "uploadAttachments", "createComplaint",
                                         "rerouteComplaint", "getComplaint", "listFollowups", "addFollowup"}
    schema = {"$ref": "#/components/parameters/PageSize"}
    assert validator.resolve(schema)["schema"]["maximum"] == 5
    _, page_size_validator = validator.operations["listTemplates"].parameters[1]
    assert page_size_validator.is_valid(5) and not page_size_validator.is_valid(6)


# ------------------------------------------------------------------------------- spec pack
def test_pack_marks_evidence_and_requirements() -> None:
    spec = _load_pack_spec()
    catalogue = set(re.findall(r"LAPOR-[A-Z]+-\d{3}", (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")))
    problems: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            evidence = node.get("x-evidence")
            if evidence is not None and (evidence.get("level") not in ("confirmed", "client-code", "inferred")
                                         or not all(re.fullmatch(r"S([1-9]|1[0-5])", s) for s in evidence["sources"])):
                problems.append(f"{where}: bad x-evidence {evidence}")
            if "x-requirement" in node and node["x-requirement"] not in catalogue:
                problems.append(f"{where}: unknown {node['x-requirement']}")
            for name, prop in (node.get("properties") or {}).items():
                if not (isinstance(prop, dict) and "x-evidence" in prop):
                    problems.append(f"{where}/properties/{name}: no x-evidence")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(spec, "#")
    operations = [op for item in spec["paths"].values() for op in item.values()]
    assert len(operations) == 8 and all("x-evidence" in op for op in operations)
    assert not problems, problems
    assert spec["servers"][0]["url"] == "/integration/api/v3"
    pack = yaml.safe_load((PACK / "pack.yaml").read_text(encoding="utf-8"))
    assert pack["id"] == "lapor-v3" and pack["status"] == "reconstruction"


def test_malformed_multipart_leaves_no_library_log_lines(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """python-multipart logs "Found invalid character 13 in header at …" for a body the harness malforms on
    purpose; in a run those lines landed among the progress lines. The simulator keeps only its errors."""
    import logging

    caplog.set_level(logging.DEBUG)  # whatever the root logger lets through, the library says nothing
    body = (b'--grens\r\nContent-Disposition: form-data; name="attachments[]"; filename="a.pdf"\r\n'
            b'Bad\rHeader: x\r\n\r\n%PDF\r\n--grens--\r\n')
    with start_in_thread(db_path=tmp_path / "db.sqlite3", credentials=CREDENTIALS) as running:
        answer = requests.post(running.base_url + "/complaints/complaint/file", data=body, timeout=10,
                               headers={**running.headers(), "Content-Type": "multipart/form-data; boundary=grens"})
    assert answer.status_code == 400, answer.text  # the parser did see (and refuse) the body
    noise = [r for r in caplog.records if r.name.startswith(("python_multipart", "multipart"))]
    assert not noise, [r.getMessage() for r in noise]
    assert logging.getLogger("conformance").getEffectiveLevel() <= logging.WARNING  # the harness's own stays
