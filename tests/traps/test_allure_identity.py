"""Trap 6 — every result is counted once and keeps its identity.

allure-pytest derives a result's identity from the test's full name and its parameter values
joined without separators: every schemathesis operation shares one test function, and two
agencies run the same tests, so bare identities merge distinct results into one "with retries"
and mix agencies in a shared Allure history. The runner sets testCaseId/historyId from named parts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import serve
from tests.traps.harness import PACKS, run_profile, use_canary_credentials, write_profile
from tests.traps.servers import three_lists_app

pytestmark = pytest.mark.slow
# Two real agencies whose names look alike; the same consultant runs both with the same credentials.
PADANG = ("pemkot-padang", "Pemerintah Kota Padang")
PADANG_PANJANG = ("pemkot-padang-panjang", "Pemerintah Kota Padang Panjang")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three runs against one server: Padang twice (same profile and seed), Padang Panjang once."""
    tmp_path = tmp_path_factory.mktemp("identity")
    with pytest.MonkeyPatch.context() as monkeypatch, serve(three_lists_app()) as origin:
        use_canary_credentials(monkeypatch)
        base_url, pack = f"{origin}/api", str(PACKS / "three-lists")
        padang = write_profile(tmp_path / "padang.yaml", base_url=base_url, pack=pack, code=PADANG[0], name=PADANG[1])
        panjang = write_profile(tmp_path / "panjang.yaml", base_url=base_url, pack=pack, code=PADANG_PANJANG[0],
                                name=PADANG_PANJANG[1])
        return (run_profile(padang, tmp_path / "reports"), run_profile(padang, tmp_path / "reports"),
                run_profile(panjang, tmp_path / "reports"))


def _ids(run, key: str = "testCaseId") -> list[str]:
    return [result[key] for result in run.allure_results()]


def test_same_profile_and_seed_keep_the_same_identities(runs):
    first, second, _ = runs
    assert first.run_dir != second.run_dir
    assert sorted(_ids(first)) == sorted(_ids(second))
    assert sorted(_ids(first, "historyId")) == sorted(_ids(second, "historyId"))


def test_identities_are_distinct_within_a_run(runs):
    for run in runs:
        ids = _ids(run)
        assert len(ids) == 3, ids  # one per operation
        assert len(set(ids)) == len(ids)
        assert len(set(_ids(run, "historyId"))) == len(ids)


def test_look_alike_agencies_never_share_an_identity(runs):
    first, _, other = runs
    assert not set(_ids(first)) & set(_ids(other))
    assert not set(_ids(first, "historyId")) & set(_ids(other, "historyId"))


def test_every_result_is_counted_once(runs):
    for run in runs:
        results = run.allure_results()
        junit = ET.parse(run.run_dir / "junit.xml").getroot()
        assert run.summary["tests"]["total"] == len(results) == len(list(junit.iter("testcase")))
