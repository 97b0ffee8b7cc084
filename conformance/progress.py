"""Progress events from the suites' pytest process to the runner: one stdout line each, `@@lapor {json}`.

A module of its own so the runner can read events without importing the pytest plugin (and with it
schemathesis, about 2.5 s of start-up in the CLI process).
"""

from __future__ import annotations

import json
import sys

PROGRESS_PREFIX = "@@lapor "


def emit(event: str, **fields: object) -> None:
    stream = sys.__stdout__
    stream.write(PROGRESS_PREFIX + json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
    stream.flush()
