"""Detection power: each deliberately broken LAPOR server is flagged with exactly its requirement, and the
conforming simulator is flagged with nothing, whatever the seed.

Every variant is the conforming simulator with one defect, served over real HTTP on loopback (with a
second institution's credentials, for the privacy and authorisation checks) and run through
`lapor-conformance run` like any remote target, on the tests its defect shows in (tests/broken/runs.py).
The runs go two at a time in the background as soon as the first test of this module asks for one;
each test waits for its own. The conforming simulator's full default run (every suite) is
tests/test_run_end_to_end.py; here the lifecycle model runs against it for ten seeds.
"""

from __future__ import annotations

from functools import partial

import pytest

from tests.broken.runs import Job, RunPool, run_seeds, simulator
from tests.broken.variants import VARIANTS

pytestmark = pytest.mark.slow
SEEDS = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]
SEED_EXAMPLES = 6  # per seed: two sequences of the lifecycle model
MODEL_REQUIREMENTS = {"LAPOR-LIFE-001", "LAPOR-FU-003", "LAPOR-DATA-006", "LAPOR-PAGE-004", "LAPOR-CREATE-002",
                      "LAPOR-PRIV-001", "LAPOR-PRIV-002", "LAPOR-PRIV-004", "LAPOR-AUTHZ-002"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    jobs = [Job(variant.name, partial(simulator, wrap=variant.wrap), max_examples=variant.max_examples,
                 stateful=variant.stateful, pytest_args=variant.pytest_args) for variant in VARIANTS]
    pool = RunPool(jobs, tmp_path_factory.mktemp("variants"),
                   extra={"seeds": partial(run_seeds, seeds=SEEDS, max_examples=SEED_EXAMPLES)})
    yield pool
    pool.close()


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_variant_is_flagged_with_its_requirement(variant, runs):
    result = runs.result(variant.name)
    assert result.run_dir is not None, result.out
    assert result.code == 1, result.out
    assert result.failed == {variant.requirement}, result.out
    assert variant.requirement in result.out  # the console names the requirement too


@pytest.mark.parametrize("seed", SEEDS)
def test_conforming_simulator_has_no_finding_whatever_the_seed(seed, runs):
    outcome = runs.result("seeds")[seed]
    assert outcome["error"] is None, outcome["error"]
    assert outcome["failed"] == []
    assert MODEL_REQUIREMENTS <= set(outcome["passed"]), MODEL_REQUIREMENTS - set(outcome["passed"])
