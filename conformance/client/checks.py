"""The client checks: each judges the recorded traffic against one requirement.

A check is `check(analysis) -> list[ClientOutcome]`, registered under a name `client:<name>`;
requirements.yaml binds each name to its requirement (`checked_by`), so the mapping is data.
Every outcome names the exchange (episode, sequence number) it judged. Which requirement reports a
defect that shows up twice is decided once, in analysis.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from typing import Any

from conformance.client.analysis import Analysis, ClientOutcome, _outcome, client_check, registered_client_checks
from conformance.client.recording import (Recording, delivered_ok, failed_signal, file_parts, json_body,
                                          page_of_url, request_page, retry_after, summary, text_parts)

TOLERANCE_S = 0.05
FREE_TEXT_FIELDS = ("title", "content", "tags_raw", "info_disposition", "info_attachments")
NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
PHONE = re.compile(r"(?<![\d+])(?:\+62|62|0)\s?8\d(?:[\s.-]?\d){6,11}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
__all__ = ["Analysis", "ClientOutcome", "evaluate", "identity_findings", "registered_client_checks"]


# ====================================================================== checks
@client_check("client:request_valid")
def request_valid(analysis: Analysis) -> list[ClientOutcome]:
    outcomes = []
    for exchange in analysis.exchanges:
        if exchange["seq"] in analysis.survival_owned or "validation" not in exchange:
            continue
        errors = analysis.invalid_errors(exchange)
        if errors:
            shown = "; ".join(f"{field}: {messages[0]}" for field, messages in list(errors.items())[:3])
            outcomes.append(_outcome("client:request_valid", exchange, False,
                                     f"{exchange['method']} {exchange['path']} — {shown}"))
        else:
            outcomes.append(_outcome("client:request_valid", exchange, True))
    return outcomes


@client_check("client:both_auth_headers")
def both_auth_headers(analysis: Analysis) -> list[ClientOutcome]:
    configured = analysis.recording.settings.get("bearer_header", "Authorization")
    shown = "Authorization` atau `auth" if configured == "both" else configured
    outcomes = []
    for exchange in analysis.exchanges:
        if exchange.get("listener") != "main" or "credentials" not in exchange:
            continue
        state = exchange["credentials"]
        problems = []
        if state.get("bearer") == "missing":
            problems.append(f"tanpa header `{shown}: Bearer <key>` / no `{shown}: Bearer <key>` header")
        elif state.get("bearer") == "wrong_header":
            problems.append(f"kunci dikirim di header `{state.get('bearer_in')}`, bukan `{shown}` / "
                            f"key sent in `{state.get('bearer_in')}`, not `{shown}`")
        elif state.get("bearer") == "wrong":
            problems.append(f"nilai `{shown}` salah (harus `Bearer <key>`) / wrong `{shown}` value")
        if state.get("token_state") == "missing":
            problems.append("tanpa header `token` / no `token` header")
        elif state.get("token_state") == "wrong":
            problems.append("nilai `token` salah / wrong `token` value")
        outcomes.append(_outcome("client:both_auth_headers", exchange, not problems,
                                 f"{exchange['method']} {exchange['path']} — {'; '.join(problems)}" if problems else ""))
    return outcomes


@client_check("client:accept_json")
def accept_json(analysis: Analysis) -> list[ClientOutcome]:
    outcomes = []
    for exchange in analysis.exchanges:
        if exchange.get("listener") != "main":
            continue
        accept = (exchange.get("headers") or {}).get("accept", "")
        ok = "application/json" in accept.lower()
        outcomes.append(_outcome("client:accept_json", exchange, ok, "" if ok else
                                 f"{exchange['method']} {exchange['path']} — Accept: {accept or '(tidak ada / none)'}"))
    return outcomes


@client_check("client:upload_before_reference")
def upload_before_reference(analysis: Analysis) -> list[ClientOutcome]:
    outcomes, uploaded = [], set()
    for exchange in analysis.exchanges:  # in order: a document counts once its upload was answered
        if exchange.get("operation") == "uploadAttachments" and delivered_ok(exchange):
            uploaded.update(summary(exchange).get("docs") or [])
        if exchange.get("operation") != "createComplaint":
            continue
        attachments = json_body(exchange).get("attachments")
        if not isinstance(attachments, str):
            continue
        referenced = re.findall(r"\d+", attachments)
        if not referenced:
            continue
        missing = [doc for doc in referenced if doc not in uploaded]
        outcomes.append(_outcome(
            "client:upload_before_reference", exchange, not missing,
            f"attachments={attachments!s:.80} merujuk dokumen yang belum diunggah klien di run ini: {', '.join(missing)} / "
            f"references documents the client had not uploaded: {', '.join(missing)}" if missing else ""))
    return outcomes


def _complaint_key(title: Any, content: Any) -> str:
    return hashlib.sha256(f"{title}\x1f{content}".encode()).hexdigest()


@client_check("client:no_duplicate_complaint")
def no_duplicate_complaint(analysis: Analysis) -> list[ClientOutcome]:
    groups: dict[str, list[str]] = defaultdict(list)
    for complaint in analysis.recording.complaints:
        groups[_complaint_key(complaint.get("title"), complaint.get("content"))].append(str(complaint.get("id")))
    outcomes = []
    faulted = [e for e in analysis.exchanges if e.get("operation") == "createComplaint" and e.get("fault")
               and (e.get("fault") or {}).get("kind") != "delay"]
    judged = set()
    for exchange in faulted:
        body = json_body(exchange)
        key = _complaint_key(body.get("title"), body.get("content"))
        judged.add(key)
        ids = groups.get(key, [])
        fault = exchange["fault"]
        outcomes.append(_outcome(
            "client:no_duplicate_complaint", exchange, len(ids) <= 1,
            f"setelah gangguan {fault.get('kind')} ({fault.get('phase')}) pada pembuatan aduan, LAPOR menyimpan "
            f"{len(ids)} aduan yang sama: {', '.join(ids)} / after a {fault.get('kind')} on create, LAPOR holds "
            f"{len(ids)} copies" if len(ids) > 1 else ""))
    for key, ids in groups.items():
        if len(ids) > 1 and key not in judged:
            first = next((e for e in analysis.exchanges if e.get("operation") == "createComplaint"
                          and _complaint_key(json_body(e).get("title"), json_body(e).get("content")) == key), {})
            outcomes.append(ClientOutcome("client:no_duplicate_complaint", False, "createComplaint",
                                          f"LAPOR menyimpan {len(ids)} aduan yang sama: {', '.join(ids)} / "
                                          f"LAPOR holds {len(ids)} copies of one complaint",
                                          int(first.get("episode", 0)), int(first.get("seq", 0))))
    return outcomes


def _request_key(exchange: dict[str, Any]) -> str:
    body = exchange.get("body")
    if isinstance(body, dict) and "title" in body:
        material: Any = [body.get("title"), body.get("content")]
    elif exchange.get("parts") is not None:
        material = sorted(text_parts(exchange).items())
    else:
        material = body
    return json.dumps([exchange.get("operation"), exchange.get("path"), exchange.get("query"), material],
                      sort_keys=True, default=str)


@client_check("client:retry_backoff")
def retry_backoff(analysis: Analysis) -> list[ClientOutcome]:
    minimum = float(analysis.recording.limit("retry_min_delay_s", 1.0))
    main = [e for e in analysis.exchanges if e.get("listener") == "main"]
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for exchange in main:
        by_key[_request_key(exchange)].append(exchange)
    outcomes = []
    for chain in by_key.values():
        for index, failed in enumerate(chain[:-1]):
            if not failed_signal(failed):
                continue
            retry = chain[index + 1]
            gap = float(retry["t_start"]) - float(failed["t_end"])
            waited = retry_after(failed)
            required = waited if waited is not None else minimum
            previous = chain[index - 1] if index > 0 else None
            if waited is None and previous is not None and failed_signal(previous) and retry_after(previous) is None:
                required = max(required, float(failed["t_start"]) - float(previous["t_end"]))
            ok = gap + TOLERANCE_S >= required
            reason = f"Retry-After: {waited:g}" if waited is not None else "tanpa Retry-After / no Retry-After"
            outcomes.append(_outcome(
                "client:retry_backoff", retry, ok, "" if ok else
                f"{retry['method']} {retry['path']} diulang {gap:.2f} s setelah {_signal(failed)} ({reason}); "
                f"minimal {required:.2f} s / retried {gap:.2f} s after {_signal(failed)}; at least {required:.2f} s"))
    return outcomes


def _signal(exchange: dict[str, Any]) -> str:
    response = exchange.get("response") or {}
    return f"HTTP {response['status']}" if response.get("status") else str(response.get("outcome"))


@client_check("client:paged_to_end")
def paged_to_end(analysis: Analysis) -> list[ClientOutcome]:
    outcomes = []
    for index, exchange in enumerate(analysis.exchanges):
        link = summary(exchange).get("next_page_url") if delivered_ok(exchange) else None
        if "next_page_url" not in summary(exchange) or not delivered_ok(exchange):
            continue
        if not link:
            outcomes.append(_outcome("client:paged_to_end", exchange, True))
            continue
        path, page = page_of_url(str(link))
        fetched = any(later.get("path") == path and request_page(later) == page and delivered_ok(later)
                      for later in analysis.exchanges[index + 1:])
        outcomes.append(_outcome("client:paged_to_end", exchange, fetched, "" if fetched else
                                 f"{path}: next_page_url menunjuk halaman {page}, tetapi klien tidak pernah "
                                 f"mengambilnya / next_page_url points at page {page}, never fetched"))
    return outcomes


@client_check("client:reroute_target_listed")
def reroute_target_listed(analysis: Analysis) -> list[ClientOutcome]:
    listed = set(analysis.recording.institutions)
    outcomes = []
    for exchange in analysis.recording.of("rerouteComplaint"):
        reason = json_body(exchange).get("reason")
        if reason is None:
            continue
        ok = str(reason) in listed
        outcomes.append(_outcome("client:reroute_target_listed", exchange, ok, "" if ok else
                                 f"reason={reason}: bukan instansi di daftar /masters/institutions/external / "
                                 f"not an institution of the master list"))
    return outcomes


@client_check("client:poll_interval")
def poll_interval(analysis: Analysis) -> list[ClientOutcome]:
    minimum = float(analysis.recording.limit("min_poll_interval_s", 3600))
    reads: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for exchange in analysis.exchanges:
        operation = exchange.get("operation")
        if exchange.get("listener") != "main" or operation not in ("getComplaint", "listFollowups"):
            continue
        if request_page(exchange) != 1 or not delivered_ok(exchange):
            continue  # later pages belong to the same check; failed reads are retries, judged by back-off
        reads[(operation, str((exchange.get("path_params") or {}).get("complaint_id")))].append(exchange)
    outcomes = []
    for (operation, complaint_id), series in reads.items():
        violations = []
        for earlier, later in zip(series, series[1:]):
            gap = float(later["t_start"]) - float(earlier["t_start"])
            if gap < minimum:
                violations.append(_outcome("client:poll_interval", later, False,
                                           f"{operation} aduan {complaint_id} dibaca lagi {gap:.1f} s setelah "
                                           f"pembacaan sebelumnya; profil mengizinkan paling cepat {minimum:g} s / "
                                           f"read again after {gap:.1f} s; the profile allows {minimum:g} s"))
        outcomes.extend(violations or [_outcome("client:poll_interval", series[-1], True)])
    return outcomes


def identity_findings(text: str, names: list[str]) -> list[str]:
    found = []
    if NIK.search(text):
        found.append("NIK (16 digit)")
    if PHONE.search(text):
        found.append("nomor telepon / phone number")
    if EMAIL.search(text):
        found.append("e-mail")
    lowered = text.lower()
    if any(len(name) >= 4 and name.lower() in lowered for name in names):
        found.append("nama pelapor / reporter's name")
    return found


@client_check("client:anonymous_without_identity")
def anonymous_without_identity(analysis: Analysis) -> list[ClientOutcome]:
    outcomes = []
    anonymous_ids = {str(c["id"]) for c in analysis.recording.complaints if c.get("is_anonymous")}
    names_by_complaint: dict[str, list[str]] = {}
    for exchange in analysis.recording.of("createComplaint"):
        body = json_body(exchange)
        if body.get("is_anonymous") is not True:
            continue
        names = [str(body[key]) for key in ("nameUser",) if body.get(key)]
        processed = ((exchange.get("processed") or {}).get("summary") or {}).get("complaint_id")
        if processed:
            anonymous_ids.add(str(processed))
            names_by_complaint[str(processed)] = names
        problems = [f"{field}: {', '.join(kinds)}" for field in FREE_TEXT_FIELDS
                    if isinstance(body.get(field), str) and (kinds := identity_findings(body[field], names))]
        outcomes.append(_outcome("client:anonymous_without_identity", exchange, not problems, "" if not problems else
                                 "aduan anonim memuat identitas pelapor di teks bebas — " + "; ".join(problems)
                                 + " / an anonymous complaint carries the reporter's identity in free text"))
    for exchange in analysis.recording.of("addFollowup"):
        fields = text_parts(exchange)
        complaint_id = fields.get("complaint_id", "")
        if complaint_id not in anonymous_ids:
            continue
        names = names_by_complaint.get(complaint_id, [])
        problems = [f"{field}: {', '.join(kinds)}" for field in ("content", "info_disposition")
                    if (kinds := identity_findings(fields.get(field, ""), names))]
        outcomes.append(_outcome("client:anonymous_without_identity", exchange, not problems, "" if not problems else
                                 f"tanggapan atas aduan anonim {complaint_id} memuat identitas — " + "; ".join(problems)
                                 + " / a reply to an anonymous complaint carries the reporter's identity"))
    return outcomes


@client_check("client:within_limits")
def within_limits(analysis: Analysis) -> list[ClientOutcome]:
    recording = analysis.recording
    max_chars = int(recording.limit("content_max_chars", 1000))
    max_files = int(recording.limit("attachments_max", 5))
    max_bytes = int(recording.limit("attachment_max_bytes", 5 * 1024 * 1024))
    extensions = {e.lower() for e in recording.limit("attachment_extensions", ["jpg", "jpeg", "png", "pdf", "doc", "docx"])}
    outcomes = []
    for exchange in analysis.exchanges:
        if exchange.get("operation") not in ("addFollowup", "uploadAttachments") or exchange.get("parts") is None:
            continue
        problems = []
        if exchange["operation"] == "addFollowup":
            content = next((p for p in exchange["parts"] if p["name"] == "content" and p.get("php_kept")
                            and not p.get("filename")), None)
            if content and int(content.get("length", 0)) > max_chars:
                problems.append(f"content {content['length']} karakter > {max_chars} / characters")
        files = file_parts(exchange)
        if len(files) > max_files:
            problems.append(f"{len(files)} berkas > {max_files} / files")
        for part in files:
            extension = part["filename"].rsplit(".", 1)[-1].lower() if "." in part["filename"] else ""
            if int(part.get("size", 0)) > max_bytes:
                problems.append(f"{part['filename']}: {part['size']} byte > {max_bytes}")
            if extension not in extensions:
                problems.append(f"{part['filename']}: ekstensi `{extension}` tidak diizinkan / extension not allowed")
        outcomes.append(_outcome("client:within_limits", exchange, not problems, "; ".join(problems)))
    return outcomes


@client_check("client:survives_unusual_responses")
def survives_unusual_responses(analysis: Analysis) -> list[ClientOutcome]:
    outcomes = []
    broken_episodes = set()
    for exchange in analysis.exchanges:
        if exchange["seq"] not in analysis.survival_owned:
            continue
        broken_episodes.add(exchange.get("episode"))
        errors = analysis.invalid_errors(exchange)
        shown = "; ".join(f"{field}: {messages[0]}" for field, messages in list(errors.items())[:2])
        outcomes.append(_outcome("client:survives_unusual_responses", exchange, False,
                                 f"setelah jawaban tidak biasa/gangguan di episode {exchange.get('episode')}, "
                                 f"permintaan menjadi tidak valid: {exchange['method']} {exchange['path']} — {shown} / "
                                 "after an unusual answer or a fault, the request became invalid"))
    for episode in analysis.recording.episodes:
        name = (episode.get("scenario") or {}).get("name", "")
        for flow in episode.get("flows") or []:
            if flow.get("ok"):
                continue
            broken_episodes.add(episode["number"])
            where = "bahkan tanpa gangguan / even without faults" if not episode.get("varied") else name
            outcomes.append(ClientOutcome("client:survives_unusual_responses", False, f"flow:{flow.get('label')}",
                                          f"alur {flow.get('label')} gagal di episode {episode['number']} ({where}): "
                                          f"{str(flow.get('detail'))[:400]} / the {flow.get('label')} flow failed",
                                          int(episode["number"]), 0))
    active = {exchange.get("episode") for exchange in analysis.exchanges}  # an episode without traffic proves nothing
    for episode in analysis.recording.episodes:
        if (episode.get("varied") and episode["number"] not in broken_episodes and episode.get("flows")
                and episode["number"] in active):
            outcomes.append(ClientOutcome("client:survives_unusual_responses", True,
                                          f"episode:{(episode.get('scenario') or {}).get('name', '')}", "",
                                          int(episode["number"]), 0))
    return outcomes


@client_check("client:credentials_within_origin")
def credentials_within_origin(analysis: Analysis) -> list[ClientOutcome]:
    recording = analysis.recording
    foreign_origin = recording.foreign_base_url.split("/integration/")[0] if recording.foreign_base_url else ""
    outcomes = []
    leaked = False
    for exchange in recording.foreign:
        state = exchange.get("credentials") or {}
        carried = [name for name, flag in (("kunci bearer / bearer key", state.get("carries_key")),
                                           ("token", state.get("carries_token"))) if flag]
        leaked = leaked or bool(carried)
        outcomes.append(_outcome("client:credentials_within_origin", exchange, not carried, "" if not carried else
                                 f"{exchange['method']} {foreign_origin}{exchange['path']} menerima "
                                 f"{' dan '.join(carried)} — origin ini bukan base URL yang dikonfigurasi / "
                                 "received credentials outside the configured origin"))
    if not leaked:
        for exchange in recording.main:
            link = summary(exchange).get("next_page_url") if delivered_ok(exchange) else None
            if isinstance(link, str) and foreign_origin and link.startswith(foreign_origin):
                outcomes.append(_outcome("client:credentials_within_origin", exchange, True))
    return outcomes


@client_check("client:multipart_file_parts")
def multipart_file_parts(analysis: Analysis) -> list[ClientOutcome]:
    outcomes = []
    for exchange in analysis.exchanges:
        problems = analysis.multipart.get(exchange["seq"])
        if problems is None:
            continue
        outcomes.append(_outcome("client:multipart_file_parts", exchange, not problems,
                                 f"{exchange['method']} {exchange['path']} — " + "; ".join(problems) if problems else ""))
    return outcomes


def evaluate(recording: Recording, openapi: dict[str, Any], names: list[str] | None = None) -> dict[str, list[ClientOutcome]]:
    analysis = Analysis(recording, openapi)
    return {name: check(analysis) for name, check in registered_client_checks().items()
            if names is None or name in names}
