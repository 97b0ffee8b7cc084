"""Waivers applied to requirement outcomes.

A waived failure counts as `waived` until the expiry date (inclusive), then as `failed`.
Status of each waiver: active (covers a failure), expired (past its date), stale (the
requirement passed: the failure no longer occurs), unused (the requirement was not exercised).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

ACTIVE, EXPIRED, STALE, UNUSED = "active", "expired", "stale", "unused"


def apply_waivers(requirements: list[dict[str, Any]], waivers: Iterable[Any],
                  today: datetime.date) -> list[dict[str, Any]]:
    """Mark waived rows in place (outcome `waived`, `waiver` details); return one record per waiver."""
    rows = {row["id"]: row for row in requirements}
    records = []
    for waiver in waivers:
        row = rows.get(waiver.requirement)
        outcome = row["outcome"] if row else "unknown"
        expired = waiver.expires < today
        if outcome in ("failed", "waived"):
            status = EXPIRED if expired else ACTIVE
        elif outcome == "passed":
            status = STALE
        else:
            status = EXPIRED if expired else UNUSED
        record = {"requirement": waiver.requirement, "reason": waiver.reason, "approver": waiver.approver,
                  "expires": waiver.expires.isoformat(), "status": status, "expired": expired,
                  "outcome": "failed" if outcome == "waived" else outcome}
        records.append(record)
        if row is None:
            continue
        if status == ACTIVE:
            row["outcome"] = "waived"
            row["waiver"] = record
        elif "waiver" not in row:
            row["waiver"] = record
    return records
