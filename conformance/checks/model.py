"""What the lifecycle model (suites/provider/test_lifecycle.py) expects of each complaint it drives.

The model passes itself to the checks through `Observation.extra["model"]` as a `ModelStep`. A check
that finds no model step returns nothing, so the schema suite is unaffected by the model checks.
Everything the model expects beyond the client-code traces is our inference; the requirements the
checks bind to say so (provisional).
"""

from __future__ import annotations

import json
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


def fingerprint(entry: Any) -> str:
    """What identifies a log entry without trusting its id."""
    if not isinstance(entry, dict):
        return repr(entry)
    keys = ("template_code", "content", "created_at", "date", "institution_from_name", "institution_to_name")
    return json.dumps([entry.get(key) for key in keys], ensure_ascii=False, default=str)


def entry_with(entries: list[Any], marker: str) -> list[dict[str, Any]]:
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("content"), str) and marker in e["content"]]


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
