"""File-backed SQLite storage for the simulator: schema, seeding, and every query the routes need.

One connection guarded by a lock, so the store is safe to use from uvicorn's event loop and from test
threads at once. Timestamps are stored as `Y-m-d H:i:s` in WIB (UTC+7); the app formats them on output.
The log table is append-only: nothing ever updates or deletes an entry.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from conformance.simulator import seed

WIB = timezone(timedelta(hours=7), "WIB")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS institutions (id TEXT PRIMARY KEY, name TEXT NOT NULL, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS templates (id TEXT PRIMARY KEY, template_code TEXT UNIQUE NOT NULL, title TEXT NOT NULL,
    type TEXT NOT NULL, content TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (id INTEGER PRIMARY KEY AUTOINCREMENT, file_name TEXT NOT NULL,
    extension TEXT NOT NULL, content_type TEXT, size INTEGER NOT NULL, sha256 TEXT, data BLOB,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS complaints (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, content TEXT NOT NULL,
    channel INTEGER, classification_id INTEGER, category_id INTEGER, location_id INTEGER, user_id INTEGER,
    status_code INTEGER NOT NULL, status_name TEXT NOT NULL, disposition_id TEXT, is_anonymous INTEGER NOT NULL,
    is_secret INTEGER NOT NULL, tags_raw TEXT, date_of_incident TEXT, attachments TEXT NOT NULL,
    request_body TEXT NOT NULL, created_at TEXT NOT NULL, owner_institution_id TEXT, reporter TEXT);
CREATE TABLE IF NOT EXISTS status_logs (id INTEGER PRIMARY KEY AUTOINCREMENT, complaint_id INTEGER NOT NULL,
    note TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (id INTEGER PRIMARY KEY AUTOINCREMENT, complaint_id INTEGER NOT NULL,
    kind TEXT NOT NULL, template_code TEXT, institution_from_id TEXT, institution_to_id TEXT, content TEXT,
    data TEXT, is_secret INTEGER NOT NULL DEFAULT 0, rating INTEGER, user_id INTEGER, info_disposition TEXT,
    attachments TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS logs_by_complaint ON logs (complaint_id, id);
CREATE INDEX IF NOT EXISTS status_logs_by_complaint ON status_logs (complaint_id, id);
"""


def now_wib() -> str:
    return datetime.now(WIB).strftime("%Y-%m-%d %H:%M:%S")


