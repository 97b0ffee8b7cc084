"""What the client suites (suites/client) share: the recorded run and `judge(check)`.

Every client test runs one named check of conformance/client/checks.py on the traffic recorded in
the run directory; requirements.yaml binds the name to its requirement. Each evaluation is written
to the run's ledger (one line per judged exchange); findings and the offending exchanges are
attached to the Allure result.
"""

from __future__ import annotations

import json
from typing import Any

import allure
import pytest

from conformance.client.checks import ClientOutcome, evaluate
from conformance.client.recording import Recording
from conformance.engine.context import RunContext
from conformance.engine.ledger import FAILED, PASSED, Entry, Ledger
from conformance.i18n import set_lang, t
from conformance.specpack import load_pack

_STATE: dict[str, Any] = {}
MAX_ATTACHED_EXCHANGES = 10


def state() -> dict[str, Any]:
    if not _STATE:
        context = RunContext.from_env()
        if context is None:
            raise RuntimeError("The client suites run under `lapor-conformance run`, which records the traffic first.")
        set_lang(context.lang)
        _STATE.update(context=context, pack=load_pack(context.pack_dir),
                      recording=Recording.load(context.run_path / "client"),
                      ledger=Ledger(context.run_path / "ledger.jsonl"))
    return _STATE


def judge(check: str) -> None:
    """Evaluate `check` on the recorded traffic: ledger, Allure, and pass / skip / fail."""
    s = state()
    pack, context, recording = s["pack"], s["context"], s["recording"]
    requirements = pack.requirements_checked_by(check)
    outcomes: list[ClientOutcome] = evaluate(recording, pack.openapi, [check])[check]
    s["ledger"].record(Entry(r.id, o.check, o.operation, PASSED if o.passed else FAILED, o.message, o.case_id)
                       for o in outcomes for r in requirements)
    lang = context.lang
    title = " · ".join(t("client.suite.title", requirement=r.id, title=r.title_in(lang)) for r in requirements)
    allure.dynamic.title(title or check)
    failures = [o for o in outcomes if not o.passed]
    for requirement in requirements:
        allure.dynamic.label("requirement", requirement.id)
        allure.dynamic.link(f"../requirements.html#{requirement.id}", name=f"{requirement.id} — {requirement.title_in(lang)}")
        if failures:
            allure.dynamic.tag(requirement.id)
    header = "| Persyaratan | Pemeriksaan | Lulus | Gagal |\n|---|---|---|---|" if lang == "id" else \
        "| Requirement | Check | Passed | Failed |\n|---|---|---|---|"
    rows = [f"| {'✗ ' if failures else ''}{r.id} | `{check}` | {len(outcomes) - len(failures)} | {len(failures)} |"
            for r in requirements]
    allure.dynamic.description("\n".join([header, *rows]))
    if failures:
        allure.attach(json.dumps([o.__dict__ for o in failures], indent=1, ensure_ascii=False),
                      name="temuan.json", attachment_type=allure.attachment_type.JSON)
        by_seq = {e.get("seq"): e for e in recording.exchanges}
        exchanges = [by_seq[o.seq] for o in failures if o.seq in by_seq][:MAX_ATTACHED_EXCHANGES]
        if exchanges:
            allure.attach("\n".join(json.dumps(e, ensure_ascii=False) for e in exchanges),
                          name="permintaan-terekam.jsonl", attachment_type=allure.attachment_type.TEXT)
    if not outcomes:
        pytest.skip(t("client.suite.not_exercised", check=check))
    if failures:
        first = failures[0]
        raise AssertionError("\n".join(
            t("client.suite.failed", requirement=r.id, check=check, count=len(failures),
              first=f"{first.operation} (episode {first.episode}, #{first.seq}): {first.message}")
            for r in requirements))
