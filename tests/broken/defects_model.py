"""Defects of operations, privacy and object-level authorisation (tests/broken/variants.py names them)."""

from __future__ import annotations

import json
from typing import Any, Callable

from conformance.simulator import seed
from conformance.simulator.app import NotFound
from tests.broken.defects_wire import DETAIL_PATH, Answer, results_of, simulator_of
from tests.broken.middleware import ReplaceAnswer, ReplaceContentType, RewriteJsonResponse, RewriteQuery


# ------------------------------------------------------------------------------ operations
def upload_returns_one_doc(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        docs = results_of(body).get("docs")
        if path.endswith("/complaint/file") and isinstance(docs, list):
            results_of(body)["docs"] = docs[:1]
        return body

    return RewriteJsonResponse(app, rewrite)


def create_id_elsewhere(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        results = results_of(body)
        if path.endswith("/complaints/complaint") and "complaint" in results:
            results["data"] = results.pop("complaint")  # neither results.complaint.id nor complaint_id
        return body

    return RewriteJsonResponse(app, rewrite)


def new_complaints_unreadable(app: Any, credentials: dict[str, str]) -> Any:
    def new_detail(method: str, path: str) -> bool:
        found = DETAIL_PATH.search(path)
        return method == "GET" and found is not None and int(path.split("/")[-2]) >= seed.FIRST_COMPLAINT_ID

    return Answer(app, new_detail, 404, {"message": "Laporan tidak ditemukan."})


def create_ignores_disposition(app: Any, credentials: dict[str, str]) -> Any:
    sim, original = simulator_of(app), simulator_of(app).require_institution

    def require_institution(institution_id: Any, field: str) -> str:
        found = original(institution_id, field)
        return seed.LMW_ID if field == "disposition_id" else found  # always disposed to the integrator itself

    sim.require_institution = require_institution
    return app


def detail_drops_last_attachment(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if DETAIL_PATH.search(path) and isinstance(data, dict) and isinstance(data.get("attachments"), list):
            data["attachments"] = data["attachments"][:-1]
        return body

    return RewriteJsonResponse(app, rewrite)


def reroute_refused(app: Any, credentials: dict[str, str]) -> Any:
    return Answer(app, lambda method, path: method == "POST" and path.endswith("/reject"), 422,
                   {"message": "The given data was invalid.", "errors": {"reason": ["The reason is invalid."]}})


def reroute_to_unknown_accepted(app: Any, credentials: dict[str, str]) -> Any:
    sim, original = simulator_of(app), simulator_of(app).require_institution

    def require_institution(institution_id: Any, field: str) -> str:
        if field == "reason" and sim.store.institution(str(institution_id)) is None:
            return str(institution_id)  # no lookup: any id is a valid target
        return original(institution_id, field)

    sim.require_institution = require_institution
    return app


def reroute_ignored(app: Any, credentials: dict[str, str]) -> Any:
    simulator_of(app).store.reroute = lambda *args, **kwargs: None  # answers 200, records nothing
    return app


def followup_add_refused(app: Any, credentials: dict[str, str]) -> Any:
    return Answer(app, lambda method, path: method == "POST" and path.endswith("/followup/add"), 422,
                   {"message": "The given data was invalid.", "errors": {"content": ["The content is invalid."]}})


def followups_not_stored(app: Any, credentials: dict[str, str]) -> Any:
    store, original = simulator_of(app).store, simulator_of(app).store.logs

    def logs(complaint_id: int, offset: int = 0, limit: int = -1, kind: str | None = None):
        rows, _ = original(complaint_id, 0, -1, kind)
        kept = [row for row in rows if not (row["kind"] == "followup" and row["id"] > 7000000)]
        return kept[offset:None if limit < 0 else offset + limit], len(kept)

    store.logs = logs  # accepted and echoed, never listed
    return app


def followups_newest_first(app: Any, credentials: dict[str, str]) -> Any:
    store, original = simulator_of(app).store, simulator_of(app).store.logs

    def logs(complaint_id: int, offset: int = 0, limit: int = -1, kind: str | None = None):
        rows, total = original(complaint_id, 0, -1, kind)
        rows = list(reversed(rows))
        return rows[offset:None if limit < 0 else offset + limit], total

    store.logs = logs
    return app


def followup_attachments_dropped(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if path.endswith("/followups") and isinstance(data, list):
            for entry in data:
                if isinstance(entry, dict):
                    entry["attachments"] = []
        return body

    return RewriteJsonResponse(app, rewrite)


def crashes_on_followup_files(app: Any, credentials: dict[str, str]) -> Any:
    store, original = simulator_of(app).store, simulator_of(app).store.add_documents

    def add_documents(files: list[Any]) -> list[dict[str, Any]]:
        if files and any(name.startswith("attachment[") for name, *_ in files):
            raise OSError("storage for follow-up attachments is not writable")  # -> 500
        return original(files)

    store.add_documents = add_documents
    return app


def accepts_invalid_template_query(app: Any, credentials: dict[str, str]) -> Any:
    def rewrite(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        # an invalid page_size is dropped (the default applies) instead of being refused
        return [(k, v) for k, v in pairs if k != "page_size" or (v.isdigit() and 1 <= int(v) <= 1000)]

    return RewriteQuery(app, "/masters/templates", rewrite)


def rejects_category_15(app: Any, credentials: dict[str, str]) -> Any:
    sim, original = simulator_of(app), simulator_of(app).store.create_complaint

    def create_complaint(body: dict[str, Any], *args: Any, **kwargs: Any) -> int:
        from conformance.simulator.validation import RequestRejected

        if body.get("category_id") == 15:  # a valid category the sandbox bot uses (S5)
            raise RequestRejected(422, "The selected category id is invalid.", {"category_id": ["invalid"]})
        return original(body, *args, **kwargs)

    sim.store.create_complaint = create_complaint
    return app


def reroute_as_text_plain(app: Any, credentials: dict[str, str]) -> Any:
    return ReplaceContentType(app, b"text/plain; charset=utf-8", "/reject")


def detail_json_as_html(app: Any, credentials: dict[str, str]) -> Any:
    """The detail is the right JSON, labelled `text/html` (a PHP default): no web page, a wrong label."""
    return ReplaceContentType(app, b"text/html; charset=UTF-8", "/complaint")


# ------------------------------------------------------------------------------ privacy, authz
def anonymous_reporter_shown(app: Any, credentials: dict[str, str]) -> Any:
    sim = simulator_of(app)
    sim.reporter_view = lambda c: json.loads(c["reporter"]) if c.get("reporter") else None  # ignores is_anonymous
    return app


def _debug_on_hidden(app: Any, extra: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """404 for a complaint the caller may not see carries Laravel-style debug details."""
    sim, original = simulator_of(app), simulator_of(app).complaint_id

    def complaint_id(text: str, request: Any = None, *, act: bool = False) -> dict[str, Any]:
        try:
            return original(text, request, act=act)
        except NotFound as missing:
            complaint = sim.store.complaint(int(text))
            if complaint is None:
                raise
            raise NotFound(f"{missing.message} (debug: {json.dumps(extra(complaint), ensure_ascii=False)})") from None

    sim.complaint_id = complaint_id
    return app


def debug_leaks_complaint(app: Any, credentials: dict[str, str]) -> Any:
    return _debug_on_hidden(app, lambda c: {"title": c["title"], "is_secret": c["is_secret"]})


def debug_leaks_log(app: Any, credentials: dict[str, str]) -> Any:
    store = simulator_of(app).store
    return _debug_on_hidden(app, lambda c: {"last_log": [row["content"] for row in store.logs(c["id"])[0]][-3:]})


def open_complaints_readable_by_all(app: Any, credentials: dict[str, str]) -> Any:
    sim, related = simulator_of(app), simulator_of(app).related
    sim.can_read = lambda complaint, institution: related(complaint, institution) or not complaint["is_secret"]
    return app


def other_institution_may_reply(app: Any, credentials: dict[str, str]) -> Any:
    simulator_of(app).can_act = lambda complaint, institution: True
    return app


def other_institution_acts_behind_refusal(app: Any, credentials: dict[str, str]) -> Any:
    """Any institution's follow-up and reroute are carried out, but another institution is told 404."""
    sim = simulator_of(app)
    sim.can_act = lambda complaint, institution: True
    others = {c.token.encode("latin-1") for c in sim.all_credentials} - {credentials["token"].encode("latin-1")}

    def refused_afterwards(scope: dict[str, Any], status: int) -> bool:
        token = next((v for k, v in scope["headers"] if k.lower() == b"token"), b"")
        acting = scope["method"] == "POST" and scope["path"].endswith(("/followup/add", "/reject"))
        return acting and token in others and 200 <= status < 300

    return ReplaceAnswer(app, refused_afterwards, 404, {"message": "Laporan tidak ditemukan."})
