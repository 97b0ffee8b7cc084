"""Another institution's credentials (the profile's second institution) against our complaints.

- LAPOR-AUTHZ-001: it cannot read a complaint it neither created nor was disposed to (any 4xx): neither the
  detail nor any page of the follow-up log (page 1, the further pages our own walk found and one beyond, a
  few at most: a "load more" query may skip the check page 1 makes);
- LAPOR-AUTHZ-002: it cannot act on one (add a follow-up, reroute), and the attempt changes nothing: no
  disposition moved, no new entry in the follow-up log or the detail's `data_logs` (snapshot just before);
- LAPOR-PRIV-002 / LAPOR-PRIV-004: whatever it gets back (any status) never carries a secret complaint's
  text, nor a secret follow-up's.

The checks act on the model's OTHER_INSTITUTION step. Without second-institution credentials, or when
those credentials do not work at all (a neutral call gets no 2xx JSON answer), they report nothing: a
run that never really asked institution B cannot claim these requirements passed. Likewise a 2xx answer
that is not the API's JSON (a gateway's HTML login page, an SPA fallback) is no proof that B read or
acted: a read counts only when JSON or showing the complaint's marker, an act is judged by reading back.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.base import Observation, Outcome, check, failed, passed, read_json
from conformance.checks.model import (OTHER_INSTITUTION, ModelStep, detail_data, entry_with, fingerprint, has_marker,
                                      model_step, results, safe_json)

NOTE = "instansi kedua / second institution"
MAX_LATER_PAGES = 3  # follow-up pages beyond the first that institution B reads: a small request budget


def _other_step(observation: Observation) -> ModelStep | None:
    step = model_step(observation, OTHER_INSTITUTION)
    if step is None or step.complaint is None or step.complaint.id is None or observation.status != 200:
        return None
    session = observation.session
    other = session.context.second_institution_id
    if not session.context.second_auth_headers() or other in step.complaint.related_institutions:
        return None  # no second institution, or it is entitled to this complaint
    if not _other_credentials_work(session):
        return None
    return step


def _other_credentials_work(session: Any) -> bool:
    cache = session.model_cache
    if "other_ok" not in cache:
        operation_id = session.role("list_templates") or session.role("list_institutions")
        response = None
        if operation_id:
            case = session.schema.find_operation_by_id(operation_id).Case(query={"page_size": 1})
            response = session.probe(case, session.context.second_auth_headers(),
                                     f"{NOTE}: uji kredensial / credential check")
        cache["other_ok"] = response is not None and _api_accepted(session, response)
    return cache["other_ok"]


def _api_accepted(session: Any, response: Any) -> bool:
    """A 2xx JSON answer of the API itself; an HTML page or a gateway's body proves nothing."""
    answer = Observation(case=None, response=response, operation_id="", session=session)
    return answer.accepted and read_json(response) is not None


def _text(response: Any) -> str:
    return response.content.decode("utf-8", "replace") if response.content else ""


def _case(session: Any, role: str, **kwargs: Any) -> Any:
    return session.schema.find_operation_by_id(session.role(role)).Case(**kwargs)


def _owner_log(observation: Observation, step: ModelStep, *, fresh: bool = False) -> list[list[Any]] | None:
    """The follow-up log as our own credentials see it, page by page (None: the walk got no real answer);
    walked once per observation, or again when `fresh` (the snapshot just before B acts)."""
    if fresh or "owner_log" not in observation.extra:
        session = observation.session
        pages = list(session.walk_pages("list_followups", {"complaint_id": step.complaint.id}))
        observation.extra["owner_log"] = pages if session.last_walk_complete else None
    return observation.extra["owner_log"]


def _reads(observation: Observation, step: ModelStep) -> list[tuple[str, Any]]:
    """Institution B's detail and follow-up pages of the complaint (page 1, then the further pages our walk
    found and one beyond, at most MAX_LATER_PAGES of them), once per observation: (what, answer)."""
    if "other_reads" not in observation.extra:
        session, complaint_id = observation.session, step.complaint.id
        headers = session.context.second_auth_headers()
        reads = []
        if session.role("complaint_detail"):
            case = _case(session, "complaint_detail", path_parameters={"complaint_id": complaint_id})
            reads.append(("complaint_detail", session.probe(case, headers, f"{NOTE}: baca / read")))
        if session.role("list_followups"):
            pages = len(_owner_log(observation, step) or [])
            for number in range(1, min(pages + 1, MAX_LATER_PAGES + 1) + 1):
                case = _case(session, "list_followups", path_parameters={"complaint_id": complaint_id},
                             query={"page": number})
                reads.append((f"list_followups page={number}",
                              session.probe(case, headers, f"{NOTE}: baca halaman {number} / read page {number}")))
        observation.extra["other_reads"] = [(role, r) for role, r in reads if r is not None]
    return observation.extra["other_reads"]


