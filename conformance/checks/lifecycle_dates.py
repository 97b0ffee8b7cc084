"""Dates in the lifecycle model's logs: real `d-m-Y H:i:s` dates (LAPOR-DATA-002) stamped in WIB (LAPOR-DATA-007).

A follow-up the model just added must carry the time it was sent (within `CLOCK_TOLERANCE`, calendar.py).
A date written month first (m-d-Y) is a defect of the format, not of the clock: read day first it is no
date at all (the day is above 12) or another date months away, read month first it is the time sent. It
is reported once, as LAPOR-DATA-002 naming the field and the value, and never as a clock offset (here) or
a log out of order (LAPOR-FU-003, lifecycle_model.py).
"""

from __future__ import annotations

import datetime as dt

from conformance.calendar import CLOCK_TOLERANCE, MONTH_FIRST_FORMAT, WIB, read_lapor_datetime
from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.checks.lifecycle_model import _walks
from conformance.checks.model import DETAIL, FOLLOWUPS, entry_with, model_step, month_first_entries, results


def _month_first_reading(value: str) -> str:
    """A hint when `value`, no d-m-Y date, is one read month first (`12-31-2026`), else nothing."""
    try:
        dt.datetime.strptime(value, MONTH_FIRST_FORMAT)
    except ValueError:
        return ""
    return "; bulan ditulis di depan (m-d-Y)? / is the month written first (m-d-Y)?"


@check("log_dates_parse")
def log_dates_parse(observation: Observation) -> list[Outcome]:
    """Every log entry's created_at is a real date in `d-m-Y H:i:s` (the pattern alone allows 31-02), and a
    follow-up the model added is not its own time sent written month first (valid when the day is 1–12)."""
    step = model_step(observation, DETAIL, FOLLOWUPS)
    if step is None or observation.status != 200:
        return []
    field = "data_logs" if step.kind == DETAIL else "data"
    entries = results(observation.json()).get(field)
    entries = [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    values = [e.get("created_at") for e in entries if e.get("created_at") is not None]
    if not values:
        return []
    bad = [v for v in values if read_lapor_datetime(v) is None]
    if bad:
        return [failed("log_dates_parse", f"results.{field}[].created_at {bad[0]!r} bukan tanggal `d-m-Y H:i:s` "
                                          "yang sah / is not a valid d-m-Y H:i:s date"
                                          f"{_month_first_reading(str(bad[0]))}")]
    walk = _walks(observation) if step.kind == FOLLOWUPS else None
    listed = walk["by_number"] if walk is not None else entries  # every page of the follow-up log
    if step.complaint is not None:
        for followup, entry in month_first_entries(listed, step.complaint)[:1]:
            return [failed("log_dates_parse",
                           f"results.{field}[].created_at {entry.get('created_at')!r} (tindak lanjut "
                           f"`{followup.marker}`, dikirim / sent {followup.sent_at.astimezone(WIB):%d-%m-%Y %H:%M:%S} "
                           "WIB): hari dan bulan tertukar — ditulis m-d-Y, bukan d-m-Y / day and month are swapped: "
                           "written m-d-Y, not d-m-Y")]
    return [passed("log_dates_parse")]


@check("timestamps_are_wib")
def timestamps_are_wib(observation: Observation) -> list[Outcome]:
    """A follow-up the model just added is stamped with the current WIB time (within a clock tolerance)."""
    walk = _walks(observation)
    if walk is None:
        return []
    model = walk["step"].complaint
    swapped = {followup.marker for followup, _ in month_first_entries(walk["by_number"], model)}
    outcomes = []
    for followup in model.followups:
        entries = entry_with(walk["by_number"], followup.marker)
        stamp = read_lapor_datetime(entries[0].get("created_at")) if len(entries) == 1 else None
        if stamp is None or followup.sent_at is None or followup.marker in swapped:
            continue  # no date, or one written month first: LAPOR-DATA-002's finding (log_dates_parse)
        offset = stamp - followup.sent_at
        if abs(offset) > CLOCK_TOLERANCE:
            hours = offset.total_seconds() / 3600
            return [failed("timestamps_are_wib",
                           f"tindak lanjut dikirim {followup.sent_at.astimezone(WIB):%d-%m-%Y %H:%M:%S} WIB, "
                           f"created_at {entries[0].get('created_at')} (selisih / off by {hours:+.1f} jam/h; "
                           "-7 jam berarti UTC / -7 h means UTC)")]
        outcomes.append(passed("timestamps_are_wib"))
    return outcomes[:1]
