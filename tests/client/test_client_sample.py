"""Detection power of client mode, with the sample agency integrator (examples/agency_integrator).

- The conforming sample passes every client check on ten seeds, and every client requirement is
  exercised on each of them (the four standard episodes guarantee it).
- Each broken variant (tests/client/integrators.py) is flagged with exactly its requirement.

The integrator runs in-process (Python flows), the simulator on loopback; runs go three at a time
in threads after the episodes are drawn (Hypothesis draws in the main thread).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.client.integrators import VARIANTS, episodes_for, failed_requirements, findings, judged, run_sample

pytestmark = pytest.mark.slow
SEEDS = list(range(1, 11))
VARIANT_SEED = 20240601
CLIENT_REQUIREMENTS = {"LAPOR-AUTH-006", "LAPOR-PRIV-003", *(f"LAPOR-CLIENT-{n:03d}" for n in range(1, 13))}


def _parallel(jobs: list[tuple[str, object]], work) -> dict[str, object]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {key: pool.submit(work, key, payload) for key, payload in jobs}
        return {key: future.result() for key, future in futures.items()}


@pytest.fixture(scope="module")
def sample_runs(tmp_path_factory):
    jobs = [(str(seed), episodes_for(seed)) for seed in SEEDS]
    return _parallel(jobs, lambda key, episodes: run_sample(tmp_path_factory.mktemp(f"seed{key}"), int(key),
                                                            episodes=episodes))


@pytest.fixture(scope="module")
def variant_runs(tmp_path_factory):
    episodes = episodes_for(VARIANT_SEED)
    jobs = [(variant.name, variant) for variant in VARIANTS]
    return _parallel(jobs, lambda key, variant: run_sample(tmp_path_factory.mktemp(key), VARIANT_SEED, variant,
                                                           episodes=episodes))


@pytest.mark.parametrize("seed", SEEDS)
def test_conforming_sample_passes_and_exercises_every_client_requirement(sample_runs, seed):
    recording = sample_runs[str(seed)]
    assert failed_requirements(recording) == set(), findings(recording)
    exercised = {rid for rid, counts in judged(recording).items() if counts["passed"]}
    assert exercised == CLIENT_REQUIREMENTS
    assert all(flow["ok"] for episode in recording.episodes for flow in episode["flows"])


def test_seeds_give_different_episodes():
    drawn = {str([episode.to_dict() for episode in episodes_for(seed)]) for seed in SEEDS[:5]}
    assert len(drawn) >= 4
    assert [e.to_dict() for e in episodes_for(3)] == [e.to_dict() for e in episodes_for(3)]


def test_at_least_eight_variants_cover_distinct_requirements():
    assert len(VARIANTS) >= 8
    assert len({variant.requirement for variant in VARIANTS}) == len(VARIANTS)
    assert {variant.requirement for variant in VARIANTS} == CLIENT_REQUIREMENTS


@pytest.mark.parametrize("variant", VARIANTS, ids=[variant.name for variant in VARIANTS])
def test_broken_variant_is_flagged_with_exactly_its_requirement(variant_runs, variant):
    recording = variant_runs[variant.name]
    assert failed_requirements(recording) == {variant.requirement}, findings(recording)


def test_run_sample_writes_the_recording(tmp_path: Path, sample_runs):
    recording = sample_runs["1"]
    assert recording.exchanges and recording.episodes
    names = [episode["scenario"]["name"] for episode in recording.episodes]
    assert names == ["baseline", "create-ambiguous", "transient", "unusual"]
