"""Client mode: assess an agency's application as a LAPOR client.

The simulator plays LAPOR (conformance/simulator/client_mode.py); this package drives the app and
judges what it sent:

  settings.py   the profile's `client:` section (client.schema.json is its JSON Schema)
  scenarios.py  the episodes of a run: faults and unusual answers, drawn by Hypothesis from the seed
  flows.py      making the app act: a command, an HTTP call to the app, or a person following prompts
  session.py    one session: episodes, LAPOR-side actions between the flows, the recording
  recording.py  the recorded traffic and episodes as the suites read them (run dir `client/`)
  checks.py     the client checks, each bound to a requirement in requirements.yaml
  suite.py      what suites/client share: `judge(check)` (ledger, Allure, verdict)
  run.py        `run_client`: a client-mode run, finished by runner/finish.py like a provider run
"""
