"""The bundle's zip layout: one canonical form, written and read strictly by this module.

Every entry is STORED (no compression), with fixed metadata (1980-01-01 00:00, mode 0644, no
extra fields, no comments), in name order, back to back, then the central directory, then the
end record. Any zip tool opens it. Because there is exactly one valid byte sequence for a given
set of files, `read_canonical` can account for every byte: a changed byte in a header fails the
layout check, a changed byte in a file's data fails its checksum (and the manifest digest).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

LOCAL = struct.Struct("<4sHHHHHIIIHH")        # 30 bytes
CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")  # 46 bytes
END = struct.Struct("<4sHHHHIIH")              # 22 bytes
LOCAL_SIG, CENTRAL_SIG, END_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
VERSION_MADE_BY = (3 << 8) | 20   # unix, zip 2.0
VERSION_NEEDED = 20
DOS_TIME, DOS_DATE = 0, (0 << 9) | (1 << 5) | 1   # 1980-01-01 00:00:00
EXTERNAL_ATTR = 0o100644 << 16
MAX_ENTRIES = 0xFFFF
MAX_SIZE = 0xFFFFFFFF


class LayoutError(ValueError):
    """The file is not a canonical bundle; `where` names the entry (or the part of the zip)."""

    def __init__(self, where: str, detail: str) -> None:
        super().__init__(f"{where}: {detail}")
        self.where = where
        self.detail = detail


@dataclass(frozen=True)
class Entry:
    name: str
    data: bytes


def valid_name(name: str) -> bool:
    parts = name.split("/")
    return (bool(name) and name.isascii() and not name.startswith("/") and "\\" not in name
            and all(part not in ("", ".", "..") for part in parts))


def build(files: dict[str, bytes]) -> bytes:
    """The canonical zip bytes for `files` (name -> content)."""
    if len(files) > MAX_ENTRIES:
        raise ValueError("too many files for a bundle")
    body, directory = bytearray(), bytearray()
    for name in sorted(files):
        if not valid_name(name):
            raise ValueError(f"not a portable entry name: {name!r}")
        data = files[name]
        if len(data) > MAX_SIZE or len(body) > MAX_SIZE:
            raise ValueError("bundle too large for the canonical zip form")
        raw_name = name.encode("ascii")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        offset = len(body)
        body += LOCAL.pack(LOCAL_SIG, VERSION_NEEDED, 0, 0, DOS_TIME, DOS_DATE, crc, len(data), len(data),
                           len(raw_name), 0) + raw_name + data
        directory += CENTRAL.pack(CENTRAL_SIG, VERSION_MADE_BY, VERSION_NEEDED, 0, 0, DOS_TIME, DOS_DATE, crc,
                                  len(data), len(data), len(raw_name), 0, 0, 0, 0, EXTERNAL_ATTR, offset) + raw_name
    end = END.pack(END_SIG, 0, 0, len(files), len(files), len(directory), len(body), 0)
    return bytes(body + directory + end)


def read_canonical(blob: bytes) -> list[Entry]:
    """The entries of a canonical bundle; LayoutError for any deviation from `build`'s form."""
    if len(blob) < END.size or blob[-END.size:-END.size + 4] != END_SIG:
        raise LayoutError("zip", "no end-of-archive record at the end of the file (damaged, truncated or "
                                 "bytes appended)")
    _, disk, cd_disk, count_here, count, cd_size, cd_offset, comment = END.unpack(blob[-END.size:])
    if (disk, cd_disk, comment) != (0, 0, 0) or count_here != count:
        raise LayoutError("zip", "end-of-archive record changed")
    if cd_offset + cd_size + END.size != len(blob):
        raise LayoutError("zip", "central directory size or position changed")
    entries: list[Entry] = []
    position, offset = cd_offset, 0
    for index in range(count):
        header = blob[position:position + CENTRAL.size]
        if len(header) < CENTRAL.size:
            raise LayoutError("zip", f"central directory entry {index + 1} cut short")
        (sig, made_by, needed, flags, method, time_, date, crc, csize, usize, name_len, extra_len, comment_len,
         disk_start, internal, external, local_offset) = CENTRAL.unpack(header)
        raw_name = blob[position + CENTRAL.size:position + CENTRAL.size + name_len]
        name = raw_name.decode("ascii", "replace")
        where = name if valid_name(name) else f"zip entry {index + 1}"
        expected = (CENTRAL_SIG, VERSION_MADE_BY, VERSION_NEEDED, 0, 0, DOS_TIME, DOS_DATE, csize, 0, 0, 0, 0,
                    EXTERNAL_ATTR, offset)
        found = (sig, made_by, needed, flags, method, time_, date, usize, extra_len, comment_len, disk_start,
                 internal, external, local_offset)
        if found != expected or not valid_name(name):
            raise LayoutError(where, "central directory entry changed")
        position += CENTRAL.size + name_len
        local = blob[offset:offset + LOCAL.size]
        if len(local) < LOCAL.size or LOCAL.unpack(local) != (LOCAL_SIG, VERSION_NEEDED, 0, 0, DOS_TIME, DOS_DATE, crc,
                                                             csize, usize, name_len, 0):
            raise LayoutError(where, "local file header changed")
        if blob[offset + LOCAL.size:offset + LOCAL.size + name_len] != raw_name:
            raise LayoutError(where, "file name in the local header changed")
        start = offset + LOCAL.size + name_len
        data = blob[start:start + csize]
        if len(data) != csize or start + csize > cd_offset:
            raise LayoutError(where, "file data cut short")
        if zlib.crc32(data) & 0xFFFFFFFF != crc:
            raise LayoutError(where, "content changed (checksum mismatch)")
        if entries and name <= entries[-1].name:
            raise LayoutError(where, "entries out of order or duplicated")
        entries.append(Entry(name, data))
        offset = start + csize
    if offset != cd_offset or position != cd_offset + cd_size:
        raise LayoutError("zip", "unaccounted bytes between the files and the central directory")
    return entries
