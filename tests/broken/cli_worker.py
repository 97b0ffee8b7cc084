"""A long-lived `lapor-conformance` process that runs one profile after another (tests/broken/runs.py).

Starting the CLI costs a few seconds of imports per run; a worker pays them once. Protocol: one JSON
job per stdin line {"argv": [...], "env": {...}}, one JSON answer per stdout line {"code", "out"}.
Each job gets exactly the environment it names (on top of the worker's own), like a fresh process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys


def main() -> int:
    from conformance.cli import main as cli_main

    base_env = dict(os.environ)
    protocol = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        os.environ.clear()
        os.environ.update({**base_env, **job["env"]})
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            try:
                code = cli_main(job["argv"])
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else 2
            except Exception as error:  # noqa: BLE001 - reported to the test as a harness error
                print(f"Traceback (worker): {type(error).__name__}: {error}")
                code = 2
        protocol.write(json.dumps({"code": code, "out": captured.getvalue()}) + "\n")
        protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
