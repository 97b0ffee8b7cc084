"""Dates in the lifecycle model's logs: real `d-m-Y H:i:s` dates (LAPOR-DATA-002) stamped in WIB (LAPOR-DATA-007).

A follow-up the model just added must carry the time it was sent (within `CLOCK_TOLERANCE`, calendar.py).
So must the detail of a complaint the model created: its `created_at` is the time the create call was sent,
and every date of its `status_logs` and `data_logs` lies between then and now; an entry listed both in the
detail's `data_logs` and in the follow-up list carries the same `created_at` in both.
A date written month first (m-d-Y) is a defect of the format, not of the clock: read day first it is no
date at all (the day is above 12) or another date months away, read month first it is the time sent. It
is reported once, as LAPOR-DATA-002 naming the field and the value, and never as a clock offset (here) or
a log out of order (LAPOR-FU-003, lifecycle_model.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from conformance.calendar import (CLOCK_TOLERANCE, MONTH_FIRST_FORMAT, WIB, now_wib, read_lapor_datetime,
                                  written_month_first)
from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.checks.lifecycle_model import _walks
from conformance.checks.model import (DETAIL, FOLLOWUPS, credentials_refused, detail_data, entry_with, model_step,
                                      month_first_entries, results)

SAME_ENTRY_SLACK = dt.timedelta(minutes=1)  # one entry's created_at in data_logs vs in the follow-up list


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


def _month_first_between(value: Any, start: dt.datetime, end: dt.datetime) -> bool:
    """Is `value`, read month first, a moment between `start` and `end`? Then it is LAPOR-DATA-002's finding."""
    try:
        moment = dt.datetime.strptime(str(value), MONTH_FIRST_FORMAT).replace(tzinfo=WIB)
    except ValueError:
        return False
    return start <= moment <= end


def _hours(offset: dt.timedelta) -> str:
    return f"selisih / off by {offset.total_seconds() / 3600:+.1f} jam/h; -7 jam berarti UTC / -7 h means UTC"


def _detail_dates(observation: Observation) -> list[Outcome]:
    """The detail of a complaint the model created: created_at is the time it was sent, every log date lies
    between then and now (dates that are no `d-m-Y H:i:s` date, or one written month first, are not judged)."""
    step = model_step(observation, DETAIL)
    model = step.complaint if step is not None else None
    if model is None or model.created_at is None or observation.status != 200 or credentials_refused(observation):
        return []
    body = observation.json()
    data, logs = detail_data(body), results(body).get("data_logs")
    logs = [e for e in logs if isinstance(e, dict)] if isinstance(logs, list) else []
    status_logs = data.get("status_logs")
    status_logs = [s for s in status_logs if isinstance(s, dict)] if isinstance(status_logs, list) else []
    model.log_dates = {str(e["id"]): e.get("created_at") for e in logs if e.get("id") is not None}
    start, end = model.created_at - CLOCK_TOLERANCE, now_wib() + CLOCK_TOLERANCE
    stamps = [("results.data.created_at", data.get("created_at"))]
    stamps += [("results.data.status_logs[].timestamp", s.get("timestamp")) for s in status_logs]
    stamps += [("results.data_logs[].created_at", e.get("created_at")) for e in logs]
    judged = False
    for field, value in stamps:
        moment = read_lapor_datetime(value)
        if moment is None or _month_first_between(value, start, end):
            continue
        judged = True
        if field == "results.data.created_at" and abs(moment - model.created_at) > CLOCK_TOLERANCE:
            return [failed("timestamps_are_wib",
                           f"aduan {model.id} dibuat / created {model.created_at.astimezone(WIB):%d-%m-%Y %H:%M:%S} "
                           f"WIB, {field} {value} ({_hours(moment - model.created_at)})")]
        if not start <= moment <= end:
            offset = moment - (model.created_at if moment < start else end - CLOCK_TOLERANCE)
            return [failed("timestamps_are_wib",
                           f"aduan {model.id} dibuat / created {model.created_at.astimezone(WIB):%d-%m-%Y %H:%M:%S} "
                           f"WIB: {field} {value} di luar / outside [dibuat / created, sekarang / now] "
                           f"({_hours(offset)})")]
    return [passed("timestamps_are_wib")] if judged else []


def _same_entry_dates(walk: dict[str, Any]) -> list[Outcome]:
    """An entry (same id) listed in the detail's data_logs and in the follow-up list has one created_at."""
    model = walk["step"].complaint
    for entry in walk["by_number"]:
        if not isinstance(entry, dict) or str(entry.get("id")) not in model.log_dates:
            continue
        in_detail, listed = model.log_dates[str(entry.get("id"))], entry.get("created_at")
        a, b = read_lapor_datetime(in_detail), read_lapor_datetime(listed)
        if a is None or b is None or abs(a - b) <= SAME_ENTRY_SLACK:
            continue
        if written_month_first(in_detail, b) or written_month_first(listed, a):
            continue  # one of them written m-d-Y: LAPOR-DATA-002's finding
        return [failed("timestamps_are_wib",
                       f"aduan {model.id}: entri log {entry.get('id')!r} bertanggal / is dated {in_detail} di / in "
                       f"data_logs, {listed} di daftar tindak lanjut / in the follow-up list ({_hours(a - b)})")]
    return []


@check("timestamps_are_wib")
def timestamps_are_wib(observation: Observation) -> list[Outcome]:
    """A follow-up the model just added is stamped with the current WIB time (within a clock tolerance), and so
    are the dates of the detail of a complaint the model created."""
    if model_step(observation, DETAIL) is not None:
        return _detail_dates(observation)
    walk = _walks(observation)
    if walk is None:
        return []
    mismatch = _same_entry_dates(walk)
    if mismatch:
        return mismatch
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
