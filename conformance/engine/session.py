"""The provider session: one per pytest run, shared by every generated case.

`exercise(case)` is the heart of the provider suites: send the case the careful way, run every
check the pack binds to a requirement, write the ledger, and fail the case (so Hypothesis
shrinks it) when any requirement is broken.
"""

from __future__ import annotations

import base64
import re

import time
from collections.abc import Iterator
from typing import Any

from conformance.checks import Observation, Outcome, registered_checks
from conformance.checks.base import read_json, results_of
from conformance.engine.context import RunContext
from conformance.engine.ledger import FAILED, NOT_EXERCISED, PASSED, Entry, Ledger
from conformance.engine.transport import NoRealAnswer, Sender
from conformance.redaction import Redactor
from conformance.specpack import SpecPack

MAX_WALK_PAGES = 50
# Consecutive cases of one operation without a real answer (each after every retry) before the
# harness stops retrying it and, when none was ever answered, ends its test as not exercised.
GIVE_UP_AFTER = 2


class ConformanceFailure(AssertionError):
    """A case broke one or more requirements; the message names each requirement ID."""


class ProviderSession:
    def __init__(self, context: RunContext, pack: SpecPack, schema: Any) -> None:
        self.context = context
        self.pack = pack
        self.schema = schema
        self.openapi = pack.openapi
        self.pack_roles: dict[str, Any] = dict(pack.meta.get("roles") or {})
        self.sender = Sender(context.base_url, context.auth_headers(), time.monotonic() + context.max_time_s)
        # Redaction at the source: nothing this process writes (ledger, failure messages that end up
        # in Allure and JUnit, reproductions) may hold a credential, even if the run is killed.
        self.redactor = Redactor([context.api_key, context.token, context.second_api_key, context.second_token])
        self.ledger = Ledger(context.run_path / "ledger.jsonl", redact=self.redactor.redact)
        bound = {name for requirement in pack.requirements for name in requirement.check_names}
        self.checks = {name: fn for name, fn in registered_checks().items() if name in bound}
        self.current_item: str | None = None
        self.over_budget_items: set[str] = set()  # tests cut short by budget.max_time_s -> operations.json
        self._clock_started = False
        self.reproductions: dict[str, dict[tuple[str, str, str], str]] = {}
        self.first_failing_steps: dict[tuple[str, tuple[str, str, str]], int] = {}  # before shrinking
        self.case_counts: dict[str, dict[str, int]] = {}
        self.status_counts: dict[str, dict[int | str, int]] = {}  # per-operation status histogram -> operations.json
        self.item_outcomes: dict[str, dict[str, dict[str, int]]] = {}
        self.scenario_steps: list[str] | None = None
        self.model_cache: dict[str, Any] = {}  # what model checks learn once per run (e.g. second credentials work)
        self._probe_state: dict[tuple[str, str], list[int]] = {}
        # Answers to the requests checks sent for the current case (probes, read-backs, page walks),
        # for the checks that judge every answer (after_probes), e.g. that no credential is echoed.
        self.probe_answers: list[tuple[str, Any]] = []
        self.last_walk_complete = True  # False when walk_pages stopped at a page that got no real answer
        # (test item, operation) -> cases answered for real, and the current run of unanswered ones
        self._unanswered: dict[tuple[str, str], dict[str, int]] = {}
        self._validators: dict[str, Any] = {}
        self._operations, self._pointers = {}, {}
        for op_id, definition, pointer in _operations(self.openapi):
            self._operations[op_id], self._pointers[op_id] = definition, pointer

    # --- what checks ask ------------------------------------------------------------------
    def role(self, name: str) -> str | None:
        return (self.pack_roles.get("operations") or {}).get(name)

    def operation_definition(self, operation_id: str) -> dict[str, Any]:
        return self._operations.get(operation_id, {})

    def operation_pointer(self, operation_id: str) -> str:
        return self._pointers.get(operation_id, "")

    def validator_for(self, key: str, schema: Any) -> Any:
        from conformance.checks.schema import build_validator

        if key not in self._validators:
            self._validators[key] = build_validator(self.openapi, schema)
        return self._validators[key]

    @staticmethod
    def is_positive(case: Any) -> bool:
        meta = getattr(case, "meta", None)
        return meta is None or getattr(meta.generation.mode, "value", "positive") == "positive"

    def probe_wanted(self, operation_id: str, name: str, rounds: int) -> bool:
        passes, failures = self._probe_state.get((operation_id, name), [0, 0])
        return failures > 0 or passes < rounds

    def probe_passed(self, operation_id: str, name: str) -> None:
        self._probe_state.setdefault((operation_id, name), [0, 0])[0] += 1

    def probe_failed(self, operation_id: str, name: str) -> None:
        self._probe_state.setdefault((operation_id, name), [0, 0])[1] += 1

    def gateway_failure(self, response: Any, operation_id: str = "") -> bool:
        """An error the gateway produced itself (502/504 timeouts, its 404/400…) is no answer from the API.

        Only its 401/403 are judged (LAPOR-AUTH-004 names the gateway as the one refusing the credentials).
        A 502/504 is not retried: the back end may have acted on the request.
        """
        if response.status_code in (401, 403) or response.status_code < 400:
            return False
        return Observation(case=None, response=response, operation_id=operation_id, session=self).is_gateway_answer

    def resend(self, case: Any, *, headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> Any:
        """A check's own request; None when it got no real answer (gateway 429/503 to the end, gateway errors)."""
        try:
            response = self.sender.send(case, headers=headers, params=params)
        except NoRealAnswer:
            return None
        if self.gateway_failure(response):
            return None
        self.probe_answers.append((f"{case.method.upper()} {case.formatted_path}", response))
        return response

    def call_role(self, role: str, *, path_parameters: dict[str, str] | None = None,
                  query: dict[str, Any] | None = None) -> Any:
        operation_id = self.role(role)
        if operation_id is None:
            return None
        operation = self.schema.find_operation_by_id(operation_id)
        case = operation.Case(path_parameters=path_parameters or {}, query=query or {})
        return self.resend(case)

    def walk_pages(self, role: str, path_parameters: dict[str, str]) -> Iterator[list[Any]]:
        """Each page's `results.data`, by page number until an empty page.

        Page numbers, not `next_page_url`: a check that reads the list must not inherit a paging
        defect, which the paging checks report on their own.
        """
        self.last_walk_complete = True
        for number in range(1, MAX_WALK_PAGES + 1):
            response = self.call_role(role, path_parameters=path_parameters, query={"page": number})
            if response is None:  # no real answer: the walk proves nothing either way
                self.last_walk_complete = False
                return
            if response.status_code != 200:
                return
            data = results_of(read_json(response)).get("data") or []
            if not data:
                return
            yield data

    # --- the case ---------------------------------------------------------------------------
    def start_scenario(self) -> None:
        self.scenario_steps = []

    def probe(self, case: Any, headers: dict[str, str], note: str) -> Any:
        """Send `case` with other headers (e.g. a second institution's) for a check; the request joins
        the running scenario's steps so a failing model run reproduces it too. None: no real answer."""
        if self.scenario_steps is not None:
            self.scenario_steps.append(f"# {note}\n{self.curl_for(case, self.sender.headers_for(headers))}")
        return self.resend(case, headers=self.sender.headers_for(headers))

    def seconds_left(self) -> float:
        """What remains of the profile's time budget (all of it before the first case)."""
        if not self._clock_started:
            return float(self.context.max_time_s)
        return max(0.0, self.sender.deadline - time.monotonic())

    def exercise(self, case: Any, *, scenario: bool = False, extra: dict[str, Any] | None = None) -> Any:
        """Send `case`, run every bound check, record the ledger; `extra` reaches the checks as
        `Observation.extra` (the lifecycle model passes what it expects under the key "model")."""
        operation_id = operation_id_of(case)
        if not self._clock_started:  # the budget counts from the first case, not from collection
            self._clock_started = True
            self.sender.deadline = time.monotonic() + self.context.max_time_s
        if time.monotonic() > self.sender.deadline:
            self.over_budget_items.add(self.current_item or operation_id)
            _skip_over_budget(self.context.max_time_s)
        if scenario and self.scenario_steps is not None:
            self.scenario_steps.append(self.curl_for(case))
        counts = self.case_counts.setdefault(operation_id, {"cases": 0, "answered": 0, "not_exercised": 0})
        counts["cases"] += 1
        streak = self._unanswered.setdefault((self.current_item or "", operation_id), {"answered": 0, "streak": 0})
        try:
            # After a run of unanswered cases, one attempt per case: the back-off budget is not
            # spent again and again on an operation the gateway keeps refusing.
            response = self.sender.send(case, attempts=1 if streak["streak"] >= GIVE_UP_AFTER else None)
            if self.gateway_failure(response, operation_id):
                raise NoRealAnswer(response.status_code)
        except NoRealAnswer as error:
            counts["not_exercised"] += 1
            self.ledger.record([Entry("", "transport", operation_id, NOT_EXERCISED, f"HTTP {error.status}")])
            streak["streak"] += 1
            if not scenario and not streak["answered"] and streak["streak"] >= GIVE_UP_AFTER:
                _skip_unanswered(operation_id, error.status, streak["streak"])
            return None
        streak["answered"] += 1
        streak["streak"] = 0
        counts["answered"] += 1
        observation = Observation(case=case, response=response, operation_id=operation_id, session=self,
                                  extra=dict(extra or {}))
        # Status histogram (operations.json, evidence gate): a 2xx that is not the API's own answer (an HTML
        # page, a gateway's body) is recorded apart, so that it never counts as an accepted case.
        status = response.status_code if observation.accepted or not 200 <= response.status_code < 300 else (
            f"{response.status_code} (bukan API / not API)")
        self.status_counts.setdefault(operation_id, {}).setdefault(status, 0)
        self.status_counts[operation_id][status] += 1
        outcomes: list[Outcome] = []
        self.probe_answers = []
        for function in self.checks.values():
            outcomes.extend(function(observation))
        entries = self._bind(outcomes, operation_id, case)
        self.ledger.record(entries)
        failures = [entry for entry in entries if entry.outcome == FAILED]
        if failures:
            probes = {o.check: o.probe_headers for o in outcomes if not o.passed and o.probe_headers is not None}
            self._remember(case, failures, probes)
            text = "\n".join(f"{e.requirement} [{e.check}] {e.message}" for e in failures)
            raise ConformanceFailure(self.redactor.redact(text))
        return response

    def _bind(self, outcomes: list[Outcome], operation_id: str, case: Any) -> list[Entry]:
        entries = []
        case_id = getattr(case, "id", "") or ""
        tally = self.item_outcomes.setdefault(self.current_item or "", {})
        for outcome in outcomes:
            if outcome.requirement:
                requirements = [outcome.requirement]
            else:
                requirements = [r.id for r in self.pack.requirements_checked_by(outcome.check, operation_id)]
            for requirement in requirements:
                counts = tally.setdefault(requirement, {PASSED: 0, FAILED: 0})
                counts[PASSED if outcome.passed else FAILED] += 1
                entries.append(Entry(requirement, outcome.check, operation_id,
                                     PASSED if outcome.passed else FAILED, outcome.message, case_id))
        return entries

    def _remember(self, case: Any, failures: list[Entry], probes: dict[str, dict[str, str]]) -> None:
        """Keep one reproduction per distinct failure of the current test; the last one is the shrunk one.

        In a scenario (the lifecycle model) it is the whole sequence of requests, the failing one last;
        a failure seen by a check's own probe ends with that probe. Ids in it are those of this run: a
        fresh server assigns new ones, so replaying a sequence means following its answers."""
        if self.current_item is None:
            return
        store = self.reproductions.setdefault(self.current_item, {})
        for entry in failures:
            key = (entry.requirement, entry.check, entry.operation)
            last = self.curl_for(case, probes[entry.check]) if entry.check in probes else self.curl_for(case)
            header = f"# {entry.requirement} [{entry.check}] {entry.message}\n"
            if self.scenario_steps:
                steps = list(self.scenario_steps) + ([f"# probe\n{last}"] if entry.check in probes else [])
                first = self.first_failing_steps.setdefault((self.current_item, key), len(steps))
                header += (f"# urutan diperkecil dari {first} menjadi {len(steps)} langkah / sequence shrunk from "
                           f"{first} to {len(steps)} steps\n" if len(steps) < first
                           else f"# {len(steps)} langkah / steps\n")
                header += ("# id aduan dan berkas berasal dari run ini / complaint and file ids are this run's\n")
                last = "\n\n".join(f"# langkah/step {i}\n{step}" for i, step in enumerate(steps, 1))
            store[key] = self.redactor.redact(header + last)

    def curl_for(self, case: Any, sent_headers: dict[str, str] | None = None) -> str:
        """A curl command whose credentials are the user's environment variables, not values."""
        real = {self.context.api_key: f"${{{self.context.api_key_ref}}}",
                self.context.token: f"${{{self.context.token_ref}}}",
                self.context.second_api_key: f"${{{self.context.second_api_key_ref}}}",
                self.context.second_token: f"${{{self.context.second_token_ref}}}"}
        if sent_headers is None:
            sent_headers = self.sender.headers_for()
        headers = {}
        for name, value in sent_headers.items():
            for secret, reference in real.items():
                if secret:
                    value = value.replace(secret, reference)
            headers[name] = value
        # Double quotes around a header that holds a ${VARIABLE}, so that bash expands it.
        command = _VARIABLE_HEADER.sub(r'-H "\1"', _curl_command(case, headers, self.context.base_url))
        if "Accept: application/json" not in command:  # schemathesis leaves out headers it deems default
            method = f"-X {case.method.upper()}"
            command = command.replace(method, f"{method} -H 'Accept: application/json'", 1)
        return command


_VARIABLE_HEADER = re.compile(r"-H '([A-Za-z0-9-]+: [^'\"$`\\]*\$\{[A-Za-z_][A-Za-z0-9_]*\}[^'\"$`\\]*)'")


def _curl_command(case: Any, headers: dict[str, str], base_url: str) -> str:
    """schemathesis' curl, except for a body that is not plain text (an uploaded JPEG, PDF…): bash cannot
    hold a NUL byte in `-d $'…'` and schemathesis decodes bytes lossily, so such a body travels as base64
    through a here-document and `--data-binary @-`, byte for byte."""
    from schemathesis.core import curl
    from schemathesis.transport.prepare import prepare_request

    request = prepare_request(case, headers, config=case.operation.schema.config.output.sanitization,
                              base_url=base_url)
    body = request.body
    if not isinstance(body, bytes) or _is_plain_text(body):
        return case.as_curl_command(headers=headers, base_url=base_url)
    command = curl.generate(method=str(request.method), url=str(request.url), body=None, verify=True,
                            headers=dict(request.headers), known_generated_headers=dict(case.headers or {})).command
    encoded = base64.b64encode(body).decode("ascii")
    lines = "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))
    marker = "LAPOR_BODY"
    return f"base64 -d <<'{marker}' | {command} --data-binary @-\n{lines}\n{marker}"


def _is_plain_text(body: bytes) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text


def _skip_over_budget(max_time_s: int) -> None:
    """The profile's time budget (budget.max_time_s) is spent: the rest is not exercised, never passed."""
    import pytest

    pytest.skip(f"tidak teruji: anggaran waktu {max_time_s} s (budget.max_time_s) habis / "
                f"not exercised: the time budget of {max_time_s} s (budget.max_time_s) is spent")


def _skip_unanswered(operation_id: str, status: int, cases: int) -> None:
    """End the test of an operation that never got a real answer: skipped (not exercised), never passed.

    Its cases are already in the ledger as not exercised; sending the rest of them would only
    spend the time budget on the gateway's 429/503.
    """
    import pytest

    pytest.skip(f"tidak teruji: {operation_id} tidak pernah mendapat jawaban nyata ({cases} kasus, terakhir HTTP "
                f"{status} dari gateway/target) / not exercised: {operation_id} never got a real answer "
                f"({cases} cases, last HTTP {status})")


def operation_id_of(case: Any) -> str:
    definition = getattr(case.operation, "definition", None)
    raw = getattr(definition, "raw", None) or {}
    return raw.get("operationId") or case.operation.label


def _operations(openapi: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    for path, item in (openapi.get("paths") or {}).items():
        for method, definition in (item or {}).items():
            if isinstance(definition, dict) and "responses" in definition:
                pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
                yield definition.get("operationId") or f"{method.upper()} {path}", definition, pointer
