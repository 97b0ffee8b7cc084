"""Recording mode: every request a client makes to the simulator is kept, redacted, with timing.

One exchange per request: what was sent (method, path, query, headers with credentials masked,
the JSON body or the multipart parts as PHP reads them), how it fared against the pack
(operation, request-schema validation through validation.py, credential state), the fault
injected if any, what LAPOR did with it (`processed`) and what the client actually received
(`response`: answered, dropped, or abandoned by the client during a hang).

Secret values never enter a record: credential headers are masked at capture time, and every
string of a record goes through the Redactor before it is stored or written.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from conformance.redaction import MASK, Redactor

CREDENTIAL_HEADERS = ("authorization", "auth", "token", "cookie", "x-api-key")
FULL_BODY_LIMIT = 32 * 1024  # response bodies up to this size are kept whole; bigger ones as a summary


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def masked_headers(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in CREDENTIAL_HEADERS:
            value = ("Bearer " + MASK) if value.lower().startswith("bearer ") else MASK
        shown[name] = value if name not in shown else f"{shown[name]}, {value}"
    return shown


def credential_state(headers: list[tuple[bytes, bytes]], query: str, api_key: str, token: str,
                     bearer_headers: Iterable[str]) -> dict[str, Any]:
    """Which header carried the bearer key, whether key and token are right, and where they appear."""
    values: dict[str, str] = {}
    for raw_name, raw_value in headers:
        values.setdefault(raw_name.decode("latin-1").lower(), raw_value.decode("latin-1"))
    expected_bearer = f"Bearer {api_key}"
    configured = [name.lower() for name in bearer_headers]
    bearer_in = next((name for name in configured if name in values), None)
    if bearer_in is None:
        bearer = "missing"
    else:
        bearer = "valid" if values[bearer_in] == expected_bearer else "wrong"
    if bearer != "valid":
        elsewhere = next((name for name, value in values.items() if name not in configured and api_key in value), None)
        if elsewhere:
            bearer, bearer_in = "wrong_header", elsewhere
    token_value = values.get("token")
    token_state = "missing" if token_value is None else ("valid" if token_value == token else "wrong")
    everything = " ".join(values.values()) + " " + " ".join(v for _, v in parse_qsl(query, keep_blank_values=True))
    return {"bearer_in": bearer_in, "bearer": bearer, "token_state": token_state,
            "carries_key": bool(api_key) and api_key in everything,
            "carries_token": bool(token) and token in everything}


def summarize(body: Any, id_pointers: Iterable[str] = ("/results/complaint/id", "/complaint_id")) -> dict[str, Any]:
    """What the checks need from an answer, whatever its size."""
    if not isinstance(body, dict):
        return {}
    summary: dict[str, Any] = {}
    if isinstance(body.get("message"), str):
        summary["message"] = body["message"][:500]
    for pointer in id_pointers:
        value = _at(body, pointer)
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            summary["complaint_id"] = str(value)
            break
    results = body.get("results")
    if isinstance(results, dict):
        data = results.get("data")
        if isinstance(data, list):
            summary["ids"] = [str(item.get("id")) for item in data if isinstance(item, dict) and "id" in item]
            summary["count"] = len(data)
        elif isinstance(data, dict):
            summary["data"] = {key: data.get(key) for key in ("id", "status_code", "status_name", "disposition_id")
                               if key in data}
        if "next_page_url" in results:
            summary["next_page_url"] = results.get("next_page_url")
        if isinstance(results.get("docs"), list):
            summary["docs"] = [str(doc.get("id")) for doc in results["docs"] if isinstance(doc, dict)]
    return summary


def _at(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.strip("/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class Recorder:
    """Thread-safe store of exchanges; optionally streams them to a JSONL file."""

    def __init__(self, secrets: Iterable[str] = (), sink: str | Path | None = None) -> None:
        self._lock = threading.Lock()
        self._exchanges: list[dict[str, Any]] = []
        self._next_seq = 1
        self._in_flight = 0
        self.t0 = time.monotonic()
        self.last_activity = self.t0
        self.episode = 0
        self.redactor = Redactor(list(secrets))
        self.sink = Path(sink) if sink else None
        if self.sink:
            self.sink.parent.mkdir(parents=True, exist_ok=True)
            self.sink.write_text("", encoding="utf-8")

    def clock(self) -> float:
        return round(time.monotonic() - self.t0, 4)

    def begin(self) -> tuple[int, float]:
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            self._in_flight += 1
            self.last_activity = time.monotonic()
            return seq, self.clock()

    def finish(self, exchange: dict[str, Any]) -> dict[str, Any]:
        exchange.setdefault("t_end", self.clock())
        clean = self._redact(exchange)
        with self._lock:
            self._in_flight = max(self._in_flight - 1, 0)
            self.last_activity = time.monotonic()
            self._exchanges.append(clean)
            self._exchanges.sort(key=lambda item: item["seq"])
            if self.sink:
                with self.sink.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(clean, ensure_ascii=False) + "\n")
        return clean

    def _redact(self, node: Any) -> Any:
        if isinstance(node, str):
            return self.redactor.redact(node)
        if isinstance(node, dict):
            return {key: self._redact(value) for key, value in node.items()}
        if isinstance(node, list):
            return [self._redact(value) for value in node]
        return node

    def exchanges(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(item) for item in self._exchanges if item["seq"] > since]

    def clear(self) -> None:
        with self._lock:
            self._exchanges = []

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._next_seq - 1

    def wait_quiet(self, quiet_s: float, timeout_s: float, since_seq: int | None = None,
                   require_traffic: bool = False) -> bool:
        """Wait until nothing is in flight and nothing happened for `quiet_s`.

        With `require_traffic`, first wait for at least one request after `since_seq`. False when
        `timeout_s` passes first.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                idle = time.monotonic() - self.last_activity
                busy = self._in_flight > 0
                seen = since_seq is None or self._next_seq - 1 > since_seq
            if (seen or not require_traffic) and not busy and idle >= quiet_s:
                return True
            time.sleep(min(0.05, max(quiet_s / 4, 0.01)))
        return False


def exchange_start(seq: int, t_start: float, episode: int, listener: str, scope: dict[str, Any]) -> dict[str, Any]:
    return {"seq": seq, "episode": episode, "listener": listener, "t_start": t_start, "at": _now(),
            "method": scope["method"], "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "headers": masked_headers(scope.get("headers", []))}


def response_record(status: int | None, headers: list[tuple[bytes, bytes]] | None, body: bytes | None,
                    outcome: str, shaped: list[str] | None = None,
                    id_pointers: Iterable[str] = ("/results/complaint/id", "/complaint_id")) -> dict[str, Any]:
    shown = {}
    for raw_name, raw_value in headers or []:
        name = raw_name.decode("latin-1").lower()
        if name in ("content-type", "retry-after", "location", "content-length"):
            shown[name] = raw_value.decode("latin-1")
    record: dict[str, Any] = {"status": status, "headers": shown, "outcome": outcome, "shaped": list(shaped or [])}
    if body:
        record["size"] = len(body)
        try:
            document = json.loads(body.decode("utf-8-sig"))
        except (UnicodeError, ValueError):
            document = None
        if document is not None:
            record["summary"] = summarize(document, id_pointers)
            if len(body) <= FULL_BODY_LIMIT:
                record["body"] = document
    return record
