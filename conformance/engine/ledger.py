"""The ledger: one JSON line per check evaluation, appended as it happens.

An interrupted run keeps every line already written. The summary is built from the ledger.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

PASSED = "passed"
FAILED = "failed"
NOT_EXERCISED = "not_exercised"  # the case never got a real answer (e.g. gateway 429/503 to the end)


@dataclass(frozen=True)
class Entry:
    requirement: str
    check: str
    operation: str
    outcome: str
    message: str = ""
    case_id: str = ""


class Ledger:
    """Append-only; every line passes through `redact` before it touches the disk."""

    def __init__(self, path: Path, redact: Callable[[str], str] = lambda text: text) -> None:
        self.path = path
        self._redact = redact
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, entries: Iterable[Entry]) -> None:
        lines = [self._redact(json.dumps(asdict(entry), ensure_ascii=False)) for entry in entries]
        if not lines:
            return
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
            handle.flush()


def read_ledger(path: Path) -> list[Entry]:
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            entries.append(Entry(**json.loads(line)))
        except (ValueError, TypeError):
            continue  # a line cut short by an interruption
    return entries
