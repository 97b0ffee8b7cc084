"""Client mode's ASGI layer: the simulator plays LAPOR for an agency's application and records it.

The reference app (app.py) is wrapped, not changed. ClientModeApp is ASGI middleware that, per
request under the LAPOR base path:

1. reads the body and applies PHP's multipart rules (php_multipart.py) to what LAPOR will see;
2. records the request (recorder.py): operation, credential state, request-schema validation
   with the simulator's own SpecValidator (validation.py);
3. counts the attempt of that operation and looks up its fault (faults.py);
4. passes the request to the reference app (unless the fault strikes before LAPOR handles it),
   rewriting master-list page sizes when the scenario splits lists into pages;
5. answers: the fault, or the app's answer shaped into an unusual but spec-valid one (shapes.py).

A second "foreign" listener on another loopback port serves the same LAPOR without faults; the
scenario can point `next_page_url` at it to see whether the client sends its credentials to an
origin it was not configured with. Control endpoints (control.py) live under /_simulator on the
main listener only.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import yaml
from starlette.requests import Request

from conformance.simulator.control import CONTROL_PREFIX, LaporActions
from conformance.simulator.faults import (Fault, FaultPlan, Schedule, drop_connection, error_answer, schedule_from_dict,
                                          schedule_to_dict, wait_for_disconnect)
from conformance.simulator.php_multipart import php_view
from conformance.simulator.recorder import Recorder, credential_state, exchange_start, response_record, summarize
from conformance.simulator.shapes import ResponseShaper, Shapes, capped_query
from conformance.simulator.validation import RequestRejected

DEFAULT_PACK = Path(__file__).resolve().parent.parent / "specs" / "lapor-v3"
HANG_LIMIT_S = 30.0


class ClientState:
    """What every listener shares: the app's simulator, recorder, scenario and LAPOR-side actions."""

    def __init__(self, app: Any, recorder: Recorder, pack_dir: Path = DEFAULT_PACK) -> None:
        self.sim = app.state.simulator
        self.validator = self.sim.validator
        self.recorder = recorder
        self.faults = FaultPlan()
        self.shapes = Shapes()
        self.actions = LaporActions(self.sim)
        self.shaper = ResponseShaper(self.validator.spec, self.validator.operations)
        roles = (yaml.safe_load((pack_dir / "pack.yaml").read_text(encoding="utf-8")) or {}).get("roles") or {}
        self.roles: dict[str, str] = dict(roles.get("operations") or {})
        self.id_pointers: list[str] = list(roles.get("created_id_pointers") or ["/results/complaint/id", "/complaint_id"])
        self.main_origin = ""
        self.foreign_origin = ""
        self._routes = []
        for operation in self.validator.operations.values():
            pattern = re.sub(r"\\\{([A-Za-z_][A-Za-z0-9_]*)\\\}", r"(?P<\1>[^/]+)",
                             re.escape(self.validator.base_path + operation.path))
            self._routes.append((operation.path.count("{"), operation.method, re.compile(pattern + "$"),
                                 operation.operation_id))
        self._routes.sort(key=lambda route: route[0])  # literal paths before templated ones

    # ------------------------------------------------------------- scenario
    def configure(self, schedule: Schedule | None = None, shapes: Shapes | None = None, episode: int | None = None) -> None:
        self.faults.reset(schedule)
        self.shapes = shapes or Shapes()
        if episode is not None:
            self.recorder.episode = episode

    def set_scenario(self, data: dict[str, Any]) -> None:
        self.configure(schedule_from_dict(data.get("faults")), Shapes.from_dict(data.get("shapes")), data.get("episode"))

    def scenario_dict(self) -> dict[str, Any]:
        return {"episode": self.recorder.episode, "faults": schedule_to_dict(self.faults.schedule),
                "shapes": self.shapes.to_dict()}

    def match(self, method: str, path: str) -> tuple[str | None, dict[str, str]]:
        for _, operation_method, pattern, operation_id in self._routes:
            found = pattern.match(path)
            if found and operation_method == method.upper():
                return operation_id, found.groupdict()
        return None, {}

    def list_total(self, operation_id: str) -> int | None:
        if operation_id == self.roles.get("list_institutions"):
            return self.actions.institution_count()
        if operation_id == self.roles.get("list_templates"):
            return self.actions.template_count()
        return None

    def default_page_size(self, operation_id: str) -> int:
        for parameter, _ in self.validator.operations[operation_id].parameters:
            if parameter.get("name") == "page_size":
                return int(self.validator.resolve(parameter.get("schema", {})).get("default", 15))
        return 15


async def _read_body(receive: Any) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


