"""Fault injection for client mode: what the n-th request of an operation meets.

A schedule maps an operationId to a list indexed by attempt (the 1st, 2nd, … request of that
operation in the current episode); `None` means "answer normally". A fault is one of:

- `status`: an HTTP error (429 with `Retry-After`, 500, 503, …) with a Laravel-like JSON body;
- `drop`: the connection is closed without an answer;
- `hang`: no answer until the client gives up (its timeout), at most `seconds`;
- `delay`: the normal answer, `seconds` late.

`phase` says whether LAPOR handled the request before the fault: `before` (nothing happened on
LAPOR's side, a retry is harmless) or `after` (the complaint exists although the client saw a
failure — the case in which a blind retry of createComplaint files the complaint twice).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

KINDS = ("status", "drop", "hang", "delay")
PHASES = ("before", "after")
MESSAGES = {429: "Too Many Attempts.", 500: "Server Error.", 502: "Bad Gateway.", 503: "Service Unavailable.",
            504: "Gateway Timeout."}


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int = 503
    retry_after: int | None = None
    phase: str = "before"
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.phase not in PHASES:
            raise ValueError(f"bad fault {self.kind}/{self.phase}")

    @property
    def failing(self) -> bool:
        """The client sees a failure (a delay is only slow)."""
        return self.kind != "delay"

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "phase": self.phase}
        if self.kind == "status":
            data["status"] = self.status
            if self.retry_after is not None:
                data["retry_after"] = self.retry_after
        if self.kind in ("delay", "hang"):
            data["seconds"] = self.seconds
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        return cls(kind=data["kind"], status=int(data.get("status", 503)),
                   retry_after=None if data.get("retry_after") is None else int(data["retry_after"]),
                   phase=data.get("phase", "before"), seconds=float(data.get("seconds", 0.0)))

    def describe(self) -> str:
        if self.kind == "status":
            extra = f" Retry-After: {self.retry_after}" if self.retry_after is not None else ""
            return f"HTTP {self.status}{extra} ({self.phase})"
        if self.kind == "delay":
            return f"delay {self.seconds:g}s"
        return f"{self.kind} ({self.phase})"


Schedule = dict[str, list[Fault | None]]


def schedule_to_dict(schedule: Schedule) -> dict[str, list[dict[str, Any] | None]]:
    return {op: [fault.to_dict() if fault else None for fault in faults] for op, faults in schedule.items()}


def schedule_from_dict(data: dict[str, Any] | None) -> Schedule:
    return {op: [Fault.from_dict(item) if item else None for item in faults] for op, faults in (data or {}).items()}


class FaultPlan:
    """Thread-safe: the harness sets the schedule, the server's event loop consumes it."""

    def __init__(self, schedule: Schedule | None = None) -> None:
        self._lock = threading.Lock()
        self._schedule: Schedule = dict(schedule or {})
        self._attempts: dict[str, int] = {}

    def reset(self, schedule: Schedule | None = None) -> None:
        with self._lock:
            self._schedule = dict(schedule or {})
            self._attempts = {}

    def next(self, operation_id: str) -> tuple[int, Fault | None]:
        """Count one more request of the operation; its attempt number and fault."""
        with self._lock:
            attempt = self._attempts.get(operation_id, 0) + 1
            self._attempts[operation_id] = attempt
            faults = self._schedule.get(operation_id) or []
            return attempt, faults[attempt - 1] if attempt <= len(faults) else None

    @property
    def schedule(self) -> Schedule:
        with self._lock:
            return dict(self._schedule)


def error_answer(fault: Fault) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    body = json.dumps({"message": MESSAGES.get(fault.status, "Error.")}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if fault.retry_after is not None:
        headers.append((b"retry-after", str(fault.retry_after).encode()))
    return fault.status, headers, body


Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


async def drop_connection(send: Send) -> None:
    """Close the connection without an answer.

    Under uvicorn the ASGI `send` is bound to the request cycle, whose transport can be aborted so
    the client reads nothing at all. Elsewhere: announce a body and stop short, which a client
    also sees as a dropped connection.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is not None and hasattr(cycle, "disconnected"):
        transport.abort()
        cycle.disconnected = True
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")]})
    await send({"type": "http.response.body", "body": b"{", "more_body": True})
    raise ConnectionAbortedError("dropped on purpose")


async def wait_for_disconnect(receive: Receive, limit: float) -> bool:
    """Hang: wait until the client gives up (True) or `limit` seconds pass (False)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    try:
        while True:
            message = await asyncio.wait_for(receive(), timeout=max(deadline - loop.time(), 0.001))
            if message.get("type") == "http.disconnect":
                return True
    except asyncio.TimeoutError:
        return False
