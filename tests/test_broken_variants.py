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

import json
import re
from functools import partial

import pytest

from tests.broken.runs import LIFECYCLE_ONLY, Job, RunPool, run_seeds, simulator
from tests.conftest import CANARY_TOKEN
from tests.broken.variants import VARIANTS

pytestmark = pytest.mark.slow
SEEDS = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]
SHRUNK_VARIANT = "followups-newest-first"  # its first failing sequence is long: shrinking has work to do
SEED_EXAMPLES = 6  # per seed: two sequences of the lifecycle model
MASTER_LIST_VARIANT = "page-size-only-first-page"  # the model's own read of the master list meets its defect
# Not LAPOR-PAGE-004: the model proves it only once one complaint's log spans two pages (more than ten
# follow-ups), which six examples seldom reach; the full run has it passed (tests/test_run_end_to_end.py).
MODEL_REQUIREMENTS = {"LAPOR-LIFE-001", "LAPOR-FU-003", "LAPOR-DATA-006", "LAPOR-CREATE-002",
                      "LAPOR-PRIV-001", "LAPOR-PRIV-002", "LAPOR-PRIV-004", "LAPOR-AUTHZ-002"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    jobs = [Job(variant.name, partial(simulator, wrap=variant.wrap), max_examples=variant.max_examples,
                 stateful=variant.stateful, pytest_args=variant.pytest_args) for variant in VARIANTS]
    shrunk = next(v for v in VARIANTS if v.name == SHRUNK_VARIANT)
    jobs.append(Job(f"{SHRUNK_VARIANT}-shrunk", partial(simulator, wrap=shrunk.wrap), max_examples=shrunk.max_examples,
                    stateful=True, pytest_args=shrunk.pytest_args, shrink_s=60))
    master = next(v for v in VARIANTS if v.name == MASTER_LIST_VARIANT)
    jobs.append(Job(f"{MASTER_LIST_VARIANT}-lifecycle", partial(simulator, wrap=master.wrap), max_examples=9,
                    stateful=True, pytest_args=LIFECYCLE_ONLY))
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


def test_a_failing_lifecycle_run_attaches_the_whole_shrunk_sequence(runs):
    """With budget.shrink_s, Hypothesis shrinks the failing step sequence; the Allure attachment is the final,
    shrunk sequence, every request of it (credentials as variable references), the failing one last."""
    result = runs.result(f"{SHRUNK_VARIANT}-shrunk")
    assert result.failed == {"LAPOR-FU-003"}, result.out
    attachments = [path.read_text(encoding="utf-8", errors="replace")
                   for path in (result.run_dir / "allure-results").glob("*-attachment*")]
    [reproduction] = [text for text in attachments if text.startswith("# LAPOR-FU-003")]
    shrunk = re.search(r"sequence shrunk from (\d+) to (\d+) steps", reproduction)
    assert shrunk, reproduction[:500]
    before, after = int(shrunk.group(1)), int(shrunk.group(2))
    assert after < before
    blocks = re.split(r"^# langkah/step (\d+)$", reproduction, flags=re.MULTILINE)
    assert blocks[1::2] == [str(i) for i in range(1, after + 1)]
    assert all("curl -X " in block for block in blocks[2::2])  # every step is a request
    last = blocks[-1]
    assert "/followups" in last and "-X GET" in last  # the read that showed the defect
    assert "${LAPOR_API_KEY}" in reproduction and CANARY_TOKEN not in reproduction
    # The Allure test is failed (a finding), not broken, even when a replay of the target differed.
    [lifecycle] = [json.loads(path.read_text(encoding="utf-8"))
                   for path in (result.run_dir / "allure-results").glob("*-result.json")]
    assert lifecycle["status"] == "failed", lifecycle["statusDetails"]["message"][:300]
    assert "LAPOR-FU-003" in lifecycle["statusDetails"]["message"]


def test_a_master_list_finding_does_not_stop_the_lifecycle_model(runs):
    """The model reads the master list once (page_size=1000, as clients do) as a checked case. A finding there
    (here the page probed after the last one ignores page_size) is reported and fails the test, while the model
    still drives complaints with the institutions it could read: the lifecycle requirements are exercised."""
    result = runs.result(f"{MASTER_LIST_VARIANT}-lifecycle")
    assert result.failed == {"LAPOR-PAGE-003"}, result.out
    exercised = {"LAPOR-LIFE-001", "LAPOR-FU-003", "LAPOR-CREATE-002", "LAPOR-ROUTE-001", "LAPOR-DATA-006"}
    assert exercised <= result.passed, exercised - result.passed
