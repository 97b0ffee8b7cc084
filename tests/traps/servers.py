"""Tiny real servers for the traps the LAPOR pack cannot express (with the packs in packs/).

A `Recorder` keeps what a server saw and answered (method, path, status, headers), so a test can
prove that the trap was actually sprung, not just that the verdict came out right.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]


@dataclass
class Seen:
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]


@dataclass
class Recorder:
    """A thread-safe list of what a server saw and answered."""

    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, scope: dict[str, Any], status: int) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        with self.lock:
            self.seen.append(Seen(scope["method"], scope["path"], scope.get("query_string", b"").decode("latin-1"),
                                  status, headers))

    def statuses(self) -> list[int]:
        with self.lock:
            return [entry.status for entry in self.seen]


class Recording:
    """ASGI middleware: records every request and the status it was answered with."""

    def __init__(self, app: Any, recorder: Recorder) -> None:
        self.app, self.recorder = app, recorder

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.recorder.add(scope, message["status"])
            await send(message)

        await self.app(scope, receive, capture)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status, headers=headers)


# --------------------------------------------------------------------------- trap 1
IF_MATCH = re.compile(r'"[0-9a-f]{8}"')


def declared_rejections_app(recorder: Recorder, *, if_match_optional: bool = False) -> Any:
    """POST /api/notes: 428 without If-Match, 415 for anything but JSON, 405 for other methods.

    Every rejection is a 4xx the operation declares, but 428 is in neither of schemathesis' default
    lists for a missing header, and 405 answers its method probes.
    `if_match_optional`: the defect of writing without the required precondition.
    """
    counter = iter(range(1, 1_000_000))

    async def notes(request: Request) -> Response:
        if request.method != "POST":
            return _error(405, "Method Not Allowed.", {"Allow": "POST"})
        if_match = request.headers.get("if-match")
        if if_match is None and if_match_optional:
            if_match = '"00000000"'
        if if_match is None:
            return _error(428, "This request is required to be conditional (If-Match).")
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return _error(415, "Unsupported Media Type; send application/json.")
        if not IF_MATCH.fullmatch(if_match):
            return JSONResponse({"message": "The If-Match header is invalid.",
                                 "errors": {"If-Match": ["The If-Match header is invalid."]}}, status_code=422)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(400, "The request body is not valid JSON.")
        errors: dict[str, list[str]] = {}
        if not isinstance(body, dict):
            errors["body"] = ["The body must be an object."]
        else:
            title = body.get("title")
            if not isinstance(title, str) or not 1 <= len(title) <= 40:
                errors["title"] = ["The title field must be a string of 1 to 40 characters."]
            if "done" in body and not isinstance(body["done"], bool):
                errors["done"] = ["The done field must be true or false."]
            for name in set(body) - {"title", "done"}:
                errors[name] = [f"The {name} field is not allowed."]
        if errors:
            return JSONResponse({"message": next(iter(errors.values()))[0], "errors": errors}, status_code=422)
        return JSONResponse({"results": {"id": str(next(counter)), "title": body["title"]}}, status_code=201)

    app = Starlette(routes=[Route("/api/notes", notes, methods=["GET", "POST", "PUT", "PATCH", "DELETE",
                                                                 "OPTIONS", "TRACE"])])
    return Recording(app, recorder)


# --------------------------------------------------------------------------- trap 2
_PHP_NAME = re.compile(r"(?P<base>[^\[\]]+)(?:\[(?P<key>[^\[\]]*)\])?")


def _php_assign(target: dict[str, Any], name: str, value: Any) -> None:
    """`$_POST` / `$_FILES` assignment: `a[]` appends, `a[k]` sets a key, a repeated bare `a` keeps the last."""
    match = _PHP_NAME.fullmatch(name)
    if match is None:
        target[name] = value
        return
    base, key = match.group("base"), match.group("key")
    if key is None:
        target[base] = value  # PHP: the last part with a bare name wins
    elif key == "":
        existing = target.get(base)
        if not isinstance(existing, list):
            existing = target[base] = []
        existing.append(value)
    else:
        existing = target.get(base)
        if not isinstance(existing, dict):
            existing = target[base] = {}
        existing[key] = value


async def php_form(request: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """(`$_POST`, `$_FILES`) the way PHP builds them from a multipart body.

    A part is a file only when its Content-Disposition carries `filename=`; an empty filename is
    "no file chosen" (UPLOAD_ERR_NO_FILE) and Laravel drops it.
    """
    form = await request.form(max_files=100, max_fields=100)
    post: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                data = await value.read()
                _php_assign(files, name, {"name": value.filename, "type": value.content_type, "size": len(data)})
        else:
            _php_assign(post, name, value)
    return post, files


def _items(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return None


def php_upload_app(recorder: Recorder, *, last_file_only: bool = False) -> Any:
    """POST /api/files, validated like Laravel's `attachments: required|array|min:1|max:3, attachments.*: file`.

    `last_file_only`: the defect of reading `attachments` as a bare name — only the last file counts.
    """
    counter = iter(range(1, 1_000_000))
    uploads: list[int] = []  # how many files each accepted upload carried

    async def upload(request: Request) -> Response:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "multipart/form-data":
            return _error(415, "Unsupported Media Type; send multipart/form-data.")
        try:
            post, files = await php_form(request)
        except Exception:  # noqa: BLE001 - any parser failure is a malformed body
            return _error(400, "The multipart body could not be parsed.")
        errors: dict[str, list[str]] = {}
        attachments = _items(files.get("attachments"))
        if "attachments" in post:
            errors["attachments"] = ["The attachments field must contain files."]
        elif attachments is None:
            errors["attachments"] = ["The attachments field is required."]
        elif not 1 <= len(attachments) <= 3:
            errors["attachments"] = ["The attachments field must have between 1 and 3 items."]
        for name in set(files) - {"attachments"}:
            errors[name] = [f"The {name} field is not a recognised file."]
        for name in set(post) - {"note", "attachments"}:
            errors[name] = [f"The {name} field is not allowed."]
        if "note" in post and (not isinstance(post["note"], str) or len(post["note"]) > 30):
            errors["note"] = ["The note field must be text of at most 30 characters."]
        if errors:
            return JSONResponse({"message": next(iter(errors.values()))[0], "errors": errors}, status_code=422)
        assert attachments is not None
        uploads.append(len(attachments))
        kept = attachments[-1:] if last_file_only else attachments
        docs = [{"id": str(next(counter)), "file_name": item["name"]} for item in kept]
        return JSONResponse({"status": True, "message": "Berkas berhasil diunggah", "results": {"docs": docs}})

    app = Starlette(routes=[Route("/api/files", upload, methods=["POST"])])
    wrapped = Recording(app, recorder)
    wrapped.uploads = uploads  # type: ignore[attr-defined]
    return wrapped


# --------------------------------------------------------------------------- trap 6
def three_lists_app() -> Any:
    """GET /api/{institutions,templates,categories}?page=N: three tiny master lists."""
    rows = {"institutions": [("12838", "Pemerintah Kota Padang"), ("151345", "Sekretariat Wakil Presiden")],
            "templates": [("1", "Terima kasih"), ("2", "Sedang ditindaklanjuti")],
            "categories": [("436", "Infrastruktur"), ("15", "Kesehatan")]}

    async def listing(request: Request) -> Response:
        name = request.url.path.rsplit("/", 1)[-1]
        pages = request.query_params.getlist("page")
        if pages and (len(pages) > 1 or not re.fullmatch(r"[0-9]+", pages[0]) or not 1 <= int(pages[0]) <= 100):
            return JSONResponse({"message": "The page field must be an integer between 1 and 100."}, status_code=422)
        data = [{"id": key, "name": value} for key, value in rows[name]] if int((pages or ["1"])[0]) == 1 else []
        return JSONResponse({"results": {"data": data}})

    return Starlette(routes=[Route(f"/api/{name}", listing, methods=["GET"])
                             for name in ("institutions", "templates", "categories")])
