"""Another institution's credentials (the profile's second institution) against our complaints.

- LAPOR-AUTHZ-001: it cannot read a complaint it neither created nor was disposed to (any 4xx);
- LAPOR-AUTHZ-002: it cannot act on one (add a follow-up, reroute), and the attempt changes nothing;
- LAPOR-PRIV-002 / LAPOR-PRIV-004: whatever it gets back (any status) never carries a secret complaint's
  text, nor a secret follow-up's.

The checks act on the model's OTHER_INSTITUTION step. Without second-institution credentials, or when
those credentials do not work at all (a neutral call is refused), they report nothing: a run that
never really asked institution B cannot claim these requirements passed.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.checks.model import OTHER_INSTITUTION, ModelStep, detail_data, entry_with, model_step, safe_json

NOTE = "instansi kedua / second institution"


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
        cache["other_ok"] = response is not None and 200 <= response.status_code < 300
    return cache["other_ok"]


def _case(session: Any, role: str, **kwargs: Any) -> Any:
    return session.schema.find_operation_by_id(session.role(role)).Case(**kwargs)


def _reads(observation: Observation, step: ModelStep) -> list[tuple[str, Any]]:
    """Institution B's detail and first follow-up page of the complaint, once per observation."""
    if "other_reads" not in observation.extra:
        session, complaint_id = observation.session, step.complaint.id
        headers = session.context.second_auth_headers()
        reads = []
        for role, kwargs in (("complaint_detail", {"path_parameters": {"complaint_id": complaint_id}}),
                             ("list_followups", {"path_parameters": {"complaint_id": complaint_id},
                                                 "query": {"page": 1}})):
            if session.role(role):
                reads.append((role, session.probe(_case(session, role, **kwargs), headers, f"{NOTE}: baca / read")))
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
            return [failed("other_institution_cannot_read",
                           f"instansi {observation.session.context.second_institution_id} membaca aduan "
                           f"{step.complaint.id} milik instansi lain ({role}: HTTP {response.status_code}) / another "
                           "institution read a complaint it neither created nor was disposed to")]
        outcomes.append(passed("other_institution_cannot_read"))
    return outcomes[:1]


def _shown(observation: Observation, step: ModelStep, markers: list[str]) -> tuple[str, int, list[str]] | None:
    for role, response in _reads(observation, step):
        text = response.content.decode("utf-8", "replace") if response.content else ""
        shown = [marker for marker in markers if marker in text]
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


@check("other_institution_cannot_act")
def other_institution_cannot_act(observation: Observation) -> list[Outcome]:
    step = _other_step(observation)
    if step is None:
        return []
    session, complaint = observation.session, step.complaint
    headers, other = session.context.second_auth_headers(), session.context.second_institution_id
    name = "other_institution_cannot_act"
    marker = f"{complaint.marker}-B"
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
    for role, response in attempts:
        if response is not None and 200 <= response.status_code < 300:
            return [failed(name, f"instansi {other} bertindak atas aduan {complaint.id} milik instansi lain ({role}: "
                                 f"HTTP {response.status_code}) / another institution acted on a complaint that is "
                                 "not its")]
    # Refused, but did anything change? (read back with our own credentials)
    entries = [e for page in session.walk_pages("list_followups", {"complaint_id": complaint.id}) for e in page]
    if entry_with(entries, marker):
        return [failed(name, f"permintaan instansi {other} ditolak, tetapi tindak lanjutnya tercatat di aduan "
                             f"{complaint.id} / the refused follow-up was stored anyway")]
    before = detail_data(observation.json()).get("disposition_id")  # this step's own read, before B acted
    detail = session.call_role("complaint_detail", path_parameters={"complaint_id": complaint.id})
    disposition = detail_data(safe_json(detail)).get("disposition_id")
    if detail is not None and detail.status_code == 200 and disposition != before and (
            str(disposition) not in complaint.allowed_dispositions):
        return [failed(name, f"permintaan instansi {other} ditolak, tetapi disposisi aduan {complaint.id} menjadi "
                             f"{disposition} / the refused reroute moved the complaint anyway")]
    return [passed(name)] if attempts else []
