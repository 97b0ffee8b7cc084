"""The reference LAPOR v3 server: FastAPI routes over the SQLite store, validated by the spec pack.

Routes come from the spec's operations (by operationId) under its `servers` path, /integration/api/v3.
Every call checks the bearer key (`Authorization: Bearer <key>` and/or `auth: Bearer <key>`) and the
`token` header first, then validates the request against openapi.yaml (validation.py), then runs the
handler. Bodies use the envelope {"status": true, "message": ..., "results": {...}}; ids are strings.

Institutions and credentials (object-level authorisation; the rules are our inference, see
requirements LAPOR-AUTHZ-*): each credential set may name the institution it belongs to. A credential
without an institution is unrestricted (the historical single-credential simulator). A credential
with one sees and acts only on complaints its institution created or that are (or were) disposed
to it; any other complaint answers 404, exactly like an unknown id, so existence is not revealed.
Anonymous complaints never show the reporter; secret complaints are simply never visible to an
unrelated institution.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from conformance.simulator.seed import STATUS_UNVERIFIED
from conformance.simulator.store import Store
from conformance.simulator.validation import RequestRejected, SpecValidator, Validated

SPEC_PATH = Path(__file__).resolve().parent.parent / "specs" / "lapor-v3" / "openapi.yaml"
BEARER_HEADERS = {"Authorization": ("authorization",), "auth": ("auth",), "both": ("authorization", "auth")}
FOLLOWUP_PAGE_SIZE = 10


@dataclass(frozen=True)
class Credentials:
    api_key: str
    token: str
    institution_id: str | None = None  # None: unrestricted (sees every complaint)


class NotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


Handler = Callable[[Request, Validated], Awaitable[tuple[int, dict[str, Any]]]]


def _wib(stored: str | None) -> str | None:
    """Y-m-d H:i:s (stored, WIB) -> d-m-Y H:i:s (the format clients parse)."""
    if not stored:
        return None
    return datetime.strptime(stored, "%Y-%m-%d %H:%M:%S").strftime("%d-%m-%Y %H:%M:%S")


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def envelope(results: dict[str, Any], message: str = "Berhasil") -> dict[str, Any]:
    return {"status": True, "message": message, "results": results}


class Simulator:
    """Holds the store, the validator and the credentials; builds response bodies."""

    def __init__(self, store: Store, validator: SpecValidator, credentials: Credentials, bearer_header: str,
                 extra_credentials: tuple[Credentials, ...] = ()) -> None:
        if bearer_header not in BEARER_HEADERS:
            raise ValueError(f"bearer_header must be one of {sorted(BEARER_HEADERS)}")
        self.store, self.validator, self.credentials = store, validator, credentials
        self.all_credentials = (credentials, *extra_credentials)
        self.bearer_headers = BEARER_HEADERS[bearer_header]

    # ------------------------------------------------------------------ auth
    def caller(self, request: Request) -> Credentials | None:
        """The credential set both headers match, or None (then the call is rejected)."""
        token = request.headers.get("token", "").encode("utf-8", "replace")
        bearers = [request.headers.get(name, "").encode("utf-8", "replace") for name in self.bearer_headers]
        for credentials in self.all_credentials:
            expected_bearer = f"Bearer {credentials.api_key}".encode()
            bearer_ok = any(hmac.compare_digest(value, expected_bearer) for value in bearers)
            if bearer_ok and hmac.compare_digest(token, credentials.token.encode()):
                return credentials
        return None

    def authorized(self, request: Request) -> bool:
        return self.caller(request) is not None

    def scrub(self, body: dict[str, Any]) -> bytes:
        """Serialize, making sure no credential ever leaves the server."""
        text = json.dumps(body, ensure_ascii=False)
        for credentials in self.all_credentials:
            for secret in (credentials.api_key, credentials.token):
                if len(secret) >= 8:  # a tiny test credential would otherwise mangle ordinary text
                    text = text.replace(secret, "[DISENSOR]")
        return text.encode("utf-8")

    # ------------------------------------------------------- object-level access
    def related(self, complaint: dict[str, Any], institution: str | None) -> bool:
        """May `institution` see and act on `complaint`? (None: an unrestricted credential.)"""
        if institution is None:
            return True
        if institution in (complaint.get("owner_institution_id"), complaint.get("disposition_id")):
            return True
        return institution in self.store.disposition_history(complaint["id"])

    def can_read(self, complaint: dict[str, Any], institution: str | None) -> bool:
        return self.related(complaint, institution)

    def can_act(self, complaint: dict[str, Any], institution: str | None) -> bool:
        return self.related(complaint, institution)

    def followup_visible(self, row: dict[str, Any], complaint: dict[str, Any], institution: str | None) -> bool:
        """A secret follow-up is shown only to institutions related to the complaint."""
        return not row.get("is_secret") or self.related(complaint, institution)

    def reporter_view(self, complaint: dict[str, Any]) -> dict[str, Any] | None:
        """The reporter as registered on creation (is_new_user_slider); never for anonymous complaints."""
        if complaint.get("is_anonymous") or not complaint.get("reporter"):
            return None
        return json.loads(complaint["reporter"])

    # ---------------------------------------------------------------- paging
    def page(self, request: Request, fetch: Callable[[int, int], tuple[list[Any], int]],
             page: int, size: int, keep_size: bool) -> dict[str, Any]:
        rows, total = fetch((page - 1) * size, size)
        has_next = page * size < total
        next_url = None
        if has_next:
            # Built from known parameters only, so nothing else from the query string is echoed.
            query = f"page={page + 1}" + (f"&page_size={size}" if keep_size else "")
            next_url = f"{str(request.base_url).rstrip('/')}{request.url.path}?{query}"
        return {"data": rows, "current_page": page, "per_page": size, "total": total, "next_page_url": next_url}

    # ------------------------------------------------------------ formatting
    def institution_name(self, institution_id: Any) -> str | None:
        row = self.store.institution(_str(institution_id))
        return row["name"] if row else None

    def log_entry(self, row: dict[str, Any], base_url: str) -> dict[str, Any]:
        template = self.store.template(row["template_code"])
        from_name = self.institution_name(row["institution_from_id"])
        to_name = self.institution_name(row["institution_to_id"])
        attachments = [{"path": f"{base_url}/storage/followups/{a['id']}/{a['file_name']}",
                        "file_name": a["file_name"], "extension": a["extension"]}
                       for a in json.loads(row["attachments"] or "[]")]
        return {
            "id": str(row["id"]),
            "created_at": _wib(row["created_at"]),
            "institution_from_name": from_name,
            "institution_to_name": to_name,
            "institution_to": {"id": _str(row["institution_to_id"]), "name": to_name},
            "institution": {"name": from_name or to_name},
            "template_code": row["template_code"],
            "template_content": template["content"] if template else None,
            "content": row["content"],
            "data": row["data"] or json.dumps({"status_old": None, "status_new": None}),
            "is_secret": row["is_secret"],
            "attachments": attachments,
        }

    def complaint_id(self, text: str, request: Request | None = None, *, act: bool = False) -> dict[str, Any]:
        """The complaint, or NotFound when it does not exist or the caller's institution may not see it."""
        complaint = self.store.complaint(int(text))
        institution = getattr(request.state, "institution", None) if request is not None else None
        if complaint is not None and not (self.can_act if act else self.can_read)(complaint, institution):
            complaint = None
        if complaint is None:
            raise NotFound(f"Laporan {int(text)} tidak ditemukan.")
        return complaint

    def require_institution(self, institution_id: Any, field: str) -> str:
        row = self.store.institution(_str(institution_id))
        if row is None:
            raise NotFound(f"Instansi {institution_id} ({field}) tidak ditemukan.")
        return row["id"]


