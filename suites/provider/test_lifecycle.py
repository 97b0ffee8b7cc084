"""Provider lifecycle suite: a Hypothesis state machine that drives complaints the way LAPOR clients do.

Rules: create a complaint (with or without uploaded attachments, anonymous or not, secret or not, with or
without a reporter, various categories, institutions from the master list), add follow-ups (with or
without files, secret or not), reroute ("Bukan Wewenang") to a master-list institution or to one that
does not exist, read another complaint, and let the profile's second institution try to read and act on
the complaint. After every step the model reads the touched complaint's detail and its follow-up log.

Every request is a schemathesis case sent through the harness session, so each one runs every check the
pack binds (schema, auth, …) plus the model checks (conformance/checks/{lifecycle_model,lifecycle_dates,
privacy,authz}.py), which get the model's expectations through `extra={"model": ModelStep}`. A failing run
attaches the whole step sequence — every request, credentials as variable references — as the reproduction.

Which operation is which comes from the pack's `roles`; the values put into complaints from
`roles.model` (pack.yaml). It runs when the profile's budget is stateful, never against production.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import allure
from hypothesis import Phase, seed
from hypothesis.errors import Flaky
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition,
                                 rule, run_state_machine_as_test)
from schemathesis.core.file_samples import FILE_SAMPLES, file_extension

from conformance.calendar import now_wib
from conformance.checks.lifecycle import _pointer as json_pointer
from conformance.checks.model import (ADD_FOLLOWUP, CREATE, DETAIL, FOLLOWUPS, OTHER_INSTITUTION, REROUTE,
                                      REROUTE_UNKNOWN, UPLOAD, ComplaintModel, FollowupModel, ModelStep,
                                      UploadedDocument, safe_json)
from conformance.engine.provider import (current_session, hypothesis_settings, limit_shrinking, provider_schema,
                                         run_context)
from conformance.engine.session import ConformanceFailure

schema = provider_schema()
context = run_context()
ROLES = ("create_complaint", "complaint_detail", "list_followups", "add_followup", "reroute_complaint",
         "upload_attachments", "list_institutions")
STEPS_PER_EXAMPLE = 6
# One example is a whole sequence of steps, each costing a few requests (the action, then a detail read and
# a walk of the follow-up log): the profile's max_examples (per operation) buys a third as many sequences.
EXAMPLES_DIVISOR = 3
# Shrinking replays whole sequences against the target (more complaints created), so it runs only for
# budget.shrink_s seconds: by default on a loopback target, never on a remote one unless the profile asks
# ("never harm the target"). The reproduction attached is the last sequence run: the shrunk one.
# Without shrinking, a failing sequence is at most one initial complaint plus STEPS_PER_EXAMPLE steps.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
SHRINK_MARGIN_S = 15  # of the time budget kept for the final replay and the other tests
TITLES = {"id": "Model siklus aduan: buat, lampiran, tindak lanjut, pengalihan, privasi, otorisasi instansi",
          "en": "Complaint lifecycle model: create, attachments, follow-ups, reroute, privacy, "
                "institution authorisation"}

WORDS = ["jalan", "berlubang", "lampu", "padam", "antrean", "layanan", "sampah", "menumpuk", "banjir", "sekolah",
         "puskesmas", "air", "bersih", "izin", "usaha", "pungutan", "liar", "terminal", "jembatan", "rusak",
         "drainase", "tersumbat", "pelayanan", "lambat", "bantuan", "sosial", "belum", "diterima"]
FIRST_NAMES = ["Siti", "Budi", "Agus", "Dewi", "Rahmat", "Putri", "Andi", "Wahyu", "Sri", "Yusuf"]
LAST_NAMES = ["Rahayu", "Santoso", "Hidayat", "Lestari", "Saputra", "Wulandari", "Nasution", "Siregar", "Pratama"]
FILES = [FILE_SAMPLES["jpg"], FILE_SAMPLES["png"], FILE_SAMPLES["pdf"]]
RUN_TAG = secrets.token_hex(2).upper()
MAX_MASTER_PAGES = 20
MASTER_FINDING = "master_list_finding"  # session.model_cache key: the master list's finding, raised at the end
DOCUMENTS = "documents"  # session.model_cache key: every document the model uploaded this run, by id
_COUNTER = itertools.count(1)

UNKNOWN_INSTITUTIONS = st.integers(900_000_000_000, 999_999_999_999)  # far beyond any real institution id
text = st.lists(st.sampled_from(WORDS), min_size=2, max_size=8).map(" ".join)
# Two files first (the simplest example uploads several: one document per file is checkable), then none.
files = st.sampled_from([2, 0, 1, 3]).flatmap(lambda n: st.lists(st.sampled_from(FILES), min_size=n, max_size=n))


# True first: the simplest example Hypothesis tries first is then an anonymous, secret complaint with a
# secret follow-up and a reporter, so even a tiny budget exercises the privacy requirements.
flag = st.sampled_from([True, False])


def followup_specs() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"content": text, "secret": flag, "files": files})


def complaint_specs() -> st.SearchStrategy[dict[str, Any]]:
    values = st.fixed_dictionaries({
        "channel": st.sampled_from(model_values("channels", [13])),
        "classification_id": st.sampled_from(model_values("classification_ids", [6])),
        "category_id": st.sampled_from(model_values("category_ids", [436])),
        "location_id": st.sampled_from(model_values("location_ids", [34])),
        "tags_raw": st.sampled_from(model_values("tags", [""])),
    })
    return st.fixed_dictionaries({
        "title": text, "content": text, "anonymous": flag, "secret": flag,
        "reporter": st.one_of(reporters(), reporters(), st.none()), "files": files, "pick": st.integers(0, 10 ** 6),
        "values": values})


@st.composite
def reporters(draw: Any) -> dict[str, str]:
    first, last = draw(st.sampled_from(FIRST_NAMES)), draw(st.sampled_from(LAST_NAMES))
    digits = draw(st.text("0123456789", min_size=8, max_size=10))
    prefix = draw(st.sampled_from(["+628", "08", "628"]))
    return {"nameUser": f"{first} {last}", "emailUser": f"{first}.{last}{digits[:3]}@pelapor.example".lower(),
            "phoneUser": prefix + digits}


def model_values(name: str, default: list[Any]) -> list[Any]:
    values = ((current_session().pack_roles.get("model") or {}).get(name)) or default
    return list(values)


def marker() -> str:
    """Unique text placed in a complaint or follow-up, to find it again anywhere (letters, no digit runs)."""
    number, letters = next(_COUNTER), ""
    while True:
        number, rest = divmod(number, 26)
        letters = chr(ord("A") + rest) + letters
        if number == 0:
            break
    return f"LCM{RUN_TAG}X{letters}"


def master_institutions() -> dict[str, str]:
    """The master list, read once per run the way clients do (page_size=1000, S3/S4), as a checked case.

    A finding on it (credentials, envelope, paging…) is recorded with its requirement and fails the test at
    its end (`MASTER_FINDING`), but does not stop the model: it goes on with whatever the list, read again
    without checks, still gives (nothing, when the target refuses it)."""
    session = current_session()
    if "institutions" not in session.model_cache:
        operation = schema.find_operation_by_id(session.role("list_institutions"))
        try:
            response = session.exercise(operation.Case(query={"page_size": 1000}))
        except ConformanceFailure as finding:
            session.model_cache[MASTER_FINDING] = str(finding)
            response = session.call_role("list_institutions", query={"page_size": 1000})
        found: dict[str, str] = {}
        pages = [json_pointer(safe_json(response), "/results/data") or []] if response is not None else []
        while (response is not None and json_pointer(safe_json(response), "/results/next_page_url")
               and len(pages) < MAX_MASTER_PAGES):
            response = session.call_role("list_institutions", query={"page": len(pages) + 1, "page_size": 1000})
            pages.append(json_pointer(safe_json(response), "/results/data") or [])
        for page in pages:
            for item in page if isinstance(page, list) else []:
                if isinstance(item, dict) and item.get("id") is not None:
                    found[str(item["id"])] = str(item.get("name") or "")
        session.model_cache["institutions"] = found
    return session.model_cache["institutions"]


class ComplaintLifecycle(RuleBasedStateMachine):
    complaints = Bundle("complaints")

    def __init__(self) -> None:
        super().__init__()
        self.session = current_session()
        self.session.start_scenario()
        self.institutions = master_institutions()
        self.documents: dict[str, UploadedDocument] = self.session.model_cache.setdefault(DOCUMENTS, {})
        self.touched: ComplaintModel | None = None

    # ------------------------------------------------------------------ sending
    def send(self, role: str, step: ModelStep, **case_kwargs: Any) -> Any:
        operation = schema.find_operation_by_id(self.session.role(role))
        step.institutions, step.documents = self.institutions, self.documents
        return self.session.exercise(operation.Case(**case_kwargs), scenario=True, extra={"model": step})

    def created_id(self, response: Any) -> str | None:
        body = safe_json(response)
        for pointer in self.session.pack_roles.get("created_id_pointers", []):
            value = json_pointer(body, pointer)
            if value not in (None, ""):
                return str(value)
        return None

    # -------------------------------------------------------------------- rules
    @initialize(target=complaints, spec=complaint_specs(), followup=followup_specs(), second=followup_specs(),
                reroute=flag, pick=st.integers(0, 10 ** 6), note=text, stray=flag, unknown=UNKNOWN_INSTITUTIONS)
    def first_complaint_with_followups(self, spec, followup, second, reroute, pick, note, stray, unknown):
        """Every example starts from a complaint with two follow-ups, one secret and one not (a log that rewrites
        earlier entries when a new one comes shows at once), and, unless drawn otherwise, a reroute to an
        institution that does not exist and one to a real one, whichever rules it then enables: even a tiny
        budget exercises every part of the lifecycle.

        Whenever a complaint is created, the profile's second institution (if any) at once tries to read
        and act on it; the `other_institution` rule repeats that later, after follow-ups and reroutes."""
        model = self.create_complaint(**spec)
        if model is None:
            return multiple()
        self.add_followup(model, **followup)
        self.add_followup(model, **{**second, "secret": not followup["secret"]})
        if context.second_auth_headers():
            self.other_institution(model)
        if stray:
            self.reroute_to_unknown(model, unknown)
        if reroute:
            self.reroute(model, pick, note)
        return model

    @rule(target=complaints, spec=complaint_specs())
    def create(self, spec):
        model = self.create_complaint(**spec)
        if model is None:
            return multiple()
        if context.second_auth_headers():
            self.other_institution(model)
        return model

    def create_complaint(self, title, content, anonymous, secret, reporter, files, pick, values):
        institutions = sorted(self.institutions)
        if not institutions:
            return None
        attachments: list[str] = []
        if files:
            step = ModelStep(UPLOAD, files=len(files))
            response = self.send("upload_attachments", step, body={"attachments[]": files},
                                 media_type="multipart/form-data")
            docs = json_pointer(safe_json(response), "/results/docs") if response is not None else None
            if not (response is not None and response.status_code < 300 and isinstance(docs, list)):
                return None
            attachments = [str(doc.get("id")) for doc in docs if isinstance(doc, dict) and doc.get("id") is not None]
            self.remember_documents(docs, files)
        tag = marker()
        disposition = institutions[pick % len(institutions)]
        body: dict[str, Any] = {"title": f"{title} {tag}"[:255], "content": f"{content} {tag}", **values,
                                "disposition_id": int(disposition), "is_disposisi_slider": True,
                                "is_anonymous": anonymous, "is_secret": secret}
        if attachments:
            body["attachments"] = "[" + ",".join(attachments) + "]"
        if reporter:
            body.update({"is_new_user_slider": True, **reporter})
        elif context.fixtures.get("user_id"):
            body["user_id"] = int(context.fixtures["user_id"])
        creator = str(context.agency.get("institution_id") or "") or None
        model = ComplaintModel(marker=tag, title=body["title"], content=body["content"], is_anonymous=anonymous,
                               is_secret=secret, reporter=reporter or {}, creator_institution=creator,
                               requested_disposition=disposition, attachments=attachments,
                               allowed_dispositions={disposition},
                               related_institutions={i for i in (creator, disposition) if i})
        model.created_at = now_wib()
        response = self.send("create_complaint", ModelStep(CREATE, complaint=model), body=body,
                             media_type="application/json")
        model.id = self.created_id(response) if response is not None and response.status_code < 300 else None
        if model.id is None:
            return None
        self.touched = model
        return model

    def remember_documents(self, docs: list[Any], files: list[bytes]) -> None:
        """What the upload answered for each file (one document per file, in order: LAPOR-UPLOAD-001), and the
        type of the file sent: LAPOR-CREATE-004 compares the detail's attachments with it."""
        if len(docs) != len(files):
            return  # not one document per file: which is which is unknown (LAPOR-UPLOAD-001's finding)
        for doc, data in zip(docs, files):
            if isinstance(doc, dict) and doc.get("id") is not None:
                file_name, path = doc.get("file_name"), doc.get("path")
                self.documents[str(doc["id"])] = UploadedDocument(
                    id=str(doc["id"]), extension=file_extension(data) or "",
                    file_name=file_name if isinstance(file_name, str) else None,
                    path=path if isinstance(path, str) else None)

    @rule(complaint=complaints)
    def read(self, complaint):
        self.touched = complaint

    @rule(complaint=complaints, followup=followup_specs())
    def followup(self, complaint, followup):
        self.add_followup(complaint, **followup)

    def add_followup(self, complaint, content, secret, files):
        tag = marker()
        followup = FollowupModel(marker=tag, content=f"{content} {tag}", is_secret=secret,
                                 extensions=[file_extension(f) or "" for f in files], sent_at=now_wib())
        body: dict[str, Any] = {"complaint_id": int(complaint.id), "content": followup.content,
                                "template_code": "reply_lmw", "rating": 0, "is_secret": int(secret)}
        body.update({f"attachment[{index}]": data for index, data in enumerate(files)})
        response = self.send("add_followup", ModelStep(ADD_FOLLOWUP, complaint=complaint, followup=followup),
                             body=body, media_type="multipart/form-data")
        if response is not None and response.status_code < 300:
            complaint.followups.append(followup)
            complaint.status_may_change = True
        self.touched = complaint

    @rule(complaint=complaints, pick=st.integers(0, 10 ** 6), note=text)
    def reroute(self, complaint, pick, note):
        candidates = (sorted(i for i in self.institutions if i not in complaint.allowed_dispositions)
                      or sorted(self.institutions))
        target = candidates[pick % len(candidates)]
        body = {"is_request": 1, "reason": target, "reason_description": f"Bukan wewenang: {note}", "not_authority": 1}
        response = self.send("reroute_complaint", ModelStep(REROUTE, complaint=complaint, target=target),
                             path_parameters={"complaint_id": complaint.id}, body=body, media_type="application/json")
        if response is not None and response.status_code < 300:
            complaint.allowed_dispositions.add(target)
            complaint.related_institutions.add(target)
            complaint.pending_reroute, complaint.status_may_change = target, True
        self.touched = complaint

    @rule(complaint=complaints, unknown=UNKNOWN_INSTITUTIONS)
    def reroute_to_unknown(self, complaint, unknown):
        target = str(unknown)
        if target in self.institutions:
            return
        body = {"is_request": 1, "reason": target, "reason_description": "Bukan wewenang", "not_authority": 1}
        response = self.send("reroute_complaint", ModelStep(REROUTE_UNKNOWN, complaint=complaint, target=target),
                             path_parameters={"complaint_id": complaint.id}, body=body, media_type="application/json")
        if response is not None and response.status_code < 300:  # wrongly accepted: whatever it did is allowed
            complaint.allowed_dispositions.add(target)
            complaint.status_may_change = True
        self.touched = complaint

    @precondition(lambda self: bool(context.second_auth_headers()))
    @rule(complaint=complaints)
    def other_institution(self, complaint):
        self.send("complaint_detail", ModelStep(OTHER_INSTITUTION, complaint=complaint),
                  path_parameters={"complaint_id": complaint.id})
        self.touched = complaint

    # --------------------------------------------------------------- invariant
    @invariant()
    def touched_complaint_is_as_modelled(self):
        complaint = self.touched
        if complaint is None or complaint.id is None:
            return
        self.send("complaint_detail", ModelStep(DETAIL, complaint=complaint),
                  path_parameters={"complaint_id": complaint.id})
        self.send("list_followups", ModelStep(FOLLOWUPS, complaint=complaint),
                  path_parameters={"complaint_id": complaint.id}, query={"page": 1})


