"""Checks that follow an accepted write with a read: what was written must be there.

Which operation plays which part (create, detail, follow-up list…) is data: the pack's
`roles` in pack.yaml. A pack without those roles simply does not exercise these checks.
"""

from __future__ import annotations

import json

from typing import Any

from conformance.checks.base import Observation, Outcome, check, failed, passed, read_json

INITIAL_STATUS = "Belum Terverifikasi"


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.strip("/").split("/"):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def created_id(observation: Observation) -> str | None:
    body = observation.json()
    for pointer in observation.session.pack_roles.get("created_id_pointers", []):
        value = _pointer(body, pointer)
        if value not in (None, ""):
            return str(value)
    return None


@check("created_complaint_readable")
def created_complaint_readable(observation: Observation) -> list[Outcome]:
    session = observation.session
    if observation.operation_id != session.role("create_complaint") or not observation.accepted:
        return []
    complaint_id = created_id(observation)
    if complaint_id is None:
        return []  # the missing id is the schema check's finding (LAPOR-CREATE-001)
    response = session.call_role("complaint_detail", path_parameters={"complaint_id": complaint_id})
    if response is None:
        return []
    if response.status_code != 200:  # unreadable: LAPOR-CREATE-002 only (its status is unknown, not wrong)
        return [failed("created_complaint_readable",
                       f"aduan {complaint_id} baru dibuat, tetapi detailnya HTTP {response.status_code} / "
                       f"complaint {complaint_id} was just created but its detail answers {response.status_code}",
                       "LAPOR-CREATE-002")]
    logs = _pointer(_safe_json(response), "/results/data_logs")
    if not isinstance(logs, list):  # a new complaint's empty log is where `null` or `{}` creeps in
        return [passed("created_complaint_readable", "LAPOR-CREATE-002"),
                failed("created_complaint_readable",
                       f"detail aduan baru {complaint_id}: results.data_logs = {json.dumps(logs)[:40]}, bukan array / "
                       "not an array", "LAPOR-ENV-003")]
    status_name = _pointer(_safe_json(response), "/results/data/status_name")
    answered = _pointer(observation.json(), "/results/complaint/status_name")  # the create answer's own, if any
    where = "detail"
    if isinstance(answered, str) and answered != INITIAL_STATUS and status_name == INITIAL_STATUS:
        status_name, where = answered, "jawaban pembuatan / the create answer"
    if status_name != INITIAL_STATUS:
        return [passed("created_complaint_readable", "LAPOR-CREATE-002"),
                failed("created_complaint_readable",
                       f"status awal `{status_name}` ({where}), diharapkan `{INITIAL_STATUS}` / initial status",
                       "LAPOR-CREATE-003")]
    return [passed("created_complaint_readable")]


@check("followup_listed")
def followup_listed(observation: Observation) -> list[Outcome]:
    session = observation.session
    if observation.operation_id != session.role("add_followup") or not observation.accepted:
        return []
    form = observation.case.body if isinstance(observation.case.body, dict) else {}
    complaint_id, content = form.get("complaint_id"), form.get("content")
    if complaint_id in (None, "") or not content:
        return []
    for page in session.walk_pages("list_followups", {"complaint_id": str(complaint_id)}):
        if any(isinstance(item, dict) and item.get("content") == content for item in page):
            return [passed("followup_listed")]
    if not session.last_walk_complete:
        return []  # a page of the list got no real answer (gateway): not exercised, not failed
    return [failed("followup_listed",
                   f"tindak lanjut yang diterima tidak muncul di daftar aduan {complaint_id} / "
                   f"the accepted follow-up is not in complaint {complaint_id}'s list")]


@check("one_doc_per_file")
def one_doc_per_file(observation: Observation) -> list[Outcome]:
    session = observation.session
    if observation.operation_id != session.role("upload_attachments") or not observation.accepted:
        return []
    files = (observation.case.body or {}).get("attachments[]") if isinstance(observation.case.body, dict) else None
    if not isinstance(files, list):
        return []
    docs = _pointer(observation.json(), "/results/docs")
    count = len(docs) if isinstance(docs, list) else 0
    if count != len(files):
        return [failed("one_doc_per_file", f"{len(files)} berkas dikirim, {count} dokumen kembali / "
                                           f"{len(files)} files sent, {count} documents returned")]
    ids = [str(doc.get("id")) for doc in docs if isinstance(doc, dict) and doc.get("id") not in (None, "")]
    if len(ids) != count:
        return [failed("one_doc_per_file", f"{count - len(ids)} dari {count} dokumen tanpa id / "
                                           f"{count - len(ids)} of {count} documents have no id")]
    if len(set(ids)) != count:  # e.g. lastInsertId() read once after the loop: the files cannot be told apart
        return [failed("one_doc_per_file", f"{count} dokumen, hanya {len(set(ids))} id berbeda ({sorted(set(ids))[:3]}) "
                                           f"/ {count} documents but only {len(set(ids))} distinct ids")]
    return [passed("one_doc_per_file")]


def _safe_json(response: Any) -> Any:
    return read_json(response)
