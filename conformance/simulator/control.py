"""Client mode's control side: LAPOR-side actions and a small HTTP control API.

`LaporActions` does what LAPOR's own staff would do to a complaint, so an agency app's polling
finds something: verify it, dispose it to an institution, add follow-ups written by another
institution, change its status. It works on the simulator's store; the few writes the store has
no method for (status changes, extra institutions) are plain SQL kept here, in one place.

`control_app(state)` exposes the recorder, the scenario (faults and answer shapes) and these
actions under CONTROL_PREFIX, guarded by a per-run control key (header `X-Simulator-Control`);
it never touches the LAPOR API paths.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from conformance.simulator import seed
from conformance.simulator.store import now_wib

CONTROL_PREFIX = "/_simulator"
CONTROL_HEADER = "x-simulator-control"
STATUSES = {"verified": seed.STATUS_VERIFIED, "in_process": seed.STATUS_IN_PROCESS,
            "done": (3, "Selesai")}  # "Selesai" and its code are inferred (lapor-api.md §3)


class ActionError(Exception):
    pass


class LaporActions:
    def __init__(self, simulator: Any) -> None:
        self.sim = simulator
        self.store = simulator.store

    # ------------------------------------------------------------- reading
    def complaints(self, since_id: int = 0) -> list[dict[str, Any]]:
        rows = self.store._query(  # noqa: SLF001 - the store has no listing method
            "SELECT id, title, content, is_anonymous, is_secret, status_code, status_name, disposition_id, created_at,"
            " request_body FROM complaints WHERE id > ? ORDER BY id", (since_id,))
        for row in rows:
            row["id"] = str(row["id"])
            row["is_anonymous"], row["is_secret"] = bool(row["is_anonymous"]), bool(row["is_secret"])
            row["request_body"] = json.loads(row["request_body"] or "{}")
        return rows

    def max_complaint_id(self) -> int:
        row = self.store._one("SELECT COALESCE(MAX(id), 0) AS n FROM complaints")  # noqa: SLF001
        return int(row["n"]) if row else 0

    def institution_ids(self) -> list[str]:
        rows, _ = self.store.institutions(0, 1_000_000)
        return [row["id"] for row in rows]

    def institution_count(self) -> int:
        return self.store.institutions(0, 1)[1]

    def template_count(self) -> int:
        return self.store.templates(0, 1)[1]

    def _complaint(self, complaint_id: str | int) -> dict[str, Any]:
        complaint = self.store.complaint(int(complaint_id))
        if complaint is None:
            raise ActionError(f"complaint {complaint_id} not found")
        return complaint

    def _institution(self, institution_id: str | int) -> str:
        row = self.store.institution(str(institution_id))
        if row is None:
            raise ActionError(f"institution {institution_id} not found")
        return row["id"]

    # ------------------------------------------------------------- acting
    def set_status(self, complaint_id: str | int, status: tuple[int, str], note: str | None = None) -> None:
        complaint = self._complaint(complaint_id)
        created = now_wib()
        with self.store._transaction() as db:  # noqa: SLF001 - status changes have no store method
            db.execute("UPDATE complaints SET status_code = ?, status_name = ? WHERE id = ?",
                       (status[0], status[1], complaint["id"]))
            db.execute("INSERT INTO status_logs (complaint_id, note, created_at) VALUES (?, ?, ?)",
                       (complaint["id"], note or f"Status menjadi {status[1]}.", created))
            db.execute(
                "INSERT INTO logs (complaint_id, kind, template_code, institution_from_id, institution_to_id,"
                " content, data, created_at) VALUES (?, 'disposition', 'disposition', ?, ?, ?, ?, ?)",
                (complaint["id"], complaint["disposition_id"], complaint["disposition_id"], note,
                 seed.status_change(complaint["status_name"], status[1]), created))

    def verify(self, complaint_id: str | int, note: str | None = None) -> None:
        self.set_status(complaint_id, seed.STATUS_VERIFIED, note or "Laporan diverifikasi oleh admin LAPOR!.")

    def dispose(self, complaint_id: str | int, institution_id: str | int, note: str | None = None) -> None:
        complaint = self._complaint(complaint_id)
        target = self._institution(institution_id)
        self.store.reroute(complaint["id"], target, note or "Didisposisikan oleh admin LAPOR!.",
                           complaint["status_name"])

    def add_followups(self, complaint_id: str | int, institution_id: str | int, count: int = 1,
                      content: str = "Tindak lanjut dari instansi terkait", to_institution_id: str | int | None = None,
                      ) -> list[int]:
        complaint = self._complaint(complaint_id)
        source = self._institution(institution_id)
        target = self._institution(to_institution_id) if to_institution_id else complaint["disposition_id"]
        ids = []
        with self.store._transaction():  # noqa: SLF001 - one commit for the batch (add_followup joins it)
            for number in range(1, count + 1):
                fields = {"template_code": "reply_lmw", "institution_from_id": source, "institution_to_id": target,
                          "content": f"{content} ({number}/{count}).", "is_secret": 0, "rating": 0}
                ids.append(self.store.add_followup(complaint["id"], fields, [], complaint["status_name"]))
        return ids

    def ensure_institution(self, institution_id: str, name: str) -> bool:
        """Add the agency's own institution to the master list when the seed lacks it; True if added."""
        if self.store.institution(str(institution_id)) is not None:
            return False
        total = self.institution_count()
        with self.store._transaction() as db:  # noqa: SLF001 - the store has no insert for masters
            db.execute("INSERT INTO institutions (id, name, position) VALUES (?, ?, ?)",
                       (str(institution_id), name or f"Instansi {institution_id}", total))
        return True

    def add_institutions(self, count: int, prefix: str = "Instansi Simulasi") -> int:
        """Grow the master list (e.g. beyond the largest page size); returns the new total."""
        total = self.institution_count()
        with self.store._transaction() as db:  # noqa: SLF001 - the store has no insert for masters
            start = int(db.execute("SELECT COALESCE(MAX(CAST(id AS INTEGER)), 0) FROM institutions").fetchone()[0])
            db.executemany("INSERT INTO institutions (id, name, position) VALUES (?, ?, ?)",
                           [(str(start + i), f"{prefix} {start + i}", total + i) for i in range(1, count + 1)])
        return total + count

    def work_complaint(self, complaint_id: str | int, institution_id: str | int, followups: int,
                       status: str = "in_process", agency_institution_id: str | None = None) -> dict[str, Any]:
        """The usual LAPOR-side life of a new complaint: verify, dispose, follow-ups, status."""
        self.verify(complaint_id)
        self.dispose(complaint_id, institution_id)
        if followups:
            self.add_followups(complaint_id, institution_id, followups, to_institution_id=agency_institution_id)
        self.set_status(complaint_id, STATUSES[status])
        return {"complaint_id": str(complaint_id), "verified": True, "disposed_to": str(institution_id),
                "followups": followups, "status": STATUSES[status][1]}


