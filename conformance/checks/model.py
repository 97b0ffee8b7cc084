"""What the lifecycle model (suites/provider/test_lifecycle.py) expects of each complaint it drives.

The model passes itself to the checks through `Observation.extra["model"]` as a `ModelStep`. A check
that finds no model step returns nothing, so the schema suite is unaffected by the model checks.
Everything the model expects beyond the client-code traces is our inference; the requirements the
checks bind to say so (provisional).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from conformance.calendar import written_month_first
from conformance.checks.base import Observation

# Model steps (ModelStep.kind)
CREATE, UPLOAD, DETAIL, FOLLOWUPS, ADD_FOLLOWUP, REROUTE, REROUTE_UNKNOWN, OTHER_INSTITUTION = (
    "create", "upload", "detail", "followups", "add_followup", "reroute", "reroute_unknown", "other_institution")


@dataclass
class FollowupModel:
    marker: str
    content: str
    is_secret: bool
    extensions: list[str]  # of the files sent with it, in order
    sent_at: Any  # datetime (WIB) just before sending


@dataclass
class UploadedDocument:
    """A document the model uploaded: what it sent and what the upload answer said about it."""

    id: str
    extension: str                 # of the file sent (from its content)
    file_name: str | None = None   # as the upload answer named it
    path: str | None = None        # as the upload answer gave it


@dataclass
class ComplaintModel:
    """One complaint as the model created it and the actions it took on it since."""

    marker: str                    # unique text inside title and content: finds the complaint anywhere
    title: str
    content: str
    is_anonymous: bool
    is_secret: bool
    reporter: dict[str, str]       # nameUser / emailUser / phoneUser sent (empty: none sent)
    creator_institution: str | None
    requested_disposition: str
    id: str | None = None
    attachments: list[str] = field(default_factory=list)  # document ids referenced at creation
    allowed_dispositions: set[str] = field(default_factory=set)
    related_institutions: set[str] = field(default_factory=set)  # creator + every disposition asked for
    followups: list[FollowupModel] = field(default_factory=list)
    status: tuple[Any, Any] | None = None         # (status_code, status_name) at the last read
    status_may_change: bool = False               # an action since the last read may move the status
    pending_reroute: str | None = None            # target of an accepted reroute not yet seen in a detail
    last_log: list[tuple[str, str]] | None = None  # (fingerprint, id) of the log at the last walk
    created_at: Any = None                        # datetime (WIB) just before the create call was sent
    log_dates: dict[str, Any] = field(default_factory=dict)  # data_logs id -> created_at at the last detail read

    def __repr__(self) -> str:  # Hypothesis prints bundle values in the step listing
        flags = "".join(f for f, on in (("A", self.is_anonymous), ("R", self.is_secret)) if on)
        return f"aduan({self.id}{', ' + flags if flags else ''})"

    @property
    def secret_markers(self) -> list[str]:
        return [f.marker for f in self.followups if f.is_secret]


@dataclass
class ModelStep:
    kind: str
    complaint: ComplaintModel | None = None
    institutions: dict[str, str] = field(default_factory=dict)  # master list: id -> name
    target: str | None = None                                    # reroute target
    followup: FollowupModel | None = None
    files: int = 0                                               # files sent (upload)
    documents: dict[str, UploadedDocument] = field(default_factory=dict)  # every upload of the run, by id


def model_step(observation: Observation, *kinds: str) -> ModelStep | None:
    step = observation.extra.get("model")
    if isinstance(step, ModelStep) and (not kinds or step.kind in kinds):
        return step
    return None


def credentials_refused(observation: Observation) -> bool:
    """401/403 with the profile's own credentials is LAPOR-AUTH-004's finding, not the model's."""
    return observation.status in (401, 403)


def results(body: Any) -> dict[str, Any]:
    value = body.get("results") if isinstance(body, dict) else None
    return value if isinstance(value, dict) else {}


def detail_data(body: Any) -> dict[str, Any]:
    data = results(body).get("data")
    return data if isinstance(data, dict) else {}


# What must never change in a logged entry (LAPOR-FU-003); the last two are normalised (secret_flag,
# attachment_names).
FINGERPRINT_FIELDS = ("template_code", "content", "created_at", "date", "institution_from_name", "institution_to_name",
                      "is_secret", "attachments")


def secret_flag(value: Any) -> Any:
    """`is_secret` as a bool whichever way it is written (true, 1, "1", "true"…); None when absent, the value
    itself when it is no flag at all."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false", ""):
        return value.strip().lower() in ("1", "true")
    return value


def attachment_names(value: Any) -> Any:
    """A log entry's attachments as (file_name, extension) pairs, in order: `path` is left out, since a signed
    or expiring URL may change on every read without the entry changing."""
    if not isinstance(value, list):
        return value
    return [[item.get("file_name"), item.get("extension")] if isinstance(item, dict) else item for item in value]


def fingerprint(entry: Any) -> str:
    """What identifies a log entry without trusting its id: everything that must never change once logged
    (LAPOR-FU-003), the secret flag and the attached files included."""
    if not isinstance(entry, dict):
        return repr(entry)
    values = [entry.get(key) for key in FINGERPRINT_FIELDS[:-2]]
    values += [secret_flag(entry.get("is_secret")), attachment_names(entry.get("attachments"))]
    return json.dumps(values, ensure_ascii=False, default=str)


def changed_fields(before: str, after: str) -> list[str]:
    """The fields in which two fingerprints of a log entry differ."""
    try:
        old, new = json.loads(before), json.loads(after)
    except ValueError:
        return []
    if not (isinstance(old, list) and isinstance(new, list) and len(old) == len(new) == len(FINGERPRINT_FIELDS)):
        return []
    return [name for name, a, b in zip(FINGERPRINT_FIELDS, old, new) if a != b]


def has_marker(text: str, marker: str) -> bool:
    """`marker` in `text` as a whole token: the model's marker `…XB` is not found in `…XBA`."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(marker)}(?![A-Za-z0-9])", text) is not None


def entry_with(entries: list[Any], marker: str) -> list[dict[str, Any]]:
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("content"), str)
            and has_marker(e["content"], marker)]


def month_first_entries(entries: list[Any], complaint: ComplaintModel) -> list[tuple[FollowupModel, dict[str, Any]]]:
    """The model's follow-ups listed in `entries` whose created_at is the time they were sent, written m-d-Y:
    LAPOR-DATA-002's finding, never a clock offset (LAPOR-DATA-007) or a log out of order (LAPOR-FU-003)."""
    found = []
    for followup in complaint.followups:
        listed = entry_with(entries, followup.marker)
        if len(listed) == 1 and followup.sent_at is not None and written_month_first(
                listed[0].get("created_at"), followup.sent_at):
            found.append((followup, listed[0]))
    return found


def safe_json(response: Any) -> Any:
    if response is None:
        return None
    try:
        return json.loads(response.content.decode("utf-8-sig")) if response.content else None
    except (ValueError, UnicodeDecodeError):
        return None
