"""Defects the lifecycle model finds in what a complaint's detail and log show (tests/broken/variants.py names them).

Each one is the shape of a real back-end mistake: an UPDATE without the right WHERE, a list view's excerpt
served as the detail, dates formatted in the server's zone on one route only, a join on the wrong column, a
read replica that lags behind.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conformance.simulator import seed
from tests.broken.defects_wire import DETAIL_PATH, results_of, simulator_of
from tests.broken.middleware import RewriteJsonResponse

LAPOR_FORMAT = "%d-%m-%Y %H:%M:%S"


def followup_secret_overwritten(app: Any, credentials: dict[str, str]) -> Any:
    """A new follow-up sets is_secret of every earlier follow-up of the complaint to its own flag
    (`$complaint->followups()->update(['is_secret' => $request->is_secret])`)."""
    store, original = simulator_of(app).store, simulator_of(app).store.add_followup

    def add_followup(complaint_id: int, fields: dict[str, Any], attachments: Any, status_name: str) -> int:
        log_id = original(complaint_id, fields, attachments, status_name)
        with store._lock:
            store._db.execute("UPDATE logs SET is_secret = ? WHERE complaint_id = ? AND kind = 'followup' AND id != ?",
                              (int(fields.get("is_secret") or 0), complaint_id, log_id))
        return log_id

    store.add_followup = add_followup
    return app


def _utc(value: Any) -> Any:
    try:
        return (dt.datetime.strptime(value, LAPOR_FORMAT) - dt.timedelta(hours=7)).strftime(LAPOR_FORMAT)
    except (TypeError, ValueError):
        return value


def detail_dates_utc(app: Any, credentials: dict[str, str]) -> Any:
    """The detail (created_at, status_logs, data_logs) is formatted in UTC; the follow-up list stays WIB."""
    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if DETAIL_PATH.search(path) and isinstance(data, dict):
            data["created_at"] = _utc(data.get("created_at"))
            for log in data.get("status_logs") or []:
                log["timestamp"] = _utc(log.get("timestamp"))
            for entry in results_of(body).get("data_logs") or []:
                entry["created_at"] = _utc(entry.get("created_at"))
        return body

    return RewriteJsonResponse(app, rewrite)


def attachment_wrong_file(app: Any, credentials: dict[str, str]) -> Any:
    """The detail lists the referenced documents as objects with the right ids, but each with the file of the
    document stored before it (a join on the wrong column)."""
    uploaded: dict[int, dict[str, Any]] = {}
    known = seed.DOCUMENTS[0]

    def rewrite(path: str, query: str, body: Any) -> Any:
        if path.endswith("/complaints/complaint/file"):
            for doc in results_of(body).get("docs") or []:
                uploaded[int(doc["id"])] = dict(doc)
        data = results_of(body).get("data")
        if DETAIL_PATH.search(path) and isinstance(data, dict) and isinstance(data.get("attachments"), list):
            objects = []
            for doc_id in map(int, data["attachments"]):
                earlier = [i for i in uploaded if i < doc_id]
                if earlier:
                    other = uploaded[max(earlier)]
                else:  # the document seeded before every upload
                    prefix = str(uploaded.get(doc_id, {}).get("path", "/storage/documents/0")).rsplit("/", 1)[0]
                    other = {**known, "path": f"{prefix}/{known['id']}"}
                objects.append({"id": str(doc_id), "file_name": other["file_name"], "extension": other["extension"],
                                "path": other["path"]})
            data["attachments"] = objects
        return body

    return RewriteJsonResponse(app, rewrite)


def detail_content_truncated(app: Any, credentials: dict[str, str]) -> Any:
    """The detail's title and content go through the list view's excerpt (`Str::limit($text, 30)`)."""
    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if DETAIL_PATH.search(path) and isinstance(data, dict):
            for key in ("title", "content"):
                if isinstance(data.get(key), str) and len(data[key]) > 30:
                    data[key] = data[key][:30] + "..."
        return body

    return RewriteJsonResponse(app, rewrite)


def status_moves_back(app: Any, credentials: dict[str, str]) -> Any:
    """The sandbox verifies an unverified complaint once it has been read (an admin's move forward: allowed). A
    reroute to an institution that does not exist is refused, but only after it has put the complaint back to
    "Belum Terverifikasi" for re-disposition (the status update runs before the target is validated): the
    status moves back with no accepted action."""
    sim = simulator_of(app)
    store, act_on, require_institution, acting = sim.store, sim.complaint_id, sim.require_institution, {}

    def set_status(complaint_id: int, status: tuple[int, str]) -> None:
        with store._lock:
            store._db.execute("UPDATE complaints SET status_code = ?, status_name = ? WHERE id = ?",
                              (*status, complaint_id))

    def complaint_id(text: str, request: Any = None, *, act: bool = False) -> dict[str, Any]:
        found = act_on(text, request, act=act)
        acting["id"] = found["id"] if act else None
        return found

    def require(institution_id: Any, field: str) -> str:
        if field == "reason" and store.institution(str(institution_id)) is None and acting.get("id"):
            set_status(acting["id"], seed.STATUS_UNVERIFIED)  # re-disposition starts before validation fails
        return require_institution(institution_id, field)

    sim.complaint_id, sim.require_institution = complaint_id, require

    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if DETAIL_PATH.search(path) and isinstance(data, dict) and int(data.get("id") or 0) >= seed.FIRST_COMPLAINT_ID \
                and data.get("status_name") == seed.STATUS_UNVERIFIED[1]:
            set_status(int(data["id"]), seed.STATUS_VERIFIED)  # the sandbox admin verifies it after this read
        return body

    return RewriteJsonResponse(app, rewrite)


def followup_stored_twice(app: Any, credentials: dict[str, str]) -> Any:
    """Every follow-up is inserted twice (a retried insert after a timeout): the log shows it twice."""
    store = simulator_of(app).store
    original = store.add_followup

    def add_followup(complaint_id: int, fields: dict[str, Any], attachments: list[dict[str, Any]],
                     status_name: str) -> int:
        original(complaint_id, fields, attachments, status_name)
        return original(complaint_id, fields, attachments, status_name)

    store.add_followup = add_followup
    return app


def upload_ids_repeat(app: Any, credentials: dict[str, str]) -> Any:
    """Every document of one upload answers the id of the last one (lastInsertId() read after the loop)."""
    def rewrite(path: str, query: str, body: Any) -> Any:
        docs = results_of(body).get("docs")
        if path.endswith("/complaints/complaint/file") and isinstance(docs, list) and len(docs) > 1:
            for doc in docs:
                if isinstance(doc, dict) and isinstance(docs[-1], dict):
                    doc["id"] = docs[-1].get("id")
        return body

    return RewriteJsonResponse(app, rewrite)


def create_answers_other_status(app: Any, credentials: dict[str, str]) -> Any:
    """The create answer names another first status than the detail shows ("Menunggu Verifikasi")."""
    def rewrite(path: str, query: str, body: Any) -> Any:
        complaint = results_of(body).get("complaint")
        if path.endswith("/complaints/complaint") and isinstance(complaint, dict) and "status_name" in complaint:
            complaint["status_name"] = "Menunggu Verifikasi"
        return body

    return RewriteJsonResponse(app, rewrite)


def data_logs_null_when_empty(app: Any, credentials: dict[str, str]) -> Any:
    """The detail's `data_logs` is null while the log is empty (a relation loaded only when it has rows)."""
    def rewrite(path: str, query: str, body: Any) -> Any:
        results = results_of(body)
        if DETAIL_PATH.search(path) and results.get("data_logs") == []:
            results["data_logs"] = None
        return body

    return RewriteJsonResponse(app, rewrite)