def _handlers(sim: Simulator) -> dict[str, Handler]:
    store = sim.store

    async def list_institutions(request: Request, v: Validated) -> tuple[int, dict[str, Any]]:
        return 200, envelope(sim.page(request, store.institutions, v.query["page"], v.query["page_size"], True))

    async def list_templates(request: Request, v: Validated) -> tuple[int, dict[str, Any]]:
        results = sim.page(request, store.templates, v.query["page"], v.query["page_size"], True)
        return 200, envelope(results)

    async def upload_attachments(request: Request, v: Validated) -> tuple[int, dict[str, Any]]:
        parts = [f for f in v.files if f.field == "attachments[]"]
        stored = store.add_documents([(f.filename, f.content_type, f.data) for f in parts])
        base = f"{str(request.base_url).rstrip('/')}{sim.validator.base_path}"
        docs = [{"id": str(d["id"]), "file_name": d["file_name"], "extension": d["extension"],
                 "path": f"{base}/storage/documents/{d['id']}"} for d in stored]
        return 200, envelope({"docs": docs}, "Berkas berhasil diunggah")

    async def create_complaint(request: Request, v: Validated) -> tuple[int, dict[str, Any]]:
        body = v.body
        try:
            attachments = [int(doc) for doc in json.loads(body.get("attachments") or "[]")]
        except (ValueError, TypeError) as error:
            raise RequestRejected(422, "The attachments field format is invalid.",
                                  {"attachments": ["The attachments field format is invalid."]}) from error
        missing = store.missing_documents(attachments)
        if missing:
            raise NotFound("Dokumen lampiran tidak ditemukan: " + ", ".join(map(str, missing)) + ".")
        disposition = None
        if body.get("disposition_id") is not None:
            disposition = sim.require_institution(int(body["disposition_id"]), "disposition_id")
        owner = getattr(request.state, "institution", None)
        new_id = store.create_complaint(body, attachments, STATUS_UNVERIFIED, disposition, owner)
        complaint = {"id": str(new_id), "status_code": STATUS_UNVERIFIED[0], "status_name": STATUS_UNVERIFIED[1]}
        return 200, envelope({"complaint": complaint}, "Laporan berhasil dibuat")

    async def reroute_complaint(request: Request, v: Validated) -> tuple[int, dict[str, Any]]:
        complaint = sim.complaint_id(v.path["complaint_id"], request, act=True)
        target = sim.require_institution(v.body["reason"], "reason")
        store.reroute(complaint["id"], target, v.body.get("reason_description"), complaint["status_name"])
        result = {"complaint": {"id": str(complaint["id"]), "disposition_id": target,
                                "disposition_name": sim.institution_name(target),
                                "is_request": v.body.get("is_request")}}
        return 200, envelope(result, "Permintaan pengalihan (bukan wewenang) tercatat")

    async def get_complaint(request: Request, v: Validated) -> tuple[int, dict[str, Any]]:
        c = sim.complaint_id(v.path["complaint_id"], request)
        base = f"{str(request.base_url).rstrip('/')}{sim.validator.base_path}"
        data = {
            "id": str(c["id"]), "title": c["title"], "content": c["content"],
            "status_code": c["status_code"], "status_name": c["status_name"],
            "disposition_id": c["disposition_id"], "disposition_name": sim.institution_name(c["disposition_id"]),
            "category_id": _str(c["category_id"]), "category_name": store.category_name(c["category_id"]),
            "classification_id": _str(c["classification_id"]), "location_id": _str(c["location_id"]),
            "channel": _str(c["channel"]), "tags_raw": c["tags_raw"],
            "is_anonymous": bool(c["is_anonymous"]), "is_secret": bool(c["is_secret"]),
            "date_of_incident": c["date_of_incident"], "created_at": _wib(c["created_at"]),
            "attachments": [str(doc) for doc in json.loads(c["attachments"])],
            "reporter": sim.reporter_view(c),
            "status_logs": [{"note": s["note"], "timestamp": _wib(s["created_at"])}
                            for s in store.status_logs(c["id"])],
        }
        logs, _ = store.logs(c["id"], kind="disposition")
        return 200, envelope({"data": data, "data_logs": [sim.log_entry(row, base) for row in logs]})

    async def list_followups(request: Request, v: Validated) -> tuple[int, dict[str, Any]]:
        complaint = sim.complaint_id(v.path["complaint_id"], request)
        base = f"{str(request.base_url).rstrip('/')}{sim.validator.base_path}"
        institution = getattr(request.state, "institution", None)

        def fetch(offset: int, limit: int) -> tuple[list[Any], int]:
            if sim.related(complaint, institution):
                rows, total = store.logs(complaint["id"], offset, limit)
            else:  # only reachable when can_read is widened: hide what the caller may not see
                visible = [row for row in store.logs(complaint["id"])[0]
                           if sim.followup_visible(row, complaint, institution)]
                rows, total = visible[offset:offset + limit if limit >= 0 else None], len(visible)
            return [sim.log_entry(row, base) for row in rows], total

        return 200, envelope(sim.page(request, fetch, v.query["page"], FOLLOWUP_PAGE_SIZE, False))

    async def add_followup(request: Request, v: Validated) -> tuple[int, dict[str, Any]]:
        fields = dict(v.body)
        complaint = sim.complaint_id(str(fields["complaint_id"]), request, act=True)
        for name in ("institution_from_id", "institution_to_id"):
            if fields.get(name) is not None:
                fields[name] = sim.require_institution(fields[name], name)
            else:
                fields[name] = complaint["disposition_id"]
        fields.setdefault("template_code", "reply_lmw")
        files = sorted((f for f in v.files if f.field.startswith("attachment[")), key=lambda f: f.field)
        stored = store.add_documents([(f.filename, f.content_type, f.data) for f in files])
        log_id = store.add_followup(complaint["id"], fields, stored, complaint["status_name"])
        base = f"{str(request.base_url).rstrip('/')}{sim.validator.base_path}"
        entry = sim.log_entry(store.log(log_id), base)  # type: ignore[arg-type]
        return 200, envelope({"data": entry}, "Tindak lanjut berhasil ditambahkan")

    return {
        "listInstitutions": list_institutions, "listTemplates": list_templates,
        "uploadAttachments": upload_attachments, "createComplaint": create_complaint,
        "rerouteComplaint": reroute_complaint, "getComplaint": get_complaint,
        "listFollowups": list_followups, "addFollowup": add_followup,
    }


