"""The sample agency integrator, run in-process against the client-mode simulator, and its broken
variants: each subclass breaks exactly one client requirement (named in the variant).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.client.checks import evaluate
from conformance.client.flows import PythonFlow
from conformance.client.recording import Recording
from conformance.client.run import record_episodes
from conformance.client.scenarios import draw_episodes
from conformance.client.settings import ClientSettings, FaultOptions, Limits
from conformance.redaction import Redactor
from conformance.specpack import load_pack
from examples.agency_integrator import AgencyStore, Config, Integrator, LaporClient
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN

PACK = load_pack("lapor-v3")
AGENCY = "151345"
# The app times out after 2 s; a hang lasts 2.5 s at most. Generous on purpose: a loaded 2-core CI
# machine must not turn an ordinary slow answer into a timeout (and a retry into a "double poll").
APP_TIMEOUT_S = 2.0
FAULTS = FaultOptions(enabled=True, max_retry_after_s=1, hang_s=2.5)
SETTINGS = ClientSettings(flows={}, scenarios=0, faults=FAULTS, followups_per_complaint=12,
                          limits=Limits(retry_min_delay_s=0.1), agency_institution_id=AGENCY,
                          agency_name="Lapor Mas Wapres! (Sekretariat Wakil Presiden)")


# ----------------------------------------------------------------------- broken clients
class NoTokenOnReads(LaporClient):
    def headers(self, method: str) -> dict[str, str]:
        headers = super().headers(method)
        if method == "GET":
            headers.pop("token")
        return headers


class NoAcceptHeader(LaporClient):
    def headers(self, method: str) -> dict[str, str]:
        headers = super().headers(method)
        headers.pop("Accept")
        return headers


class RetriesCreateBlindly(LaporClient):
    def may_retry(self, idempotent: bool, status: int | None, error: Exception | None) -> bool:
        return status is None or status >= 429  # every failure is retried, answered or not


class NoBackoff(LaporClient):
    def retry_delay(self, attempt: int, retry_after: float | None) -> float:
        return 0.0


class FirstFollowupPageOnly(LaporClient):
    def followup_pages(self, complaint_id: str):
        yield next(iter(super().followup_pages(complaint_id)))


class FollowsForeignNextPage(LaporClient):
    def next_url(self, current: str, next_page_url: str) -> str | None:
        return next_page_url


class FileWithoutFilename(LaporClient):
    def file_parts(self, field: str, files: list[tuple[str, str, bytes]]) -> list[tuple[str, Any]]:
        if not field.startswith("attachment["):
            return super().file_parts(field, files)
        return [(field.format(index=i), (None, data)) for i, (_, _, data) in enumerate(files)]


class NestedCreateIdOnly(LaporClient):
    def created_id(self, body: dict[str, Any]) -> str | None:
        return str(body["results"]["complaint"]["id"])  # the S4 shape only


# ----------------------------------------------------------------------- broken apps
class InvalidCreateBody(Integrator):
    def create_body(self, complaint: dict[str, Any], doc_ids: list[str]) -> dict[str, Any]:
        body = super().create_body(complaint, doc_ids)
        body["category_id"] = str(body["category_id"])  # "18": a string where the spec wants an integer
        return body


class HardcodedAttachment(Integrator):
    def upload_attachments(self, complaint: dict[str, Any]) -> list[str]:
        return ["4199656"]  # LMW's example document id, never uploaded by this app


class RerouteUnlisted(Integrator):
    def reroute_target(self, complaint: dict[str, Any]) -> str | None:
        return "999999"  # from the app's own configuration, not from LAPOR's institution list


class PollsEveryRun(Integrator):
    def due_for_poll(self, complaint: dict[str, Any], now: float) -> bool:
        return True


class IdentityInContent(Integrator):
    def create_body(self, complaint: dict[str, Any], doc_ids: list[str]) -> dict[str, Any]:
        body = super().create_body(complaint, doc_ids)  # LMW's pattern, even for anonymous complaints
        body["content"] += (f"\nPelapor: {complaint['reporter_name']}, NIK {complaint['reporter_nik']}, "
                            f"HP {complaint['reporter_phone']}")
        return body


class OversizedReply(Integrator):
    def reply_content(self, complaint: dict[str, Any]) -> str:
        return ("Tanggapan panjang tanpa dipotong. " * 50)[:1500]


@dataclass(frozen=True)
class Variant:
    name: str
    requirement: str
    client: type[LaporClient] = LaporClient
    integrator: type[Integrator] = Integrator


VARIANTS = [
    Variant("no-token-on-reads", "LAPOR-AUTH-006", client=NoTokenOnReads),
    Variant("no-accept-header", "LAPOR-CLIENT-007", client=NoAcceptHeader),
    Variant("invalid-create-body", "LAPOR-CLIENT-006", integrator=InvalidCreateBody),
    Variant("hardcoded-attachment", "LAPOR-CLIENT-001", integrator=HardcodedAttachment),
    Variant("retries-create-blindly", "LAPOR-CLIENT-003", client=RetriesCreateBlindly),
    Variant("no-backoff", "LAPOR-CLIENT-004", client=NoBackoff),
    Variant("first-followup-page-only", "LAPOR-CLIENT-002", client=FirstFollowupPageOnly),
    Variant("reroute-unlisted", "LAPOR-CLIENT-009", integrator=RerouteUnlisted),
    Variant("polls-every-run", "LAPOR-CLIENT-005", integrator=PollsEveryRun),
    Variant("identity-in-anonymous-content", "LAPOR-PRIV-003", integrator=IdentityInContent),
    Variant("follows-foreign-next-page", "LAPOR-CLIENT-008", client=FollowsForeignNextPage),
    Variant("oversized-reply", "LAPOR-CLIENT-010", integrator=OversizedReply),
    Variant("file-part-without-filename", "LAPOR-CLIENT-012", client=FileWithoutFilename),
    Variant("nested-create-id-only", "LAPOR-CLIENT-011", client=NestedCreateIdOnly),
]


# ----------------------------------------------------------------------- running
def sample_runners(client_class: type[LaporClient] = LaporClient,
                   integrator_class: type[Integrator] = Integrator) -> tuple[dict[str, PythonFlow], list[Any]]:
    """forward / poll / reply flows that drive one integrator instance in-process."""
    made: list[Any] = []

    def integrator(context: Any) -> Integrator:
        if not made:
            config = Config(base_url=context.handle.base_url, api_key=context.handle.credentials.api_key,
                            token=context.handle.credentials.token, bearer_header=context.bearer_header,
                            institution_id=AGENCY, timeout_s=APP_TIMEOUT_S, retry_base_s=0.1)
            store = AgencyStore(Path(context.work_dir) / "agency.sqlite3")
            made.append(integrator_class(config, store, client_class(config)))
        return made[0]

    def forward(context: Any) -> Any:
        app = integrator(context)
        app.intake_demo(2)
        return app.forward()

    return ({"forward": PythonFlow(forward), "poll": PythonFlow(lambda c: integrator(c).poll()),
             "reply": PythonFlow(lambda c: integrator(c).reply())}, made)


def episodes_for(seed: int, extra: int = 0, settings: ClientSettings = SETTINGS) -> list[Any]:
    """Draw in the calling thread (Hypothesis is not meant to run in several threads at once)."""
    return draw_episodes(seed, extra, settings.faults, settings.followups_per_complaint)


def run_sample(tmp_path: Path, seed: int, variant: Variant | None = None, extra: int = 0,
               settings: ClientSettings = SETTINGS, episodes: list[Any] | None = None) -> Recording:
    runners, made = sample_runners(variant.client if variant else LaporClient,
                                   variant.integrator if variant else Integrator)
    if episodes is None:
        episodes = episodes_for(seed, extra, settings)
    try:
        return record_episodes(settings, episodes, tmp_path / "client", api_key=CANARY_API_KEY, token=CANARY_TOKEN,
                               bearer_header="Authorization", redactor=Redactor([CANARY_API_KEY, CANARY_TOKEN]),
                               runners=runners, console=lambda line: None)
    finally:
        for app in made:
            app.close()
            app.store.close()


def judged(recording: Recording) -> dict[str, dict[str, int]]:
    """Per requirement: {"passed": n, "failed": n} over every client check."""
    tally: dict[str, dict[str, int]] = {}
    for check, outcomes in evaluate(recording, PACK.openapi).items():
        for requirement in PACK.requirements_checked_by(check):
            counts = tally.setdefault(requirement.id, {"passed": 0, "failed": 0})
            for outcome in outcomes:
                counts["passed" if outcome.passed else "failed"] += 1
    return tally


def failed_requirements(recording: Recording) -> set[str]:
    return {rid for rid, counts in judged(recording).items() if counts["failed"]}


def findings(recording: Recording) -> list[str]:
    return [f"{o.check} {o.operation} e{o.episode}#{o.seq}: {o.message}" for outcomes in
            evaluate(recording, PACK.openapi).values() for o in outcomes if not o.passed]