class Store:
    """The simulator's database. Create it once per app; call close() when done."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._migrate()
            if self._db.execute("SELECT COUNT(*) FROM institutions").fetchone()[0] == 0:
                with self._transaction() as db:
                    self._seed(db)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _migrate(self) -> None:
        """Columns added after the first release, for database files made by an older simulator."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(complaints)").fetchall()}
        for name in ("owner_institution_id", "reporter"):
            if name not in columns:
                self._db.execute(f"ALTER TABLE complaints ADD COLUMN {name} TEXT")

    # ------------------------------------------------------------------ helpers
    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, params).fetchall()]

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        rows = self._query(sql, params)
        return rows[0] if rows else None

    def _seed(self, db: sqlite3.Connection) -> None:
        db.executemany("INSERT INTO institutions (id, name, position) VALUES (?, ?, ?)",
                       [(iid, name, pos) for pos, (iid, name) in enumerate(seed.INSTITUTIONS)])
        db.executemany("INSERT INTO templates (id, template_code, title, type, content) VALUES (?, ?, ?, ?, ?)",
                       [(t["id"], t["template_code"], t["title"], t["type"], t["content"]) for t in seed.TEMPLATES])
        db.executemany("INSERT INTO categories (id, name) VALUES (?, ?)", seed.CATEGORIES)
        for doc in seed.DOCUMENTS:
            db.execute("INSERT INTO documents (id, file_name, extension, content_type, size, created_at) "
                       "VALUES (:id, :file_name, :extension, :content_type, :size, :created_at)", doc)
        for c in seed.COMPLAINTS:
            code, name = c["status"]  # type: ignore[misc]
            db.execute(
                "INSERT INTO complaints (id, title, content, channel, classification_id, category_id, location_id,"
                " user_id, status_code, status_name, disposition_id, is_anonymous, is_secret, tags_raw,"
                " date_of_incident, attachments, request_body, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 0, 0, ?, NULL, '[]', '{}', ?)",
                (c["id"], c["title"], c["content"], c["channel"], c["classification_id"], c["category_id"],
                 c["location_id"], code, name, c["disposition_id"], c["tags_raw"], c["created_at"]))
            db.execute("INSERT INTO status_logs (complaint_id, note, created_at) VALUES (?, ?, ?)",
                       (c["id"], "Laporan diterima melalui integrasi.", c["created_at"]))
        # Generated ids continue from real-looking sequences (AUTOINCREMENT reads sqlite_sequence).
        db.execute("DELETE FROM sqlite_sequence WHERE name IN ('documents', 'complaints', 'logs')")
        db.executemany("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)",
                       [("documents", seed.FIRST_DOCUMENT_ID - 1), ("complaints", seed.FIRST_COMPLAINT_ID - 1),
                        ("logs", 7000000)])
        for complaint_id, entries in seed.FOLLOWUPS.items():
            for entry in entries:
                db.execute("INSERT INTO logs (complaint_id, kind, template_code, institution_from_id,"
                           " institution_to_id, content, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (complaint_id, entry["kind"], entry["template_code"], entry["from"], entry["to"],
                            entry["content"], entry["data"], entry["created_at"]))

    # ------------------------------------------------------------- master data
    def institutions(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        rows = self._query("SELECT id, name FROM institutions ORDER BY position LIMIT ? OFFSET ?", (limit, offset))
        return rows, self._one("SELECT COUNT(*) AS n FROM institutions")["n"]  # type: ignore[index]

    def institution(self, institution_id: str | None) -> dict[str, Any] | None:
        if institution_id is None:
            return None
        return self._one("SELECT id, name FROM institutions WHERE id = ?", (str(institution_id),))

    def templates(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
        rows = self._query("SELECT id, template_code, title, type, content FROM templates ORDER BY id"
                           " LIMIT ? OFFSET ?", (limit, offset))
        return rows, self._one("SELECT COUNT(*) AS n FROM templates")["n"]  # type: ignore[index]

    def template(self, code: str | None) -> dict[str, Any] | None:
        if not code:
            return None
        return self._one("SELECT id, template_code, title, type, content FROM templates WHERE template_code = ?",
                         (code,))

    def category_name(self, category_id: int | None) -> str | None:
        row = self._one("SELECT name FROM categories WHERE id = ?", (category_id,)) if category_id else None
        return row["name"] if row else None

    # --------------------------------------------------------------- documents
    def add_documents(self, files: list[tuple[str, str | None, bytes]]) -> list[dict[str, Any]]:
        """Store (file_name, content_type, data) tuples; return the rows with their new ids, in order."""
        created = now_wib()
        stored = []
        with self._transaction() as db:
            for file_name, content_type, data in files:
                extension = file_name.rsplit(".", 1)[1].lower() if "." in file_name else ""
                cursor = db.execute(
                    "INSERT INTO documents (file_name, extension, content_type, size, sha256, data, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (file_name, extension, content_type, len(data), hashlib.sha256(data).hexdigest(), data, created))
                stored.append({"id": cursor.lastrowid, "file_name": file_name, "extension": extension})
        return stored

    def missing_documents(self, ids: list[int]) -> list[int]:
        return [doc_id for doc_id in ids if self._one("SELECT 1 AS x FROM documents WHERE id = ?", (doc_id,)) is None]

    # -------------------------------------------------------------- complaints
    def create_complaint(self, body: dict[str, Any], attachments: list[int], status: tuple[int, str],
                         disposition_id: str | None, owner_institution_id: str | None = None) -> int:
        created = now_wib()
        reporter = None
        if body.get("is_new_user_slider"):
            reporter = json.dumps({"name": body.get("nameUser"), "email": body.get("emailUser"),
                                   "phone": body.get("phoneUser")}, ensure_ascii=False)
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO complaints (title, content, channel, classification_id, category_id, location_id,"
                " user_id, status_code, status_name, disposition_id, is_anonymous, is_secret, tags_raw,"
                " date_of_incident, attachments, request_body, created_at, owner_institution_id, reporter)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (body["title"], body["content"], body.get("channel"), body.get("classification_id"),
                 body.get("category_id"), body.get("location_id"), body.get("user_id"), status[0], status[1],
                 disposition_id, int(bool(body.get("is_anonymous"))), int(bool(body.get("is_secret"))),
                 body.get("tags_raw"), body.get("date_of_incident"), json.dumps(attachments),
                 json.dumps(body, ensure_ascii=False), created, owner_institution_id, reporter))
            complaint_id = int(cursor.lastrowid)  # type: ignore[arg-type]
            db.execute("INSERT INTO status_logs (complaint_id, note, created_at) VALUES (?, ?, ?)",
                       (complaint_id, "Laporan diterima melalui integrasi dan menunggu verifikasi.", created))
            if disposition_id is not None:
                db.execute(
                    "INSERT INTO logs (complaint_id, kind, template_code, institution_to_id, info_disposition, data,"
                    " created_at) VALUES (?, 'disposition', 'disposition', ?, ?, ?, ?)",
                    (complaint_id, disposition_id, body.get("info_disposition"),
                     seed.status_change(None, status[1]), created))
        return complaint_id

    def complaint(self, complaint_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM complaints WHERE id = ?", (complaint_id,))

    def disposition_history(self, complaint_id: int) -> set[str]:
        """Every institution the complaint has been disposed to."""
        rows = self._query("SELECT DISTINCT institution_to_id FROM logs WHERE complaint_id = ? AND kind = 'disposition'"
                           " AND institution_to_id IS NOT NULL", (complaint_id,))
        return {str(row["institution_to_id"]) for row in rows}

    def status_logs(self, complaint_id: int) -> list[dict[str, Any]]:
        return self._query("SELECT note, created_at FROM status_logs WHERE complaint_id = ? ORDER BY id DESC",
                           (complaint_id,))

    def reroute(self, complaint_id: int, target_id: str, note: str | None, status_name: str) -> None:
        """Bukan Wewenang: move the disposition to `target_id`, log the move, keep the status."""
        created = now_wib()
        with self._transaction() as db:
            current = db.execute("SELECT disposition_id FROM complaints WHERE id = ?", (complaint_id,)).fetchone()
            db.execute("UPDATE complaints SET disposition_id = ? WHERE id = ?", (target_id, complaint_id))
            db.execute("INSERT INTO status_logs (complaint_id, note, created_at) VALUES (?, ?, ?)",
                       (complaint_id, note or "Bukan wewenang; dialihkan ke instansi lain.", created))
            db.execute(
                "INSERT INTO logs (complaint_id, kind, template_code, institution_from_id, institution_to_id,"
                " content, data, created_at) VALUES (?, 'disposition', 'disposition', ?, ?, ?, ?, ?)",
                (complaint_id, current["disposition_id"], target_id, note,
                 seed.status_change(status_name, status_name), created))

    # --------------------------------------------------------------- the log
    def add_followup(self, complaint_id: int, fields: dict[str, Any], attachments: list[dict[str, Any]],
                     status_name: str) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO logs (complaint_id, kind, template_code, institution_from_id, institution_to_id,"
                " content, data, is_secret, rating, user_id, info_disposition, attachments, created_at)"
                " VALUES (?, 'followup', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (complaint_id, fields.get("template_code"), fields.get("institution_from_id"),
                 fields.get("institution_to_id"), fields["content"], seed.status_change(status_name, status_name),
                 int(fields.get("is_secret") or 0), fields.get("rating"), fields.get("user_id"),
                 fields.get("info_disposition"), json.dumps(attachments, ensure_ascii=False), now_wib()))
            return int(cursor.lastrowid)  # type: ignore[arg-type]

    def logs(self, complaint_id: int, offset: int = 0, limit: int = -1,
             kind: str | None = None) -> tuple[list[dict[str, Any]], int]:
        where = "complaint_id = ?" + (" AND kind = ?" if kind else "")
        params: tuple[Any, ...] = (complaint_id, kind) if kind else (complaint_id,)
        rows = self._query(f"SELECT * FROM logs WHERE {where} ORDER BY id LIMIT ? OFFSET ?", (*params, limit, offset))
        total = self._one(f"SELECT COUNT(*) AS n FROM logs WHERE {where}", params)["n"]  # type: ignore[index]
        return rows, total

    def log(self, log_id: int) -> dict[str, Any] | None:
        return self._one("SELECT * FROM logs WHERE id = ?", (log_id,))
