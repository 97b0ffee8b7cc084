"""Client checks on hand-made recordings: the rules at their edges, no network."""

from __future__ import annotations

from conformance.client.checks import evaluate, identity_findings
from conformance.client.recording import Recording
from conformance.specpack import load_pack

OPENAPI = load_pack("lapor-v3").openapi
OK = {"ok": True, "status": None, "errors": {}}
CREDS = {"bearer_in": "authorization", "bearer": "valid", "token_state": "valid", "carries_key": True,
         "carries_token": True}


def exchange(seq: int, operation: str, *, t_start: float, t_end: float | None = None, status: int = 200,
             outcome: str = "answered", headers: dict | None = None, episode: int = 1, **extra) -> dict:
    return {"seq": seq, "episode": episode, "listener": "main", "t_start": t_start, "t_end": t_end or t_start + 0.01,
            "method": "GET", "path": f"/integration/api/v3/{operation}", "query": "", "operation": operation,
            "headers": {"accept": "application/json"}, "credentials": CREDS, "validation": OK,
            "response": {"status": status if outcome == "answered" else None, "outcome": outcome,
                         "headers": headers or {}, "shaped": []}, **extra}


def outcomes(recording: Recording, check: str) -> list:
    return evaluate(recording, OPENAPI, [check])[check]


def test_retry_waits_for_retry_after_then_backs_off():
    limits = {"limits": {"retry_min_delay_s": 0.5}}
    polite = Recording([exchange(1, "getComplaint", t_start=0, t_end=1.0, status=429, headers={"retry-after": "2"}),
                        exchange(2, "getComplaint", t_start=3.05, t_end=3.1, status=503),
                        exchange(3, "getComplaint", t_start=3.7, t_end=3.8, status=503),
                        exchange(4, "getComplaint", t_start=4.5)], settings=limits)
    assert [o.passed for o in outcomes(polite, "client:retry_backoff")] == [True, True, True]
    hasty = Recording([exchange(1, "getComplaint", t_start=0, t_end=1.0, status=429, headers={"retry-after": "2"}),
                       exchange(2, "getComplaint", t_start=1.5, t_end=1.6, outcome="dropped"),
                       exchange(3, "getComplaint", t_start=2.2, t_end=2.3, status=503),
                       exchange(4, "getComplaint", t_start=2.6)], settings=limits)
    verdicts = [o.passed for o in outcomes(hasty, "client:retry_backoff")]
    assert verdicts == [False, True, False]  # too early for Retry-After; then a shrinking wait


def test_identity_patterns():
    assert identity_findings("NIK 3171014502900003 di Padang", []) == ["NIK (16 digit)"]
    assert identity_findings("hubungi +62 812-3456-7890", []) == ["nomor telepon / phone number"]
    assert identity_findings("HP 081234567890", []) == ["nomor telepon / phone number"]
    assert identity_findings("surel siti@contoh.id", []) == ["e-mail"]
    assert identity_findings("dilaporkan oleh Siti Rahmawati", ["Siti Rahmawati"]) == ["nama pelapor / reporter's name"]
    assert identity_findings("Jalan rusak sepanjang 1200 meter sejak 2024, nomor aduan 10000100.", ["Budi"]) == []


def test_invalid_only_after_an_unusual_answer_is_survival_not_schema():
    shaped = exchange(1, "createComplaint", t_start=0)
    shaped["response"]["shaped"] = ["create_shape:top_level"]
    invalid = {"ok": False, "status": 422, "errors": {"complaint_id": ["The complaint_id field format is invalid."]}}
    clean = exchange(1, "getComplaint", t_start=0, episode=1)
    after = exchange(3, "getComplaint", t_start=2, episode=2, validation=invalid)
    recording = Recording([clean, dict(shaped, seq=2, episode=2), after],
                          episodes=[{"number": 1, "varied": False, "flows": [{"ok": True, "label": "poll"}]},
                                    {"number": 2, "varied": True, "flows": [{"ok": True, "label": "poll"}]}])
    assert all(o.passed for o in outcomes(recording, "client:request_valid"))
    survival = outcomes(recording, "client:survives_unusual_responses")
    assert [o.passed for o in survival] == [False]
    # The same invalid request in a clean episode too: a plain schema finding, not a survival one.
    recording.exchanges.append(exchange(4, "getComplaint", t_start=3, episode=1, validation=invalid))
    assert [o.passed for o in outcomes(recording, "client:request_valid")].count(False) == 2
    assert all(o.passed for o in outcomes(recording, "client:survives_unusual_responses"))
