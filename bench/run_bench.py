"""Speed figures: the harness against bare `st run` on the same spec and the same simulator.

Prints cases, seconds and cases/s for both, and the ratio. Not a test: figures, not verdicts.
Usage: .venv/bin/python bench/run_bench.py [--max-examples N] [--seed S]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.simulator.server import start_in_thread  # noqa: E402
from conformance.specpack import load_pack  # noqa: E402

API_KEY = "$2y$10$" + "B" * 53
TOKEN = "{BE4C0000-0000-4000-8000-000000000000}"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance," \
         "negative_data_rejection,positive_data_acceptance"


def bare_schemathesis(base_url: str, max_examples: int, seed: int) -> tuple[int, float]:
    st = Path(sys.executable).with_name("st")
    command = [str(st), "run", str(load_pack("lapor-v3").openapi_path), "--url", base_url,
               "-H", f"Authorization: Bearer {API_KEY}", "-H", f"token: {TOKEN}", "--checks", CHECKS,
               "-n", str(max_examples), "--seed", str(seed), "--generation-database", "none",
               "--phases", "examples,coverage,fuzzing", "--no-color"]
    started = time.perf_counter()
    output = subprocess.run(command, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - started
    match = re.search(r"(\d+)\s+generated", output)
    return (int(match.group(1)) if match else 0), elapsed


def harness(base_url: str, max_examples: int, seed: int) -> tuple[int, float]:
    with tempfile.TemporaryDirectory() as scratch:
        profile = Path(scratch) / "bench.yaml"
        profile.write_text(f"""version: 1
agency: {{code: bench, name: Bench}}
environment: simulator
target: {{base_url: "{base_url}"}}
auth: {{bearer_header: Authorization, api_key: "${{LAPOR_API_KEY}}", token: "${{LAPOR_TOKEN}}"}}
budget: {{max_examples: {max_examples}, seed: {seed}, stateful: false}}
""", encoding="utf-8")
        env = dict(os.environ, LAPOR_API_KEY=API_KEY, LAPOR_TOKEN=TOKEN)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "conformance", "run", str(profile), "--no-html",
                                 "--reports-dir", str(Path(scratch) / "reports")],
                                capture_output=True, text=True, env=env, cwd=ROOT)
        elapsed = time.perf_counter() - started
        run_dir = Path(result.stdout.strip().splitlines()[-1])
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        cases = sum(op["answered_cases"] for op in summary["operations"].values())
    return cases, elapsed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-examples", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        handle = start_in_thread(db_path=str(Path(scratch) / "bench.sqlite3"),
                                 credentials={"api_key": API_KEY, "token": TOKEN}, log_level="error")
        try:
            rows = [("st run (bare)", *bare_schemathesis(handle.base_url, args.max_examples, args.seed)),
                    ("lapor-conformance run", *harness(handle.base_url, args.max_examples, args.seed))]
        finally:
            handle.stop()
    print(f"max_examples={args.max_examples} seed={args.seed} (phases examples+coverage+fuzzing, no stateful)")
    print(f"{'command':<24}{'cases':>8}{'seconds':>10}{'cases/s':>10}")
    for name, cases, seconds in rows:
        print(f"{name:<24}{cases:>8}{seconds:>10.1f}{cases / seconds if seconds else 0:>10.1f}")
    bare, ours = rows[0], rows[1]
    if bare[1] and ours[1] and bare[2] and ours[2]:
        print(f"ratio (harness cases/s ÷ bare cases/s): {(ours[1] / ours[2]) / (bare[1] / bare[2]):.2f}")
        print("note: the harness sends extra requests per case (auth probes, paging and read-back checks);")
        print("      its cases/s counts generated cases, not HTTP requests.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
