"""Detection power: each deliberately broken LAPOR server is flagged with exactly its requirement.

Every variant is the conforming simulator with one defect, served over real HTTP on loopback,
and run through `lapor-conformance run` like any remote target.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.broken.variants import VARIANTS
from tests.conftest import CANARY_API_KEY, CANARY_TOKEN, run_cli, serve, write_profile

pytestmark = pytest.mark.slow


def _failed_requirements(run_dir: Path) -> set[str]:
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    return {row["id"] for row in summary["requirements"] if row["outcome"] == "failed"}


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_variant_is_flagged_with_its_requirement(variant, tmp_path, monkeypatch, capsys):
    from conformance.simulator.app import create_app

    monkeypatch.setenv("LAPOR_API_KEY", CANARY_API_KEY)
    monkeypatch.setenv("LAPOR_TOKEN", CANARY_TOKEN)
    credentials = {"api_key": CANARY_API_KEY, "token": CANARY_TOKEN}
    app = variant.wrap(create_app(tmp_path / "sim.sqlite3", credentials), credentials)
    with serve(app) as origin:
        profile = write_profile(tmp_path / "profile.yaml", base_url=f"{origin}/integration/api/v3",
                                max_examples=variant.max_examples, stateful=variant.stateful)
        code, out, err = run_cli(["run", str(profile), "--reports-dir", str(tmp_path / "reports"), "--no-html"], capsys)

    run_dir = Path(out.strip().splitlines()[-1])
    assert code == 1, out + err
    assert _failed_requirements(run_dir) == {variant.requirement}, out
    assert variant.requirement in out  # the console names the requirement too
