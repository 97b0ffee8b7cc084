"""multipart/form-data read the way PHP reads it (LAPOR answers like a Laravel back end).

Two PHP rules matter to a LAPOR client:
- a part is a *file* only when its Content-Disposition carries `filename=`; without it the bytes
  become a text field, and a field that must be a file is then missing;
- a bare name (no `[]` / `[i]`) sent more than once keeps only the **last** part: `attachments`
  sent three times arrives as one file. Only `name[]` or `name[0]`, `name[1]` build a list.

`parse()` splits a body into its parts without interpreting them; `php_view()` applies the rules
and returns the body PHP would see (re-encoded with the same boundary) plus what was dropped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

_PARAM = re.compile(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
TEXT_KEEP = 20000  # characters of a text part kept in the record (content maxLength is 5000)


@dataclass
class Part:
    name: str
    filename: str | None          # None: no filename= parameter at all (PHP: a text field)
    content_type: str | None
    data: bytes
    raw: bytes = field(repr=False, default=b"")  # the part as sent, headers included

    @property
    def is_file(self) -> bool:
        """PHP: a file upload needs a non-empty filename (an empty one means "no file chosen")."""
        return bool(self.filename)

    @property
    def bare(self) -> bool:
        return "[" not in self.name

    def describe(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "filename": self.filename, "content_type": self.content_type,
                                 "size": len(self.data)}
        if self.is_file:
            entry["sha256"] = hashlib.sha256(self.data).hexdigest()
        else:
            text = self.data.decode("utf-8", "replace")
            entry["text"] = text[:TEXT_KEEP]
            entry["length"] = len(text)
        return entry


def boundary_of(content_type: str) -> str | None:
    if not content_type.lower().startswith("multipart/"):
        return None
    for name, value in _PARAM.findall(content_type):
        if name.lower() == "boundary":
            return _unquote(value.strip())
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def _disposition(headers: dict[str, str]) -> tuple[str | None, str | None]:
    value = headers.get("content-disposition", "")
    name = filename = None
    for key, raw in _PARAM.findall(";" + value.split(";", 1)[1] if ";" in value else ""):
        key = key.lower()
        if key == "name":
            name = _unquote(raw.strip())
        elif key == "filename":
            filename = _unquote(raw.strip())
    return name, filename


def parse(body: bytes, content_type: str) -> list[Part] | None:
    """The parts in order, or None when the body is not well-formed multipart."""
    boundary = boundary_of(content_type)
    if not boundary:
        return None
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        return None
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        head, separator, data = chunk.partition(b"\r\n\r\n")
        if not separator:
            return None
        headers = {}
        for line in head.decode("latin-1").split("\r\n"):
            if ":" in line:
                key, value = line.split(":", 1)
                headers[key.strip().lower()] = value.strip()
        name, filename = _disposition(headers)
        if name is None:
            return None
        parts.append(Part(name, filename, headers.get("content-type"), data,
                          delimiter + b"\r\n" + chunk + b"\r\n"))
    return parts


@dataclass
class PhpView:
    body: bytes
    parts: list[Part]           # what PHP keeps, in order
    dropped: list[str]          # bare names whose earlier parts PHP discards
    changed: bool
    sent: list[Part] = field(default_factory=list)        # every part as sent
    kept: list[bool] = field(default_factory=list)        # per sent part: does PHP keep it?

    def describe(self) -> list[dict[str, Any]]:
        return [dict(part.describe(), php_kept=kept) for part, kept in zip(self.sent, self.kept)]


def php_view(body: bytes, content_type: str) -> PhpView | None:
    parts = parse(body, content_type)
    if parts is None:
        return None
    last_index: dict[str, int] = {}
    for index, part in enumerate(parts):
        if part.bare:
            last_index[part.name] = index
    keep = [not part.bare or last_index[part.name] == index for index, part in enumerate(parts)]
    kept = [part for part, wanted in zip(parts, keep) if wanted]
    dropped = sorted({part.name for part, wanted in zip(parts, keep) if not wanted})
    if len(kept) == len(parts):
        return PhpView(body, parts, [], False, parts, keep)
    boundary = boundary_of(content_type) or ""
    rebuilt = b"".join(part.raw for part in kept) + b"--" + boundary.encode("latin-1") + b"--\r\n"
    return PhpView(rebuilt, kept, dropped, True, parts, keep)