def control_app(state: Any, control_key: str) -> Starlette:
    """`state` has .recorder, .faults (FaultPlan), .shapes, .actions and set_scenario(dict)."""

    def guarded(handler):
        async def endpoint(request: Request) -> JSONResponse:
            given = request.headers.get(CONTROL_HEADER, "")
            if not hmac.compare_digest(given.encode(), control_key.encode()):
                return JSONResponse({"message": "control key missing or wrong"}, status_code=401)
            try:
                return await handler(request)
            except ActionError as error:
                return JSONResponse({"message": str(error)}, status_code=404)
            except (ValueError, KeyError, TypeError) as error:
                return JSONResponse({"message": f"bad request: {error}"}, status_code=422)
        return endpoint

    async def body(request: Request) -> dict[str, Any]:
        raw = await request.body()
        return json.loads(raw) if raw else {}

    async def traffic(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            state.recorder.clear()
            return JSONResponse({"cleared": True})
        since = int(request.query_params.get("since", "0"))
        return JSONResponse({"exchanges": state.recorder.exchanges(since), "last_seq": state.recorder.last_seq})

    async def scenario(request: Request) -> JSONResponse:
        if request.method == "PUT":
            state.set_scenario(await body(request))
        return JSONResponse(state.scenario_dict())

    async def complaints(request: Request) -> JSONResponse:
        since = int(request.query_params.get("since_id", "0"))
        rows = state.actions.complaints(since)
        for row in rows:
            row.pop("request_body", None)
        return JSONResponse({"complaints": rows})

    async def act(request: Request) -> JSONResponse:
        complaint_id, action = request.path_params["complaint_id"], request.path_params["action"]
        data = await body(request)
        actions = state.actions
        if action == "verify":
            actions.verify(complaint_id, data.get("note"))
        elif action == "dispose":
            actions.dispose(complaint_id, data["institution_id"], data.get("note"))
        elif action == "followups":
            actions.add_followups(complaint_id, data["institution_id"], int(data.get("count", 1)),
                                  data.get("content", "Tindak lanjut dari instansi terkait"),
                                  data.get("to_institution_id"))
        elif action == "status":
            actions.set_status(complaint_id, (int(data["status_code"]), str(data["status_name"])), data.get("note"))
        else:
            return JSONResponse({"message": f"unknown action {action}"}, status_code=404)
        return JSONResponse({"done": action, "complaint_id": complaint_id})

    routes = [
        Route(CONTROL_PREFIX + "/traffic", guarded(traffic), methods=["GET", "DELETE"]),
        Route(CONTROL_PREFIX + "/scenario", guarded(scenario), methods=["GET", "PUT"]),
        Route(CONTROL_PREFIX + "/complaints", guarded(complaints), methods=["GET"]),
        Route(CONTROL_PREFIX + "/complaints/{complaint_id:int}/{action}", guarded(act), methods=["POST"]),
    ]
    return Starlette(routes=routes)
