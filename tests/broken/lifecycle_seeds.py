"""Run the lifecycle model against one target for many seeds in ONE process (cheap: no CLI and pytest
start-up per seed). Used by tests/test_broken_variants.py to show the conforming simulator is never
flagged, whatever the seed.

    python -m tests.broken.lifecycle_seeds RUN_DIR BASE_URL MAX_EXAMPLES SEED [SEED ...]

Credentials come from env (LAPOR_API_KEY, LAPOR_TOKEN, LAPOR_B_API_KEY, LAPOR_B_TOKEN). Prints one JSON
object: {seed: {"failed": [requirement ids], "error": text or null, "passed": [requirement ids]}}.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from tests.broken.runs import SECOND_INSTITUTION_ID
from tests.conftest import ROOT


def main(argv: list[str]) -> int:
    run_dir, base_url, max_examples, seeds = Path(argv[0]), argv[1], int(argv[2]), [int(s) for s in argv[3:]]
    run_dir.mkdir(parents=True, exist_ok=True)
    from conformance.engine.context import (API_KEY_ENV, CONTEXT_ENV, SECOND_API_KEY_ENV, SECOND_TOKEN_ENV, TOKEN_ENV,
                                           RunContext)

    agency = {"code": "seeds", "name": "Seeds", "institution_id": "151345"}
    context = RunContext(run_dir=str(run_dir), base_url=base_url, pack_dir=str(ROOT / "conformance/specs/lapor-v3"),
                         bearer_header="Authorization", agency=agency, environment="simulator", seed=seeds[0],
                         max_examples=max_examples, max_time_s=600, stateful=True,
                         second_institution_id=SECOND_INSTITUTION_ID)
    context.write(run_dir / "context.json")
    os.environ.update({CONTEXT_ENV: str(run_dir / "context.json"), API_KEY_ENV: os.environ["LAPOR_API_KEY"],
                       TOKEN_ENV: os.environ["LAPOR_TOKEN"], SECOND_API_KEY_ENV: os.environ["LAPOR_B_API_KEY"],
                       SECOND_TOKEN_ENV: os.environ["LAPOR_B_TOKEN"]})
    spec = importlib.util.spec_from_file_location("lifecycle_suite", ROOT / "suites/provider/test_lifecycle.py")
    suite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(suite)  # type: ignore[union-attr]
    from hypothesis import seed as use_seed
    from hypothesis.stateful import run_state_machine_as_test

    from conformance.engine.ledger import FAILED, PASSED
    from conformance.engine.provider import current_session, hypothesis_settings

    session, report = current_session(), {}
    for number in seeds:
        session.current_item = f"seed-{number}"
        error = None
        settings = hypothesis_settings(max_examples=max(2, -(-max_examples // suite.EXAMPLES_DIVISOR)),
                                       stateful_step_count=suite.STEPS_PER_EXAMPLE, phases=suite.PHASES)
        try:
            run_state_machine_as_test(use_seed(number)(suite.ComplaintLifecycle), settings=settings)
        except Exception as failure:  # noqa: BLE001 - reported, the test decides
            error = f"{type(failure).__name__}: {failure}"[:2000]
        tally = session.item_outcomes.get(session.current_item, {})
        report[number] = {"error": error, "failed": sorted(r for r, c in tally.items() if c[FAILED]),
                          "passed": sorted(r for r, c in tally.items() if c[PASSED] and not c[FAILED])}
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
