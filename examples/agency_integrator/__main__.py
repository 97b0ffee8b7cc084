"""`python -m examples.agency_integrator [--db FILE] COMMAND` — the sample agency app's entry point.

Commands: intake-demo (new demo complaints), forward, poll, reply, cycle (forward, poll, reply),
serve (a tiny HTTP endpoint per flow, for the harness's `http` trigger). LAPOR settings come from
the environment: LAPOR_BASE_URL, LAPOR_API_KEY, LAPOR_TOKEN, LAPOR_BEARER_HEADER, ... (config.py).
Exit code 0 when the flow ran (LAPOR errors are handled and logged), 1 on a bug.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from examples.agency_integrator.config import Config
from examples.agency_integrator.integrator import Integrator
from examples.agency_integrator.store import AgencyStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agency_integrator")
    parser.add_argument("--db", default=os.environ.get("AGENCY_DB", "agency.sqlite3"))
    commands = parser.add_subparsers(dest="command", required=True)
    intake = commands.add_parser("intake-demo")
    intake.add_argument("--count", type=int, default=2)
    for name in ("forward", "poll", "reply", "cycle"):
        commands.add_parser(name)
    serve = commands.add_parser("serve")
    serve.add_argument("--port", type=int, default=8760)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)

    store = AgencyStore(args.db)
    if args.command == "intake-demo":
        print(json.dumps({"created": _intake(store, args.count)}))
        return 0
    integrator = Integrator(Config.from_env(), store)
    try:
        if args.command == "serve":
            from examples.agency_integrator.server import serve_forever

            return serve_forever(integrator, args.port)
        flows = ["forward", "poll", "reply"] if args.command == "cycle" else [args.command]
        for flow in flows:
            print(json.dumps({flow: getattr(integrator, flow)()}))
    finally:
        integrator.close()
        store.close()
    return 0


def _intake(store: AgencyStore, count: int) -> list[int]:
    # Intake needs no LAPOR settings.
    integrator = Integrator(Config(base_url="http://unused.invalid", api_key="-", token="-"), store)
    try:
        return integrator.intake_demo(count)
    finally:
        integrator.close()


if __name__ == "__main__":
    sys.exit(main())
