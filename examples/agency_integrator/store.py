"""The agency's own complaint store (SQLite): complaints, attachments, LAPOR master data, follow-ups.

`forward_state` tracks the create call: new → sending → forwarded | failed | unknown. `unknown`
means the request may have reached LAPOR but no answer came back (timeout, dropped connection,
500): LAPOR has no idempotency key, so the app does not send it again on its own; an operator
checks LAPOR first (a duplicate complaint is worse than a late one).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS complaints (
    id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, content TEXT NOT NULL,
    reporter_name TEXT, reporter_nik TEXT, reporter_phone TEXT, reporter_email TEXT,
    is_anonymous INTEGER NOT NULL DEFAULT 0, is_secret INTEGER NOT NULL DEFAULT 0,
    category_id INTEGER NOT NULL DEFAULT 15, target_institution_id TEXT, date_of_incident TEXT,
    created_at REAL NOT NULL,
    lapor_id TEXT, forward_state TEXT NOT NULL DEFAULT 'new', forward_error TEXT,
    reroute_state TEXT NOT NULL DEFAULT 'none',
    status_name TEXT, disposition_name TEXT, last_note TEXT,
    last_checked REAL, next_check REAL,
    reply_state TEXT NOT NULL DEFAULT 'none');
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, complaint_id INTEGER NOT NULL, file_name TEXT NOT NULL,
    content_type TEXT NOT NULL, data BLOB NOT NULL, lapor_doc_id TEXT);
CREATE TABLE IF NOT EXISTS followups (
    complaint_id INTEGER NOT NULL, lapor_id TEXT NOT NULL, created_at TEXT, institution TEXT, content TEXT,
    PRIMARY KEY (complaint_id, lapor_id));
CREATE TABLE IF NOT EXISTS institutions (id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS templates (template_code TEXT PRIMARY KEY, title TEXT, type TEXT, content TEXT);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


class AgencyStore:
    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, no fsync per update
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, params).fetchall()]

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return int(self._db.execute(sql, params).lastrowid or 0)

    # ------------------------------------------------------------ intake
    def add_complaint(self, title: str, content: str, *, reporter: dict[str, str] | None = None,
                      is_anonymous: bool = False, is_secret: bool = False, category_id: int = 15,
                      target_institution_id: str | None = None, date_of_incident: str | None = None,
                      attachments: list[tuple[str, str, bytes]] = ()) -> int:
        reporter = reporter or {}
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO complaints (title, content, reporter_name, reporter_nik, reporter_phone, reporter_email,"
                " is_anonymous, is_secret, category_id, target_institution_id, date_of_incident, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (title, content, reporter.get("name"), reporter.get("nik"), reporter.get("phone"), reporter.get("email"),
                 int(is_anonymous), int(is_secret), category_id, target_institution_id, date_of_incident, time.time()))
            complaint_id = int(cursor.lastrowid)
            db.executemany("INSERT INTO attachments (complaint_id, file_name, content_type, data) VALUES (?, ?, ?, ?)",
                           [(complaint_id, name, kind, data) for name, kind, data in attachments])
        return complaint_id

    def next_number(self) -> int:
        row = self.rows("SELECT COALESCE(MAX(id), 0) + 1 AS n FROM complaints")
        return int(row[0]["n"])

    # ------------------------------------------------------------ queries
    def complaint(self, complaint_id: int) -> dict[str, Any]:
        return self.rows("SELECT * FROM complaints WHERE id = ?", (complaint_id,))[0]

    def complaints_to_forward(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM complaints WHERE forward_state IN ('new', 'failed') ORDER BY id")

    def complaints_to_reroute(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM complaints WHERE forward_state = 'forwarded' AND reroute_state = 'pending'"
                         " ORDER BY id")

    def forwarded(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM complaints WHERE forward_state = 'forwarded' ORDER BY id")

    def attachments(self, complaint_id: int) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM attachments WHERE complaint_id = ? ORDER BY id", (complaint_id,))

    def update(self, complaint_id: int, **fields: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)
        self.execute(f"UPDATE complaints SET {columns} WHERE id = ?", (*fields.values(), complaint_id))

    def set_doc_id(self, attachment_id: int, doc_id: str) -> None:
        self.execute("UPDATE attachments SET lapor_doc_id = ? WHERE id = ?", (doc_id, attachment_id))

    # ------------------------------------------------------------ LAPOR data
    def replace_institutions(self, rows: list[tuple[str, str]]) -> None:
        with self.transaction() as db:  # LMW truncates its copy and re-syncs daily (S3)
            db.execute("DELETE FROM institutions")
            db.executemany("INSERT OR REPLACE INTO institutions (id, name) VALUES (?, ?)", rows)

    def replace_templates(self, rows: list[tuple[str, str, str, str]]) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM templates")
            db.executemany("INSERT OR REPLACE INTO templates (template_code, title, type, content) VALUES (?, ?, ?, ?)",
                           rows)

    def institution_ids(self) -> set[str]:
        return {row["id"] for row in self.rows("SELECT id FROM institutions")}

    def has_template(self, code: str) -> bool:
        return bool(self.rows("SELECT 1 FROM templates WHERE template_code = ?", (code,)))

    def add_followups(self, complaint_id: int, entries: list[dict[str, Any]]) -> int:
        added = 0
        with self.transaction() as db:
            for entry in entries:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO followups (complaint_id, lapor_id, created_at, institution, content)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (complaint_id, str(entry.get("id")), entry.get("created_at") or entry.get("date"),
                     entry.get("institution_from_name") or (entry.get("institution") or {}).get("name"),
                     entry.get("content")))
                added += cursor.rowcount
        return added

    def followup_count(self, complaint_id: int) -> int:
        return int(self.rows("SELECT COUNT(*) AS n FROM followups WHERE complaint_id = ?", (complaint_id,))[0]["n"])