if context.stateful and not context.read_only and all(current_session().role(r) for r in ROLES):

    def test_complaint_lifecycle():
        allure.dynamic.title(TITLES.get(context.lang, TITLES["id"]))
        examples = max(2, -(-context.max_examples // EXAMPLES_DIVISOR))
        shrink_s = min(context.shrink_s, current_session().seconds_left() - SHRINK_MARGIN_S)
        phases = PHASES + ((Phase.shrink,) if shrink_s >= 1 else ())
        settings = hypothesis_settings(max_examples=examples, stateful_step_count=STEPS_PER_EXAMPLE, phases=phases)
        limit_shrinking(shrink_s)
        try:
            run_state_machine_as_test(seed(context.seed)(ComplaintLifecycle), settings=settings)
        except Flaky as error:
            finding = first_finding(error)
            if finding is None:
                raise
            # The target answered a replay differently (e.g. a defect visible only when two follow-ups
            # fall in different seconds): Hypothesis then reports "flaky", which would hide the finding.
            raise ConformanceFailure(f"{finding}\n\n{FLAKY_NOTE}") from None
        finally:
            limit_shrinking(context.shrink_s)  # the other suites' tests keep the profile's limit
        if current_session().model_cache.get(MASTER_FINDING):
            raise ConformanceFailure(current_session().model_cache[MASTER_FINDING])

FLAKY_NOTE = ("Catatan: target tidak menjawab ulangan urutan ini dengan cara yang sama (hasilnya bergantung waktu "
              "atau keadaan); reproduksi terlampir adalah urutan terakhir yang gagal. / Note: the target answered "
              "a replay of this sequence differently (timing or state dependent); the reproduction attached is "
              "the last sequence that failed.")


def first_finding(error: BaseException) -> ConformanceFailure | None:
    """The conformance failure behind a Hypothesis error: in its exception group or its context chain."""
    stack, seen = [error], set()
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConformanceFailure):
            return current
        stack.extend(getattr(current, "exceptions", ()))
        stack.extend((current.__cause__, current.__context__))
    return None
