"""The complaint detail against the lifecycle model: what the integrator created and did must show in it.

- LAPOR-LIFE-001 (`model_detail_matches`): the title and content sent, the disposition requested (named as in
  the master list), and no status change without an action of the integrator, except the moves a LAPOR admin
  makes on its own: forward along the pack's `roles.status_progression` (verification within 3 working days,
  S7, S8; clients poll for it, S3). A move back, or to a status outside that list, is a finding.
- LAPOR-ROUTE-003 (`reroute_visible`): an accepted reroute shows in the disposition or in `data_logs`.
- LAPOR-CREATE-004 (`created_attachments_returned`): the documents referenced at creation, and, when listed as
  objects, with the file uploaded under each id (extension, file name and path as the upload answered them).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.checks.model import DETAIL, credentials_refused, detail_data, model_step, results

SHOWN = 60  # characters of a text quoted in a finding
EXTENSION_ALIASES = {"jpeg": "jpg", "tif": "tiff"}


def _detail(observation: Observation) -> tuple[Any, dict[str, Any]] | None:
    step = model_step(observation, DETAIL)
    if step is None or step.complaint is None or credentials_refused(observation) or observation.status == 429:
        return None
    if observation.status >= 500:
        return None  # LAPOR-ERR-001's finding
    return step, detail_data(observation.json())


# ------------------------------------------------------------------------------ LAPOR-LIFE-001
def _status_text(status: tuple[Any, Any]) -> str:
    return f"{status[1]!r} (status_code {status[0]!r})"


def admin_moved_forward(before: tuple[Any, Any], after: tuple[Any, Any], progression: list[str]) -> bool:
    """Is `before` → `after` a move a LAPOR admin makes on its own: to a later status of `progression`?"""
    names = [str(name) for name in progression]
    if before[1] not in names or after[1] not in names:
        return False
    return names.index(after[1]) > names.index(before[1])


def _quoted(text: str) -> str:
    return repr(text if len(text) <= SHOWN else text[:SHOWN] + "…")


def _text_problems(data: dict[str, Any], model: Any, progression: list[str]) -> list[str]:
    """Title and content as sent. A LAPOR admin may edit the title when verifying (S9): the title is compared
    only while the complaint still has the first status of the progression (or when the pack names none)."""
    problems = []
    unverified = not progression or data.get("status_name") == progression[0]
    for key, sent in (("title", model.title), ("content", model.content)):
        shown = data.get(key)
        if not isinstance(shown, str) or (key == "title" and not unverified):
            continue  # absent or null: where LAPOR returns it is not known (provenance: [I])
        if shown.strip() != sent.strip():
            cut = " (terpotong / cut short)" if sent.strip().startswith(shown.strip().rstrip(".…")) else ""
            problems.append(f"{key} {_quoted(shown)} ≠ dikirim / sent {_quoted(sent)}{cut}")
    return problems


@check("model_detail_matches")
def model_detail_matches(observation: Observation) -> list[Outcome]:
    found = _detail(observation)
    if found is None:
        return []
    step, data = found
    model = step.complaint
    name = "model_detail_matches"
    if observation.status != 200:
        return [failed(name, f"detail aduan {model.id} menjawab HTTP {observation.status} / "
                             f"the detail of complaint {model.id} answers {observation.status}")]
    progression = list(observation.session.pack_roles.get("status_progression") or [])
    problems = _text_problems(data, model, progression)
    disposition = data.get("disposition_id")
    disposition = None if disposition is None else str(disposition)
    if disposition not in model.allowed_dispositions:
        problems.append(f"disposition_id {disposition!r}, diharapkan / expected one of "
                        f"{sorted(model.allowed_dispositions)}")
    expected_name = step.institutions.get(disposition or "")
    if expected_name and data.get("disposition_name") not in (None, expected_name):
        problems.append(f"disposition_name {data.get('disposition_name')!r} ≠ daftar master / master list "
                        f"{expected_name!r}")
    status = (data.get("status_code"), data.get("status_name"))
    if (model.status is not None and not model.status_may_change and status != model.status
            and not admin_moved_forward(model.status, status, progression)):
        allowed = " → ".join(progression) or "-"
        problems.append(f"status berubah tanpa tindakan / status changed with no action: {_status_text(model.status)}"
                        f" → {_status_text(status)}; tanpa tindakan integrator hanya maju menurut / with no action "
                        f"of the integrator only forward along: {allowed}")
    model.status, model.status_may_change = status, False
    if problems:
        return [failed(name, f"aduan {model.id}: " + "; ".join(problems))]
    return [passed(name)]


# ------------------------------------------------------------------------------ LAPOR-ROUTE-003
@check("reroute_visible")
def reroute_visible(observation: Observation) -> list[Outcome]:
    found = _detail(observation)
    if found is None or observation.status != 200 or found[0].complaint.pending_reroute is None:
        return []
    step, data = found
    model, target = step.complaint, step.complaint.pending_reroute
    target_name = step.institutions.get(target)
    logs = results(observation.json()).get("data_logs")
    logged = False
    for entry in logs if isinstance(logs, list) else []:
        to = entry.get("institution_to") if isinstance(entry, dict) else None
        named = isinstance(entry, dict) and target_name is not None and entry.get("institution_to_name") == target_name
        if (isinstance(to, dict) and str(to.get("id")) == target) or named:
            logged = True
    if str(data.get("disposition_id")) == target or logged:
        model.pending_reroute = None
        return [passed("reroute_visible")]
    return [failed("reroute_visible",
                   f"pengalihan aduan {model.id} ke {target} diterima, tetapi detail tidak menunjukkannya (disposisi "
                   f"{data.get('disposition_id')!r}, tidak ada log ke {target}) / the accepted reroute to {target} "
                   "shows neither in the disposition nor in data_logs")]


# ----------------------------------------------------------------------------- LAPOR-CREATE-004
def _extension(value: Any) -> str:
    text = str(value or "").strip().lower().lstrip(".")
    return EXTENSION_ALIASES.get(text, text)


def _location(url: Any) -> str | None:
    """Host and path of a URL, without query or fragment (a signed URL's signature may change per read)."""
    if not isinstance(url, str) or not url:
        return None
    parts = urlsplit(url)
    return f"{parts.netloc.lower()}{parts.path}" if parts.netloc else parts.path


def _wrong_file(item: dict[str, Any], documents: dict[str, Any]) -> str | None:
    """Why the listed object is not the document uploaded under its id, or None."""
    doc = documents.get(str(item.get("id")))
    if doc is None:
        return None
    file_name, extension = item.get("file_name"), item.get("extension")
    if extension and doc.extension and _extension(extension) != _extension(doc.extension):
        return f"extension {extension!r}, diunggah / uploaded {doc.extension!r}"
    if isinstance(file_name, str) and file_name:
        if doc.file_name and file_name != doc.file_name:
            return f"file_name {file_name!r}, jawaban unggah / the upload answered {doc.file_name!r}"
        suffix = file_name.rsplit(".", 1)[1] if "." in file_name else ""
        if suffix and doc.extension and _extension(suffix) != _extension(doc.extension):
            return f"file_name {file_name!r}, diunggah berkas / uploaded a {doc.extension!r} file"
    here = _location(item.get("path"))
    others = sorted(other.id for other in documents.values()
                    if other.id != doc.id and here is not None and _location(other.path) == here)
    if others and _location(doc.path) != here:
        return f"path {item.get('path')!r} adalah milik dokumen / belongs to document {others[0]}"
    return None


@check("created_attachments_returned")
def created_attachments_returned(observation: Observation) -> list[Outcome]:
    found = _detail(observation)
    if found is None or observation.status != 200 or "attachments" not in found[1]:
        return []  # a detail without `attachments` says nothing either way
    step, data = found
    returned = data.get("attachments")
    items = returned if isinstance(returned, list) else []
    ids = {str(item.get("id") if isinstance(item, dict) else item) for item in items}
    expected = set(step.complaint.attachments)
    if ids != expected:
        return [failed("created_attachments_returned",
                       f"aduan {step.complaint.id}: lampiran {sorted(ids)}, dirujuk saat dibuat / referenced at "
                       f"creation {sorted(expected)}")]
    for item in items:
        wrong = _wrong_file(item, step.documents) if isinstance(item, dict) else None
        if wrong:
            return [failed("created_attachments_returned",
                           f"aduan {step.complaint.id}: lampiran {item.get('id')!r} bukan berkas yang diunggah dengan "
                           f"id itu / is not the file uploaded under that id: {wrong}")]
    return [passed("created_attachments_returned")]