@check("other_institution_cannot_read")
def other_institution_cannot_read(observation: Observation) -> list[Outcome]:
    step = _other_step(observation)
    if step is None or step.complaint.is_secret:
        return []  # a secret complaint is LAPOR-PRIV-002's business
    outcomes = []
    for role, response in _reads(observation, step):
        if response.status_code == 429:
            continue
        if 200 <= response.status_code < 300:
            if not (_api_accepted(observation.session, response) or has_marker(_text(response), step.complaint.marker)):
                continue  # e.g. a login page: B neither read the complaint nor was refused
            return [failed("other_institution_cannot_read",
                           f"instansi {observation.session.context.second_institution_id} membaca aduan "
                           f"{step.complaint.id} milik instansi lain ({role}: HTTP {response.status_code}) / another "
                           "institution read a complaint it neither created nor was disposed to")]
        outcomes.append(passed("other_institution_cannot_read"))
    return outcomes[:1]


def _shown(observation: Observation, step: ModelStep, markers: list[str]) -> tuple[str, int, list[str]] | None:
    for role, response in _reads(observation, step):
        shown = [marker for marker in markers if has_marker(_text(response), marker)]
        if shown:
            return role, response.status_code, shown
    return None


@check("secret_complaint_hidden_from_other_institution")
def secret_complaint_hidden_from_other_institution(observation: Observation) -> list[Outcome]:
    step = _other_step(observation)
    if step is None or not step.complaint.is_secret:
        return []
    found = _shown(observation, step, [step.complaint.marker])
    if found:
        return [failed("secret_complaint_hidden_from_other_institution",
                       f"instansi {observation.session.context.second_institution_id} melihat isi aduan rahasia "
                       f"{step.complaint.id} ({found[0]}, HTTP {found[1]}) / another institution sees a secret "
                       "complaint")]
    return [passed("secret_complaint_hidden_from_other_institution")]


@check("secret_followups_hidden_from_other_institution")
def secret_followups_hidden_from_other_institution(observation: Observation) -> list[Outcome]:
    step = _other_step(observation)
    if step is None or not step.complaint.secret_markers:
        return []
    found = _shown(observation, step, step.complaint.secret_markers)
    if found:
        return [failed("secret_followups_hidden_from_other_institution",
                       f"instansi {observation.session.context.second_institution_id} melihat tindak lanjut rahasia "
                       f"`{found[2][0]}` aduan {step.complaint.id} ({found[0]}, HTTP {found[1]}) / another institution "
                       "sees a secret follow-up")]
    return [passed("secret_followups_hidden_from_other_institution")]


def _act_attempts(observation: Observation, step: ModelStep, marker: str) -> list[tuple[str, Any]]:
    """Institution B adds a follow-up carrying `marker` and asks to reroute the complaint: (role, answer)."""
    session, complaint = observation.session, step.complaint
    headers, other = session.context.second_auth_headers(), session.context.second_institution_id
    attempts = []
    if session.role("add_followup"):
        body = {"complaint_id": int(complaint.id), "content": f"Tanggapan instansi lain {marker}", "is_secret": 0}
        case = _case(session, "add_followup", body=body, media_type="multipart/form-data")
        attempts.append(("add_followup", session.probe(case, headers, f"{NOTE}: tindak lanjut / follow-up")))
    target = other if other in step.institutions else next(
        (i for i in step.institutions if i not in complaint.allowed_dispositions), None)
    if session.role("reroute_complaint") and target:
        body = {"is_request": 1, "reason": target, "reason_description": f"Bukan wewenang {marker}", "not_authority": 1}
        case = _case(session, "reroute_complaint", path_parameters={"complaint_id": complaint.id}, body=body,
                     media_type="application/json")
        attempts.append(("reroute_complaint", session.probe(case, headers, f"{NOTE}: pengalihan / reroute")))
    return attempts


def _log_snapshot(observation: Observation, step: ModelStep) -> dict[str, list[Any] | None]:
    """The complaint's logs just before B acts: the follow-up log (walked) and the detail's `data_logs` (read)."""
    detail = observation.session.call_role("complaint_detail", path_parameters={"complaint_id": step.complaint.id})
    return {"followups": _flat(_owner_log(observation, step, fresh=True)), "data_logs": _data_logs(detail)}


