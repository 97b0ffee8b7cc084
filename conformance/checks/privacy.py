"""Privacy: an anonymous complaint never shows who reported it (LAPOR-PRIV-001).

Identity is looked for two ways:
- the reporter fields the model itself sent (`nameUser` of 5+ characters, `emailUser`, `phoneUser`; S5) are
  searched EVERYWHERE in the answer: every JSON string (ids, paths and URLs too), the raw body (so also JSON
  keys and numbers, and a body that is not JSON) and every response header, each as is and URL-decoded. A
  phone number is found however it is written (`+62 812-…`, `62812…`, `0812 …`);
- the reporter's name split over several values (`{namadepan: "Siti", namabelakang: "Rahayu"}`): every
  token of the name (at least two of 3+ characters) as a whole word somewhere in the same answer;
- common Indonesian identity patterns (a 16-digit NIK, a mobile number, an e-mail address) only in the
  free text of the JSON answer, strings and integers (a NIK in a bigint column comes as a JSON number): not
  in ids, URLs or headers, where a 16-digit id is no NIK.
A found identity is never copied into the report in full.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote_plus

from conformance.checks.base import Observation, Outcome, check, failed, passed
from conformance.checks.model import ADD_FOLLOWUP, CREATE, DETAIL, FOLLOWUPS, REROUTE, model_step

NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
PHONE = re.compile(r"(?<![\w+])(?:\+62|62|0)[ .-]?8\d{1,3}(?:[ .-]?\d{2,4}){2,3}(?!\d)")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PATTERNS = (("NIK", NIK), ("telepon/phone", PHONE), ("e-mail", EMAIL))
MIN_NAME_LENGTH = 5  # shorter names would match ordinary words
MIN_TOKEN_LENGTH = 3  # a name token shorter than this (an initial, "M.") is not looked for on its own
MIN_PHONE_DIGITS = 8  # a shorter national number would match ordinary numbers
SEPARATOR = r"[\s.\-]*"
RAW_BODY = "(body)"


def phone_core(text: str) -> str:
    """+62 812-3456-7890 / 62812… / 0812… -> 8123456789 (the national number without prefix)."""
    digits = re.sub(r"\D", "", text)
    for prefix in ("62", "0"):
        if digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(json path, value) of every string value in a JSON document, and of every integer not under an id key
    (as text: a NIK may come as a JSON number; a 16-digit id is no NIK). Booleans are no integers here."""
    if isinstance(node, str):
        yield path or "(root)", node
    elif isinstance(node, int) and not isinstance(node, bool) and not _is_identifier(path):
        yield path or "(root)", str(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from strings(value, f"{path}[{index}]")


def reporter_patterns(reporter: dict[str, str]) -> list[tuple[str, re.Pattern[str]]]:
    """(label, pattern) per reporter field sent, matching it however the server rewrites case and spacing."""
    name = (reporter.get("nameUser") or "").split()
    email = (reporter.get("emailUser") or "").strip()
    phone = phone_core(reporter.get("phoneUser") or "")
    found = []
    if len(" ".join(name)) >= MIN_NAME_LENGTH:
        found.append(("nama pelapor / reporter name", re.compile(r"\s+".join(map(re.escape, name)), re.I)))
    if email:
        found.append(("e-mail pelapor / reporter e-mail", re.compile(re.escape(email), re.I)))
    if len(phone) >= MIN_PHONE_DIGITS:
        digits = SEPARATOR.join(phone)
        found.append(("telepon pelapor / reporter phone", re.compile(rf"(?<!\d)(?:\+?62|0)?{SEPARATOR}{digits}(?!\d)")))
    return found


def reporter_leaks(places: Iterable[tuple[str, str]], patterns: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    """Where a reporter field shows, as is or URL-decoded; the raw body only for what nothing else showed."""
    found: list[tuple[str, str]] = []
    for where, text in places:
        for label, pattern in patterns:
            if where == RAW_BODY and any(label == seen for _, seen in found):
                continue
            if pattern.search(text) or pattern.search(unquote_plus(text)):
                found.append((where, label))
    return [f"{where}: {label}" for where, label in found]


def name_tokens(reporter: dict[str, str]) -> list[str]:
    """The reporter name's tokens of MIN_TOKEN_LENGTH+ characters, when there are at least two (else none)."""
    tokens = [token for token in (reporter.get("nameUser") or "").split() if len(token) >= MIN_TOKEN_LENGTH]
    return tokens if len(tokens) >= 2 else []


def split_name_leak(places: Iterable[tuple[str, str]], reporter: dict[str, str]) -> list[str]:
    """The reporter's name split over values: every token a whole word (or a whole value) of the same answer,
    as is or URL-decoded. One finding naming where the tokens are, never the tokens themselves."""
    tokens = name_tokens(reporter)
    patterns = [re.compile(rf"(?<!\w){re.escape(token)}(?!\w)", re.I) for token in tokens]
    where: dict[int, str] = {}
    for path, text in places:
        for index, pattern in enumerate(patterns):
            if index not in where and (pattern.search(text) or pattern.search(unquote_plus(text))):
                where[index] = path
    if not tokens or len(where) < len(tokens):
        return []
    paths = ", ".join(dict.fromkeys(where[index] for index in range(len(tokens))))
    return [f"{paths}: nama pelapor terpisah ({len(tokens)} bagian) / reporter name split ({len(tokens)} parts)"]


def pattern_leaks(path: str, value: str, reporter: dict[str, str]) -> list[str]:
    """Identity patterns in one free-text value, except the reporter's own fields (reported by name)."""
    email, phone = (reporter.get("emailUser") or "").strip().lower(), phone_core(reporter.get("phoneUser") or "")
    phone = phone if len(phone) >= MIN_PHONE_DIGITS else None  # too short to search for as the reporter's
    found = []
    for label, pattern in PATTERNS:
        for match in pattern.finditer(value):
            text = match.group(0)
            if not (text.lower() == email or (label.startswith("telepon") and phone_core(text) == phone)):
                found.append(f"{path}: pola {label} / {label} pattern `{_mask(text)}`")
    return found


def identity_leaks(document: Any, reporter: dict[str, str], raw_text: str = "",
                   headers: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Where an answer (parsed JSON or None, raw text, headers) shows a reporter identity."""
    values = list(strings(document)) if document is not None else []
    places = [*values, *((f"header {name}", value) for name, value in headers), (RAW_BODY, raw_text)]
    found = reporter_leaks(places, reporter_patterns(reporter))
    if not any("reporter name" in leak for leak in found):  # the whole name found says it already
        found += split_name_leak(places if document is None else places[:-1], reporter)
    for path, value in values:
        if _is_free_text(path, value):
            found += pattern_leaks(path, value, reporter)
    return list(dict.fromkeys(found))


def _is_identifier(path: str) -> bool:
    """A value under an id (or path, link) key, also an element of a list under one: `disposition_id`, `ids[0]`."""
    last = re.split(r"[.\[]", re.sub(r"(\[\d+\])+$", "", path))[-1]
    return last in ("id", "ids", "path", "next_page_url") or last.endswith(("_id", "_ids"))


def _is_free_text(path: str, value: str) -> bool:
    """Ids and URLs are not free text: a 16-digit id is not a NIK."""
    return not _is_identifier(path) and not value.startswith(("http://", "https://"))


def _mask(text: str) -> str:
    """Never copy a found identity into the report in full."""
    return text[:3] + "…" + text[-2:] if len(text) > 6 else "…"


def _headers(observation: Observation) -> list[tuple[str, str]]:
    pairs = []
    for name, value in dict(observation.response.headers or {}).items():
        pairs += [(name, str(v)) for v in (value if isinstance(value, list) else [value])]
    return pairs


@check("anonymous_identity_hidden")
def anonymous_identity_hidden(observation: Observation) -> list[Outcome]:
    step = model_step(observation, CREATE, DETAIL, FOLLOWUPS, ADD_FOLLOWUP, REROUTE)
    if step is None or step.complaint is None or not step.complaint.is_anonymous:
        return []
    raw = (observation.response.content or b"").decode("utf-8", "replace")
    leaks = identity_leaks(observation.json(), step.complaint.reporter, raw, _headers(observation))
    if leaks:
        return [failed("anonymous_identity_hidden",
                       f"aduan anonim {step.complaint.id or '(baru / new)'} memperlihatkan identitas / an anonymous "
                       f"complaint shows an identity: {'; '.join(leaks[:3])}")]
    return [passed("anonymous_identity_hidden")]
