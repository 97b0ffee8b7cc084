"""Invariants of the complaint lifecycle model, checked on the model's own steps.

Each check acts only on an observation carrying a `ModelStep` (conformance/checks/model.py) and
binds, through requirements.yaml, to the requirement it verifies. The follow-up log is walked twice:
by `next_page_url` (what clients do, S4) and by page number (independent of link defects), so a
finding names the right requirement.
"""

from __future__ import annotations

from typing import Any

from conformance.calendar import read_lapor_datetime
from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.checks.lifecycle_detail import _detail
from conformance.checks.paging import UNANSWERED, follow_links
from conformance.checks.model import (ADD_FOLLOWUP, CREATE, FOLLOWUPS, REROUTE, REROUTE_UNKNOWN, UPLOAD,
                                      changed_fields, credentials_refused, entry_with, fingerprint, model_step,
                                      month_first_entries, results, secret_flag)

MAX_LINK_PAGES = 50


# ----------------------------------------------------------------------------- actions
@check("model_action_accepted")
def model_action_accepted(observation: Observation) -> list[Outcome]:
    """A valid request the model builds from the pack (and the master list) is accepted."""
    step = model_step(observation, CREATE, UPLOAD, ADD_FOLLOWUP, REROUTE)
    if step is None or credentials_refused(observation) or observation.status == 429 or observation.status >= 500:
        return []  # credentials: LAPOR-AUTH-004; 5xx: LAPOR-ERR-001; 429: not an answer about the request
    if 200 <= observation.status < 300 and not observation.from_api:
        return []  # a 2xx HTML page (or gateway body) is neither accepted nor refused: no_redirect_or_html reports it
    if observation.accepted:
        return [passed("model_action_accepted")]
    message = ""
    body = observation.json()
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = f": {body['message'][:200]}"
    return [failed("model_action_accepted",
                   f"permintaan valid ({step.kind}) ditolak dengan HTTP {observation.status}{message} / "
                   f"a valid {step.kind} request was refused")]


@check("reroute_unknown_refused")
def reroute_unknown_refused(observation: Observation) -> list[Outcome]:
    step = model_step(observation, REROUTE_UNKNOWN)
    if step is None or credentials_refused(observation) or observation.status in (429,) or observation.status >= 500:
        return []
    if 400 <= observation.status < 500:
        return [passed("reroute_unknown_refused")]
    return [failed("reroute_unknown_refused",
                   f"pengalihan ke instansi {step.target} yang tidak ada di daftar master diterima (HTTP "
                   f"{observation.status}) / rerouting to institution {step.target}, absent from the master list, "
                   "was accepted")]


# ------------------------------------------------------------------------------ ids
@check("model_ids_stable")
def model_ids_stable(observation: Observation) -> list[Outcome]:
    name = "model_ids_stable"
    found = _detail(observation)
    if found is not None and observation.status == 200 and "id" in found[1]:
        step, data = found
        if str(data.get("id")) != step.complaint.id:
            return [failed(name, f"detail aduan {step.complaint.id} memuat id {data.get('id')!r} / "
                                 f"the detail of complaint {step.complaint.id} carries id {data.get('id')!r}")]
        return [passed(name)]
    walk = _walks(observation)
    if walk is None or walk["previous"] is None:
        return []
    for (before, old_id), (after, new_id) in zip(walk["previous"], walk["current"]):
        if before == after and old_id != new_id:
            return [failed(name, f"entri log yang sama berganti id {old_id!r} → {new_id!r} / "
                                 f"the same log entry changed its id {old_id!r} → {new_id!r}")]
    return [passed(name)]


# ------------------------------------------------------------------------ follow-up log
def _walks(observation: Observation) -> dict[str, Any] | None:
    """Both walks of the follow-up log of the model's complaint, once per observation."""
    if "walks" in observation.extra:
        return observation.extra["walks"]
    step = model_step(observation, FOLLOWUPS)
    if step is None or step.complaint is None or observation.status != 200:
        observation.extra["walks"] = None
        return None
    session, model = observation.session, step.complaint
    by_link = _walk_links(observation)
    if _clean(by_link, model):
        by_number = by_link  # the link walk found every entry once: walking by number again adds nothing
    else:
        by_number = [entry for page in session.walk_pages("list_followups", {"complaint_id": model.id})
                     for entry in page]
    current = [(fingerprint(entry), str(entry.get("id")) if isinstance(entry, dict) else "") for entry in by_number]
    walks = {"step": step, "by_number": by_number, "by_link": by_link,
             "previous": model.last_log, "current": current}
    model.last_log = current
    observation.extra["walks"] = walks
    return walks


def _clean(by_link: list[Any] | str, model: Any) -> bool:
    """A link walk with no repeated id that holds every follow-up the model added, each once."""
    if isinstance(by_link, str):
        return False
    ids = [str(e.get("id")) for e in by_link if isinstance(e, dict) and e.get("id") is not None]
    return len(ids) == len(set(ids)) and all(len(entry_with(by_link, f.marker)) == 1 for f in model.followups)


def _walk_links(observation: Observation) -> list[Any] | str:
    """Entries found by following next_page_url from the observed first page, or why the walk stopped."""
    request_url = (str(observation.response.request.url) if observation.response.request
                   else observation.session.context.base_url)
    return follow_links(observation, request_url, results(observation.json()), MAX_LINK_PAGES)


