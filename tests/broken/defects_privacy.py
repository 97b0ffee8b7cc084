"""Defects of reporter privacy (LAPOR-PRIV-001) where a quick look misses them: the reporter of an anonymous
complaint in a response header, in an id or path field, URL-encoded, split into first and last name, or a NIK
as a JSON number (tests/broken/variants.py names them).

Each shows on the detail answer (HTTP 200) of an anonymous complaint (all but the NIK: one whose reporter the
simulator stored on creation, is_new_user_slider); every other answer is unchanged.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tests.broken.defects_wire import DETAIL_PATH, results_of, simulator_of
from tests.broken.middleware import AddResponseHeaders, RewriteJsonResponse


def _anonymous_reporter(app: Any, path: str) -> dict[str, str] | None:
    """The stored reporter ({name, email, phone}) when `path` is the detail of an anonymous complaint."""
    if not DETAIL_PATH.search(path):
        return None
    complaint = simulator_of(app).store.complaint(int(path.split("/")[-2]))
    if complaint is None or not complaint["is_anonymous"] or not complaint.get("reporter"):
        return None
    return json.loads(complaint["reporter"])


def _rewrite_detail_data(app: Any, change: Any) -> Any:
    """`change(data, reporter)` on `results.data` of an anonymous complaint's detail."""
    def rewrite(path: str, query: str, body: Any) -> Any:
        reporter, data = _anonymous_reporter(app, path), results_of(body).get("data")
        if reporter and isinstance(data, dict):
            change(data, reporter)
        return body

    return RewriteJsonResponse(app, rewrite)


def reporter_in_header(app: Any, credentials: dict[str, str]) -> Any:
    """The detail of an anonymous complaint names its reporter in a debug header (`X-Reporter`)."""
    def extra(scope: dict[str, Any], status: int) -> list[tuple[bytes, bytes]]:
        reporter = _anonymous_reporter(app, scope["path"]) if status == 200 else None
        return [(b"x-reporter", reporter["name"].encode("latin-1"))] if reporter and reporter.get("name") else []

    return AddResponseHeaders(app, extra)


def reporter_in_id_field(app: Any, credentials: dict[str, str]) -> Any:
    """The detail of an anonymous complaint carries its reporter's phone as `results.data.reporter_id`."""
    def change(data: dict[str, Any], reporter: dict[str, str]) -> None:
        if reporter.get("phone"):
            data["reporter_id"] = reporter["phone"]

    return _rewrite_detail_data(app, change)


def reporter_url_encoded(app: Any, credentials: dict[str, str]) -> Any:
    """The detail of an anonymous complaint carries a share link with its reporter's e-mail, URL-encoded."""
    def change(data: dict[str, Any], reporter: dict[str, str]) -> None:
        if reporter.get("email"):
            data["share_url"] = f"https://lapor.example/bagikan?pelapor={quote(reporter['email'], safe='')}"

    return _rewrite_detail_data(app, change)


def reporter_name_split(app: Any, credentials: dict[str, str]) -> Any:
    """The detail of an anonymous complaint keeps its reporter as first and last name (legacy
    `pelapor.namadepan` / `pelapor.namabelakang`): the whole name is nowhere, each part is."""
    def change(data: dict[str, Any], reporter: dict[str, str]) -> None:
        name = (reporter.get("name") or "").split()
        if len(name) >= 2:
            data["pelapor"] = {"namadepan": name[0], "namabelakang": " ".join(name[1:])}

    return _rewrite_detail_data(app, change)


def nik_as_number(app: Any, credentials: dict[str, str]) -> Any:
    """The detail of an anonymous complaint carries a NIK as a JSON number (a bigint column), `user.nik`."""
    def rewrite(path: str, query: str, body: Any) -> Any:
        data = results_of(body).get("data")
        if DETAIL_PATH.search(path) and isinstance(data, dict) and data.get("is_anonymous"):
            data["user"] = {"nik": 3171010000000000 + int(path.split("/")[-2]) % 10**8, "is_verified": True}
        return body

    return RewriteJsonResponse(app, rewrite)
