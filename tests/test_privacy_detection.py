"""Identity detection behind LAPOR-PRIV-001: the reporter fields sent, reformatted, and Indonesian patterns."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

import ast
from pathlib import Path

from conformance.checks.privacy import identity_leaks, name_tokens, phone_core

REPORTER = {"nameUser": "Siti Rahayu", "emailUser": "siti.rahayu123@pelapor.example", "phoneUser": "+6281234567890"}


def test_the_fields_sent_are_found_anywhere_in_the_answer():
    body = {"results": {"data": {"reporter": {"name": "SITI RAHAYU", "email": "Siti.Rahayu123@pelapor.example"}}}}
    leaks = identity_leaks(body, REPORTER)
    assert any("reporter name" in leak for leak in leaks)
    assert any("reporter e-mail" in leak for leak in leaks)


def test_a_reformatted_phone_number_is_still_the_reporters():
    for shown in ("081234567890", "+62 812-3456-7890", "62 812 3456 7890", "0812.3456.7890"):
        leaks = identity_leaks({"results": {"data": {"content": f"hubungi {shown}"}}}, REPORTER)
        assert any("reporter phone" in leak for leak in leaks), shown


def test_identity_patterns_are_found_without_knowing_the_reporter():
    body = {"results": {"data": {"content": "NIK 3171234567890123, hp 0857-1111-2222, surel budi@contoh.go.id"}}}
    leaks = " ".join(identity_leaks(body, {}))
    assert "NIK" in leaks and "phone" in leaks and "e-mail" in leaks
    assert "3171234567890123" not in leaks  # the report never repeats a found identity in full


def test_the_fields_sent_are_found_in_ids_paths_and_urls_too():
    body = {"results": {"data": {"reporter_id": "0812-3456-7890", "id": "Siti+Rahayu",
                                 "path": "https://x.example/p?surel=siti.rahayu123%40pelapor.example"}}}
    leaks = identity_leaks(body, REPORTER)
    assert "results.data.reporter_id: telepon pelapor / reporter phone" in leaks
    assert "results.data.id: nama pelapor / reporter name" in leaks  # URL-decoded (`+` is a space)
    assert "results.data.path: e-mail pelapor / reporter e-mail" in leaks


def test_the_fields_sent_are_found_in_headers_and_in_a_raw_body():
    headers = [("Content-Type", "application/json"), ("X-Reporter", "siti.rahayu123%40pelapor.example")]
    assert identity_leaks({}, REPORTER, "{}", headers) == ["header X-Reporter: e-mail pelapor / reporter e-mail"]
    assert identity_leaks(None, REPORTER, "<p>Pelapor: Siti  Rahayu</p>") == ["(body): nama pelapor / reporter name"]
    number = identity_leaks({"n": 6281234567890}, REPORTER, '{"n": 6281234567890}')  # a JSON number: its path
    assert number == ["n: telepon pelapor / reporter phone"]
    key = identity_leaks({"6281234567890": 1}, REPORTER, '{"6281234567890": 1}')  # a key: only the raw body
    assert key == ["(body): telepon pelapor / reporter phone"]


def test_a_leak_is_named_once_where_it_is_and_never_in_full():
    body = {"results": {"data": {"content": "hubungi siti.rahayu123@pelapor.example"}}}
    for raw in (json.dumps(body), json.dumps(body).replace("@", "\\u0040")):  # as sent, or JSON-escaped
        leaks = identity_leaks(json.loads(raw), REPORTER, raw)
        assert leaks == ["results.data.content: e-mail pelapor / reporter e-mail"], raw  # not again as `(body)`
    assert not any("siti" in leak.lower() or "81234567890" in leak for leak in leaks)


def test_identity_patterns_are_not_looked_for_in_ids_urls_or_headers():
    body = {"results": {"data": {"reporter_id": "3171234567890123", "path": "https://x.example/u/budi@contoh.go.id"}}}
    assert identity_leaks(body, {}, "", [("X-Request-Id", "3171234567890123"), ("X-Contact", "0857-1111-2222")]) == []


def test_ids_timestamps_and_urls_are_not_identity():
    body = {"results": {"data": {
        "id": "3171234567890123", "disposition_id": "12838", "created_at": "31-01-2025 14:05:00",
        "status_logs": [{"timestamp": "08-02-2025 08:12:34", "note": "Laporan diterima 10000100"}],
        "attachments": [{"path": "http://127.0.0.1:8750/storage/followups/7000001/attachment[0].png"}],
        "title": "Jalan berlubang di Jalan Khatib Sulaiman LCMAB12XQ"}, "next_page_url": None}}
    assert identity_leaks(body, {}) == []


@settings(max_examples=200, deadline=None)
@given(st.text("0123456789", min_size=8, max_size=10), st.sampled_from(["+628", "628", "08"]))
def test_phone_numbers_normalise_to_the_same_national_number(digits, prefix):
    assert phone_core(prefix + digits) == "8" + digits
    assert phone_core("+62 8" + digits) == "8" + digits


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["jalan", "lampu", "padam", "antrean", "layanan", "Padang", "2025", "#lapor"]),
                max_size=12).map(" ".join))
def test_ordinary_complaint_text_is_not_identity(text):
    assert identity_leaks({"results": {"data": {"content": text}}}, {}) == []


def test_a_nik_sent_as_a_json_number_is_found_but_not_an_id_or_a_flag():
    body = {"results": {"data": {"user": {"nik": 3171010010000100, "is_verified": True}}}}
    leaks = identity_leaks(body, {})
    assert leaks == ["results.data.user.nik: pola NIK / NIK pattern `317…00`"]
    ids = {"results": {"data": {"id": 3171010010000100, "user_id": 3171010010000100, "doc_ids": [3171010010000100],
                                "attachments": [7000001], "total": 12, "is_anonymous": True}}}
    assert identity_leaks(ids, {}) == []


SPLIT = "results.data.pelapor.namadepan, results.data.pelapor.namabelakang: nama pelapor terpisah (2 bagian) / " \
        "reporter name split (2 parts)"


def test_a_name_split_into_first_and_last_is_the_reporters_name():
    body = {"results": {"data": {"pelapor": {"namadepan": "siti", "namabelakang": "RAHAYU"}}}}
    assert identity_leaks(body, REPORTER) == [SPLIT]
    assert not any("Siti" in leak or "Rahayu" in leak for leak in identity_leaks(body, REPORTER))
    in_text = {"results": {"data": {"a": "Pelapor: Rahayu", "b": "oleh Siti."}}}  # whole words of free text
    assert identity_leaks(in_text, REPORTER) == ["results.data.b, results.data.a: nama pelapor terpisah (2 bagian) / "
                                                 "reporter name split (2 parts)"]
    page = identity_leaks(None, REPORTER, "<td>Siti</td><td>Rahayu</td>")  # not JSON: the raw body
    assert page == ["(body): nama pelapor terpisah (2 bagian) / reporter name split (2 parts)"]


def test_a_split_name_needs_every_part_as_a_whole_word():
    assert identity_leaks({"a": "Siti"}, REPORTER) == []  # one part is no name
    assert identity_leaks({"a": "Sitinjak", "b": "Rahayuningsih"}, REPORTER) == []  # inside other words
    whole = identity_leaks({"a": "Siti Rahayu", "b": "Siti"}, REPORTER)
    assert whole == ["a: nama pelapor / reporter name"]  # the whole name says it already
    assert name_tokens({"nameUser": "M Yusuf"}) == []  # one token of 3+ characters: too common alone
    assert name_tokens({"nameUser": "Ahmad M Yusuf"}) == ["Ahmad", "Yusuf"]


def test_the_model_never_writes_a_reporter_name_part_into_complaint_text():
    """The split-name search relies on it: the words the model puts in titles and contents are no name part."""
    tree = ast.parse((Path(__file__).parent.parent / "suites" / "provider" / "test_lifecycle.py").read_text())
    lists = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
             if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
             and node.targets[0].id in ("WORDS", "FIRST_NAMES", "LAST_NAMES")}
    names = {name.lower() for name in lists["FIRST_NAMES"] + lists["LAST_NAMES"]}
    assert names and not names & {word.lower() for word in lists["WORDS"]}