@check("followup_walk_exact")
def followup_walk_exact(observation: Observation) -> list[Outcome]:
    walk = _walks(observation)
    if walk is None or walk["by_link"] in ("outside", UNANSWERED):
        return []  # outside: LAPOR-PAGE-005's finding; unanswered (429, silence): nothing proven
    name, model = "followup_walk_exact", walk["step"].complaint
    if isinstance(walk["by_link"], str):
        return [failed(name, f"menelusuri next_page_url aduan {model.id} terhenti / the walk stopped: "
                             f"{walk['by_link']}")]
    by_link = walk["by_link"]
    seen: dict[str, int] = {}
    for entry in by_link:
        key = str(entry.get("id")) if isinstance(entry, dict) and entry.get("id") is not None else fingerprint(entry)
        seen[key] = seen.get(key, 0) + 1
    twice = sorted(key for key, count in seen.items() if count > 1)
    if twice:
        return [failed(name, f"aduan {model.id}: butir {twice[:3]} muncul lebih dari sekali saat menelusuri "
                             f"next_page_url / items appear more than once when walking next_page_url")]
    for followup in model.followups:
        if not entry_with(by_link, followup.marker) and entry_with(walk["by_number"], followup.marker):
            return [failed(name, f"aduan {model.id}: tindak lanjut `{followup.marker}` ada di daftar, tetapi tidak "
                                 "tercapai lewat next_page_url / a listed follow-up is not reached through "
                                 "next_page_url")]
    # A log on one page never tested the walk across pages: that proves nothing either way.
    return [passed(name)] if observation.extra.get("links_followed") else []


@check("followup_listed_once")
def followup_listed_once(observation: Observation) -> list[Outcome]:
    """Each follow-up the model added (its unique marker) is in the log exactly once: a follow-up stored
    twice (a retried insert, a double submit) shows twice to everyone reading the log."""
    walk = _walks(observation)
    if walk is None or not walk["step"].complaint.followups:
        return []
    model = walk["step"].complaint
    for followup in model.followups:
        count = len(entry_with(walk["by_number"], followup.marker))
        if count > 1:
            return [failed("followup_listed_once", f"aduan {model.id}: tindak lanjut `{followup.marker}` tercantum "
                                                   f"{count} kali / is listed {count} times")]
    return [passed("followup_listed_once")]


@check("followup_log_append_only")
def followup_log_append_only(observation: Observation) -> list[Outcome]:
    walk = _walks(observation)
    if walk is None:
        return []
    name, model = "followup_log_append_only", walk["step"].complaint
    previous, current = walk["previous"], walk["current"]
    if previous is not None and [f for f, _ in current[:len(previous)]] != [f for f, _ in previous]:
        changed = next((i for i, (a, b) in enumerate(zip(previous, current)) if a[0] != b[0]), len(current))
        fields = changed_fields(previous[changed][0], current[changed][0]) if changed < len(current) else []
        what = f" ({', '.join(fields)})" if fields and previous[changed][1] == current[changed][1] else ""
        return [failed(name, f"aduan {model.id}: log sebelumnya ({len(previous)} entri) bukan awalan log sekarang "
                             f"({len(current)} entri), berbeda mulai entri ke-{changed + 1}{what} / the earlier log is "
                             "not a prefix of the current one: entries changed, vanished or were inserted before the "
                             "end")]
    for followup in model.followups:
        listed = entry_with(walk["by_number"], followup.marker)
        flag = secret_flag(listed[0].get("is_secret")) if len(listed) == 1 else None
        if isinstance(flag, bool) and flag != followup.is_secret:
            return [failed(name, f"aduan {model.id}: tindak lanjut `{followup.marker}` ditambahkan dengan is_secret="
                                 f"{int(followup.is_secret)}, tercantum / listed with is_secret="
                                 f"{listed[0].get('is_secret')!r}: entri log tidak seperti yang ditambahkan / the "
                                 "logged entry is not as it was added")]
    positions = []
    for followup in model.followups:
        hits = [i for i, entry in enumerate(walk["by_number"]) if entry_with([entry], followup.marker)]
        if hits:
            positions.append(hits[0])
    if positions != sorted(positions):
        return [failed(name, f"aduan {model.id}: tindak lanjut tidak tercantum dalam urutan penambahannya / "
                             "follow-ups are not listed in the order they were added")]
    if month_first_entries(walk["by_number"], model):
        return [passed(name)]  # dates written m-d-Y read out of order: LAPOR-DATA-002's finding (lifecycle_dates.py)
    stamps = [read_lapor_datetime(entry.get("created_at")) for entry in walk["by_number"] if isinstance(entry, dict)]
    stamps = [s for s in stamps if s is not None]
    if any(later < earlier for earlier, later in zip(stamps, stamps[1:])):
        return [failed(name, f"aduan {model.id}: created_at tidak berurutan (lama → baru) / created_at is not "
                             "in chronological order")]
    return [passed(name)]


@check("followup_attachments_listed")
def followup_attachments_listed(observation: Observation) -> list[Outcome]:
    walk = _walks(observation)
    if walk is None:
        return []
    model, outcomes = walk["step"].complaint, []
    for followup in model.followups:
        entries = entry_with(walk["by_number"], followup.marker)
        if len(entries) != 1:
            continue  # missing or twice: LAPOR-FU-002 / LAPOR-PAGE-004
        listed = entries[0].get("attachments")
        listed = [a for a in listed if isinstance(a, dict)] if isinstance(listed, list) else []
        extensions = sorted(str(a.get("extension")).lower().lstrip(".") for a in listed if a.get("extension"))
        wrong_count = len(listed) != len(followup.extensions)
        if wrong_count or (len(extensions) == len(listed) and extensions != sorted(followup.extensions)):
            outcomes.append(failed("followup_attachments_listed",
                                   f"tindak lanjut `{followup.marker}`: {len(followup.extensions)} berkas dikirim "
                                   f"{sorted(followup.extensions)}, tercantum / listed {len(listed)} {extensions}"))
        else:
            outcomes.append(passed("followup_attachments_listed"))
    return [o for o in outcomes if not o.passed][:1] or outcomes[:1]
