"""Privacy: an anonymous complaint never shows who reported it (LAPOR-PRIV-001).

Identity is detected two ways:
- the reporter fields the model itself sent (`nameUser`, `emailUser`, `phoneUser`; S5), also when the
  server reformats them (a phone number `+62 812-…` sent is found again as `0812…`);
- common Indonesian identity patterns in any string of the answer: a 16-digit NIK, a mobile number
  written `+62 8…`, `62 8…` or `08…`, an e-mail address.
Only string values of the JSON answer are scanned, never its keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.checks.model import ADD_FOLLOWUP, CREATE, DETAIL, FOLLOWUPS, REROUTE, model_step

NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[ .-]?8\d{1,3}(?:[ .-]?\d{2,4}){2,3}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PATTERNS = (("NIK", NIK), ("telepon/phone", PHONE), ("e-mail", EMAIL))
MIN_NAME_LENGTH = 5  # shorter names would match ordinary words


def phone_core(text: str) -> str:
    """+62 812-3456-7890 / 62812… / 0812… -> 8123456789 (the national number without prefix)."""
    digits = re.sub(r"\D", "", text)
    for prefix in ("62", "0"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(json path, value) of every string value in a JSON document."""
    if isinstance(node, str):
        yield path or "(root)", node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{path}[{index}]")


def identity_leaks(document: Any, reporter: dict[str, str], raw_text: str = "") -> list[str]:
    """Where `document` shows a reporter identity: the fields sent, or an identity pattern."""
    name = (reporter.get("nameUser") or "").strip().lower()
    email = (reporter.get("emailUser") or "").strip().lower()
    phone = phone_core(reporter.get("phoneUser") or "")
    found = []
    values = list(strings(document)) if document is not None else [("(body)", raw_text)]
    for path, value in values:
        if _is_identifier(path):
            continue
        lowered = value.lower()
        if len(name) >= MIN_NAME_LENGTH and name in lowered:
            found.append(f"{path}: nama pelapor / reporter name")
        if email and email in lowered:
            found.append(f"{path}: e-mail pelapor / reporter e-mail")
        for label, pattern in PATTERNS:
            for match in pattern.finditer(value):
                text = match.group(0)
                if label.startswith("telepon") and phone and phone_core(text) == phone:
                    found.append(f"{path}: telepon pelapor / reporter phone")
                elif not (label == "e-mail" and text.lower() == email):
                    found.append(f"{path}: pola {label} / {label} pattern `{_mask(text)}`")
    return list(dict.fromkeys(found))


def _is_identifier(path: str) -> bool:
    """Ids and URLs are not identity: a 16-digit id is not a NIK."""
    last = re.split(r"[.\[]", path)[-1]
    return last in ("id", "path", "next_page_url") or last.endswith("_id")


def _mask(text: str) -> str:
    """Never copy a found identity into the report in full."""
    return text[:3] + "…" + text[-2:] if len(text) > 6 else "…"


@check("anonymous_identity_hidden")
def anonymous_identity_hidden(observation: Observation) -> list[Outcome]:
    step = model_step(observation, CREATE, DETAIL, FOLLOWUPS, ADD_FOLLOWUP, REROUTE)
    if step is None or step.complaint is None or not step.complaint.is_anonymous:
        return []
    if not observation.response.content:
        return []
    body = observation.json()
    raw = "" if body is not None else observation.response.content.decode("utf-8", "replace")
    leaks = identity_leaks(body, step.complaint.reporter, raw)
    if leaks:
        return [failed("anonymous_identity_hidden",
                       f"aduan anonim {step.complaint.id or '(baru / new)'} memperlihatkan identitas / an anonymous "
                       f"complaint shows an identity: {'; '.join(leaks[:3])}")]
    return [passed("anonymous_identity_hidden")]