class ClientModeApp:
    def __init__(self, inner: Any, state: ClientState, listener: str = "main", control: Any = None) -> None:
        self.inner, self.state, self.listener, self.control = inner, state, listener, control

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        if scope["path"].startswith(CONTROL_PREFIX):
            if self.control is not None:
                await self.control(scope, receive, send)
            else:
                await _send_json(send, 404, {"message": "Not Found."})
            return
        recorder = self.state.recorder
        seq, t_start = recorder.begin()
        exchange = exchange_start(seq, t_start, recorder.episode, self.listener, scope)
        try:
            await self._handle(scope, receive, send, exchange)
        except ConnectionAbortedError:
            pass  # a dropped connection on purpose (outside uvicorn)
        finally:
            recorder.finish(exchange)

    # ---------------------------------------------------------------- request
    async def _handle(self, scope: dict[str, Any], receive: Any, send: Any, exchange: dict[str, Any]) -> None:
        state = self.state
        body = await _read_body(receive)
        if body is None:
            exchange["response"] = response_record(None, None, None, "abandoned")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        content_type = headers.get("content-type", "")
        operation_id, path_params = state.match(scope["method"], scope["path"])
        exchange.update(operation=operation_id, path_params=path_params, content_type=content_type,
                        body_size=len(body))
        app_body = body
        view = php_view(body, content_type) if body else None
        if view is not None:
            exchange["parts"] = view.describe()
            exchange["php_dropped"] = view.dropped
            app_body = view.body
        elif body:
            exchange["body"] = _json_or_text(body)
        sim = state.sim
        exchange["credentials"] = credential_state(scope.get("headers", []), exchange["query"], sim.credentials.api_key,
                                                   sim.credentials.token, sim.bearer_headers)
        exchange["validation"] = await self._validate(scope, app_body, operation_id, path_params)

        fault: Fault | None = None
        if self.listener == "main" and operation_id:
            exchange["attempt"], fault = state.faults.next(operation_id)
            if fault is not None:
                exchange["fault"] = fault.to_dict()
        inner_scope = dict(scope)
        shapes = state.shapes if self.listener == "main" else Shapes()
        total = state.list_total(operation_id) if operation_id and shapes.master_pages else None
        if total is not None:
            query = capped_query(exchange["query"], total, shapes.master_pages, state.default_page_size(operation_id))
            if query != exchange["query"]:
                inner_scope["query_string"] = query.encode("latin-1")
                exchange["served_query"] = query
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        if fault is not None and fault.failing and fault.phase == "before":
            await self._fail(fault, receive, send, exchange, late=None)
            return

        status, response_headers, response_body = await self._call_inner(inner_scope, app_body, receive)
        exchange["processed"] = {"status": status,
                                 "summary": summarize(_json_or_none(response_body), state.id_pointers)}
        shaped: list[str] = []
        if operation_id and _is_json(response_headers):
            document = _json_or_none(response_body)
            if document is not None and shapes.active:
                document, shaped = state.shaper.shape(operation_id, status, document, shapes,
                                                      (state.main_origin, state.foreign_origin))
                if shaped:
                    response_body = json.dumps(document, ensure_ascii=False).encode("utf-8")
                    response_headers = [(k, v) for k, v in response_headers if k.lower() != b"content-length"]
                    response_headers.append((b"content-length", str(len(response_body)).encode()))
        if fault is not None and fault.failing:
            await self._fail(fault, receive, send, exchange, late=(status, response_headers, response_body, shaped))
            return
        await _send_raw(send, status, response_headers, response_body)
        exchange["response"] = response_record(status, response_headers, response_body, "answered", shaped,
                                               state.id_pointers)

    async def _validate(self, scope: dict[str, Any], body: bytes, operation_id: str | None,
                        path_params: dict[str, str]) -> dict[str, Any]:
        if operation_id is None:
            return {"ok": False, "status": 404, "errors": {"path": ["No operation of the spec pack has this method and path."]}}
        replay_scope = dict(scope, path_params=path_params)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        try:
            await self.state.validator.validate(operation_id, Request(replay_scope, replay))
        except RequestRejected as rejection:
            return {"ok": False, "status": rejection.status, "errors": rejection.errors or {"body": [rejection.message]}}
        return {"ok": True, "status": None, "errors": {}}

    async def _call_inner(self, scope: dict[str, Any], body: bytes,
                          receive: Any) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.inner(scope, replay, capture)
        return int(start.get("status", 500)), list(start.get("headers", [])), b"".join(chunks)

    async def _fail(self, fault: Fault, receive: Any, send: Any, exchange: dict[str, Any],
                    late: tuple[int, list[tuple[bytes, bytes]], bytes, list[str]] | None) -> None:
        if fault.kind == "status":
            status, headers, body = error_answer(fault)
            await _send_raw(send, status, headers, body)
            exchange["response"] = response_record(status, headers, body, "answered")
        elif fault.kind == "drop":
            exchange["response"] = response_record(None, None, None, "dropped")
            await drop_connection(send)
        elif fault.kind == "hang":
            gave_up = await wait_for_disconnect(receive, fault.seconds or HANG_LIMIT_S)
            if gave_up:
                exchange["response"] = response_record(None, None, None, "abandoned")
            elif late is not None:  # the client outwaited the hang: it gets LAPOR's answer, late
                await _send_raw(send, late[0], late[1], late[2])
                exchange["response"] = response_record(late[0], late[1], late[2], "answered", late[3],
                                                       self.state.id_pointers)
            else:
                status, headers, body = error_answer(Fault("status", status=504))
                await _send_raw(send, status, headers, body)
                exchange["response"] = response_record(status, headers, body, "answered")


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and b"json" in v.lower() for k, v in headers)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig")) if body else None
    except (UnicodeError, ValueError):
        return None


def _json_or_text(body: bytes) -> Any:
    value = _json_or_none(body)
    if value is not None:
        return value
    return {"_unparsed": body[:2000].decode("utf-8", "replace")}


async def _send_raw(send: Any, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_json(send: Any, status: int, document: dict[str, Any]) -> None:
    body = json.dumps(document).encode()
    await _send_raw(send, status, [(b"content-type", b"application/json"),
                                   (b"content-length", str(len(body)).encode())], body)