def _flat(pages: list[list[Any]] | None) -> list[Any] | None:
    return None if pages is None else [entry for page in pages for entry in page]


def _data_logs(detail: Any) -> list[Any] | None:
    logs = results(safe_json(detail)).get("data_logs") if detail is not None and detail.status_code == 200 else None
    return logs if isinstance(logs, list) else None


def _new_entries(before: list[Any] | None, after: list[Any] | None) -> list[Any]:
    """Entries of `after` that `before` did not have: neither their id nor their fingerprint was there (ids or
    dates a server rewrites on every read are LAPOR-DATA-006's business, not a new entry)."""
    if before is None or after is None:
        return []
    ids = {str(e["id"]) for e in before if isinstance(e, dict) and e.get("id") is not None}
    prints = {fingerprint(e) for e in before}
    return [e for e in after if fingerprint(e) not in prints
            and not (isinstance(e, dict) and e.get("id") is not None and str(e["id"]) in ids)]


def _changes(observation: Observation, step: ModelStep, marker: str, roles: set[str],
             before: dict[str, list[Any] | None]) -> list[tuple[str, str]]:
    """What B's attempts (`roles`) changed anyway, read back with our own credentials: (Indonesian, English).
    `before` is the snapshot taken just before them; the model does nothing else in between."""
    session, complaint = observation.session, step.complaint
    changes = []
    entries = _flat(list(session.walk_pages("list_followups", {"complaint_id": complaint.id})))
    entries = entries if session.last_walk_complete else None
    if "add_followup" in roles and entry_with(entries or [], marker):
        changes.append((f"tindak lanjutnya tercatat di aduan {complaint.id}",
                        f"its follow-up was stored on complaint {complaint.id}"))
    detail = session.call_role("complaint_detail", path_parameters={"complaint_id": complaint.id})
    logs = (("log tindak lanjut", "follow-up log", before["followups"], entries),
            ("data_logs", "data_logs", before["data_logs"], _data_logs(detail)))
    for where_id, where_en, earlier, now in logs:
        new = [e for e in _new_entries(earlier, now) if not entry_with([e], marker)]  # B's follow-up: named above
        if new:
            codes = ", ".join(dict.fromkeys(str(e["template_code"]) for e in new
                                            if isinstance(e, dict) and e.get("template_code") is not None)) or "-"
            changes.append((f"{len(new)} entri baru tercatat di {where_id} aduan {complaint.id} ({codes})",
                            f"{len(new)} new {'entry was' if len(new) == 1 else 'entries were'} written to complaint "
                            f"{complaint.id}'s {where_en} ({codes})"))
    if "reroute_complaint" in roles:
        before_id = detail_data(observation.json()).get("disposition_id")  # this step's own read, before B acted
        disposition = detail_data(safe_json(detail)).get("disposition_id")
        if detail is not None and detail.status_code == 200 and disposition != before_id and (
                str(disposition) not in complaint.allowed_dispositions):
            changes.append((f"pengalihannya memindahkan aduan {complaint.id} ke {disposition}",
                            f"its reroute moved complaint {complaint.id} to {disposition}"))
    return changes


@check("other_institution_cannot_act")
def other_institution_cannot_act(observation: Observation) -> list[Outcome]:
    step = _other_step(observation)
    if step is None:
        return []
    session, name = observation.session, "other_institution_cannot_act"
    other, marker = session.context.second_institution_id, f"{step.complaint.marker}-B"
    before = _log_snapshot(observation, step)  # just before B's attempts
    attempts = _act_attempts(observation, step, marker)
    if not attempts:
        return []
    accepted = [f"{role}: HTTP {r.status_code}" for role, r in attempts if r is not None and _api_accepted(session, r)]
    if accepted:
        return [failed(name, f"instansi {other} bertindak atas aduan {step.complaint.id} milik instansi lain "
                             f"({', '.join(accepted)}) / another institution acted on a complaint that is not its")]
    # Not accepted (refused, or an answer that is not the API's, e.g. a login page): did anything change?
    changes = _changes(observation, step, marker, {role for role, _ in attempts}, before)
    if changes:
        return [failed(name, f"permintaan instansi {other} tidak diterima, tetapi "
                             f"{' dan '.join(c[0] for c in changes)} / institution {other}'s requests were not "
                             f"accepted, yet {' and '.join(c[1] for c in changes)}")]
    return [passed(name)]