def as_credentials(value: Credentials | dict[str, str] | tuple[str, ...]) -> Credentials:
    """Credentials from Credentials, {"api_key", "token"[, "institution_id"]} or (api_key, token[, institution_id])."""
    if isinstance(value, Credentials):
        return value
    if isinstance(value, dict):
        return Credentials(value["api_key"], value["token"], value.get("institution_id"))
    return Credentials(*value)


def create_app(db_path: str | Path, credentials: Credentials | dict[str, str] | tuple[str, ...],
               bearer_header: str = "both", spec_path: str | Path = SPEC_PATH,
               extra_credentials: Any = ()) -> FastAPI:
    """Build the simulator app.

    `credentials` is Credentials, {"api_key", "token"[, "institution_id"]} or (api_key, token[, institution_id]).
    `extra_credentials`: more credential sets in the same forms, typically a second institution's
    (e.g. {"api_key": ..., "token": ..., "institution_id": "12838"}); each is confined to its institution.
    """
    credentials = as_credentials(credentials)
    extra = tuple(as_credentials(item) for item in (extra_credentials or ()))
    validator = SpecValidator(spec_path)
    sim = Simulator(Store(db_path), validator, credentials, bearer_header, extra)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, swagger_ui_oauth2_redirect_url=None)
    app.state.simulator = sim

    def respond(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
        return Response(sim.scrub(body), status_code=status, headers=headers, media_type="application/json")

    def route(operation_id: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            caller = sim.caller(request)
            if caller is None:
                return respond(401, {"message": "Unauthenticated."})
            request.state.institution = caller.institution_id
            try:
                validated = await validator.validate(operation_id, request)
                status, body = await handler(request, validated)
            except RequestRejected as rejection:
                return respond(rejection.status, rejection.body())
            except NotFound as missing:
                return respond(404, {"message": missing.message})
            return respond(status, body)

        endpoint.__name__ = operation_id
        return endpoint

    for operation_id, handler in _handlers(sim).items():
        operation = validator.operations[operation_id]
        app.add_api_route(validator.base_path + operation.path, route(operation_id, handler),
                          methods=[operation.method], include_in_schema=False)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        messages = {404: "Not Found.", 405: "Method Not Allowed."}
        return respond(error.status_code, {"message": messages.get(error.status_code, str(error.detail))},
                       dict(error.headers or {}))

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> Response:
        return respond(500, {"message": "Server Error."})

    return app
