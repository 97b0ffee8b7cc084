"""Load a profile: YAML with line numbers, JSON Schema validation, defaults, typed dataclasses.

`load_profile(path)` returns a frozen `Profile` or raises `ProfileError` naming file, line and
field (see diagnostics.py for how schema errors become messages). It never resolves secrets:
that is `secrets.resolve_credentials()`.
"""

from __future__ import annotations

import copy
import datetime
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from conformance.errors import ProfileError
from conformance.i18n import catalogue, t

SCHEMA_PATH = Path(__file__).with_name("schema.json")
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    institution_id: str | None = None


@dataclass(frozen=True)
class Target:
    base_url: str

    @property
    def is_simulator(self) -> bool:
        return self.base_url == "simulator"


@dataclass(frozen=True)
class AuthRefs:
    """Header name plus *references* (`${LAPOR_API_KEY}`), never values."""

    api_key: str
    token: str
    bearer_header: str = "Authorization"
    second_institution: SecondInstitution | None = None


@dataclass(frozen=True)
class SecondInstitution:
    """Another institution's credentials (references only), for object-level authorisation checks."""

    institution_id: str
    api_key: str
    token: str


@dataclass(frozen=True)
class Fixtures:
    complaint_id: str | None = None
    institution_id: str | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class Budget:
    max_examples: int = 20
    max_time_s: int = 600
    seed: int = 20240601
    stateful: bool = True
    # Seconds Hypothesis may spend shrinking a failing lifecycle sequence. Every shrink attempt replays a
    # sequence of writes, so the default is on only for a loopback target (the simulator, a local server).
    shrink_s: int = 0


@dataclass(frozen=True)
class Waiver:
    requirement: str
    reason: str
    approver: str
    expires: datetime.date


@dataclass(frozen=True)
class Profile:
    version: int
    agency: Agency
    spec_pack: str
    environment: str
    target: Target
    auth: AuthRefs
    fixtures: Fixtures
    budget: Budget
    suites: tuple[str, ...]
    lang: str
    waivers: tuple[Waiver, ...]
    client: Mapping[str, Any] = field(compare=False)
    source_path: Path = field(compare=False)
    raw: dict[str, Any] = field(compare=False, repr=False)   # the mapping as written, no defaults
    sha256: str = ""                                          # of the file's bytes
    mode: str = "self-check"
    policy: str | None = None
    collective_leave: tuple[datetime.date, ...] = ()
    assessment: Mapping[str, Any] = field(compare=False, default_factory=dict)
    _lines: Mapping[str, int] = field(compare=False, repr=False, default_factory=dict)
    _effective: Mapping[str, Any] = field(compare=False, repr=False, default_factory=dict)

    def has(self, dotted: str) -> bool:
        """Whether the profile file itself gives the field `auth.second_institution` (defaults do not count)."""
        node: Any = self.raw
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or node.get(part) in (None, "", [], {}):
                return False
            node = node[part]
        return True

    def line_of(self, field_path: str) -> int | None:
        """Line of `auth.api_key`, `/auth/api_key`, `suites[0]` or `suites.0`; if that field is
        absent, the line of its nearest present ancestor; None when nothing matches."""
        path = normalise_path(field_path)
        while True:
            if path in self._lines:
                return self._lines[path]
            if not path:
                return None
            path = _parent(path)

    def as_dict(self) -> dict[str, Any]:
        """The effective profile (defaults applied) as plain data. Holds references, no secrets."""
        return copy.deepcopy(dict(self._effective))


def load_profile(path: str | Path) -> Profile:
    shown = str(path)
    source = Path(path)
    data_bytes = _read(source, shown)
    text = _decode(data_bytes, shown)
    data, lines = _parse(text, shown)
    if data is None:
        raise ProfileError("profile.error.empty", file=shown, line=None, field="")
    if not isinstance(data, dict):
        kind = _json_type(data)  # "not an array", "not a string": the type with its article, in words
        raise ProfileError("profile.error.not_mapping", file=shown, line=lines.get("", 1), field="",
                           seen=t(f"profile.type.{kind}") if f"profile.type.{kind}" in catalogue() else kind)
    from conformance.profiles.diagnostics import first_problem

    problem = first_problem(validator().iter_errors(data), lines, shown)
    if problem is not None:
        raise problem
    effective = apply_defaults(copy.deepcopy(data), schema())
    return _build(effective, raw=data, source=source, digest=hashlib.sha256(data_bytes).hexdigest(),
                  lines=lines)


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def apply_defaults(instance: Any, node: Mapping[str, Any]) -> Any:
    """Fill in every `default` the schema declares, recursively through present objects."""
    if not isinstance(instance, dict):
        return instance
    for name, sub in node.get("properties", {}).items():
        if name not in instance and "default" in sub:
            instance[name] = copy.deepcopy(sub["default"])
        if name in instance:
            apply_defaults(instance[name], sub)
    return instance


# -- field paths ----------------------------------------------------------------------------------

def join_path(parent: str, key: object) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else str(key)


def path_of(parts: Any) -> str:
    """A jsonschema error path (deque of keys and indexes) -> `waivers[0].expires`."""
    path = ""
    for part in parts:
        path = join_path(path, part)
    return path


def normalise_path(field_path: str) -> str:
    text = field_path.strip()
    parts = [p for p in text.strip("/").split("/")] if text.startswith("/") else None
    if parts is None:
        parts = [p for p in re.split(r"\.|(?=\[)", text) if p]
    path = ""
    for part in parts:
        index = part[1:-1] if part.startswith("[") and part.endswith("]") else part
        path = join_path(path, int(index) if index.isdigit() and path else index)
    return path


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


# -- reading and parsing --------------------------------------------------------------------------

def _read(source: Path, shown: str) -> bytes:
    if source.is_dir():
        raise ProfileError("profile.error.is_directory", file=shown, line=None, field="")
    if not source.exists():
        raise ProfileError("profile.error.not_found", file=shown, line=None, field="")
    try:
        return source.read_bytes()
    except OSError as error:
        raise ProfileError("profile.error.unreadable", file=shown, line=None, field="",
                           reason=error.strerror or type(error).__name__) from None


def _decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ProfileError("profile.error.encoding", file=shown, line=line, field="",
                           offset=error.start) from None


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text (`expires: 2025-12-31` stays "2025-12-31")."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _parse(text: str, shown: str) -> tuple[Any, dict[str, int]]:
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[str, int] = {"": node.start_mark.line + 1}
        _walk(node, "", lines, set(), shown)
        return loader.construct_document(node), lines
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = ": ".join(p for p in (error.context, error.problem) if p) or type(error).__name__
        key = "profile.error.yaml_tab" if "\\t" in problem or "tab" in problem.lower() else \
            "profile.error.yaml_syntax"
        raise ProfileError(key, file=shown, line=mark.line + 1 if mark else None, field="",
                           column=mark.column + 1 if mark else "?", problem=problem) from None
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        raise ProfileError("profile.error.yaml_syntax", file=shown, line=before.count("\n") + 1, field="",
                           column=len(before) - before.rfind("\n"),
                           problem=f"{error.reason} (#x{error.character:04x})") from None
    except yaml.YAMLError as error:
        raise ProfileError("profile.error.yaml_syntax", file=shown, line=None, field="", column="?",
                           problem=type(error).__name__) from None
    except RecursionError:
        raise ProfileError("profile.error.yaml_syntax", file=shown, line=None, field="", column="?",
                           problem="nesting too deep") from None
    finally:
        if loader is not None:
            loader.dispose()


def _walk(node: yaml.Node, path: str, lines: dict[str, int], seen: set[int], shown: str) -> None:
    """Record the line of every key and list item; refuse duplicate keys (YAML would keep the last)."""
    if id(node) in seen:  # an alias: walked once already (also stops alias bombs and cycles)
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in merged:
                    _walk(source, path, lines, seen, shown)
                continue
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            child = join_path(path, key)
            line = key_node.start_mark.line + 1
            if key in first_seen:
                raise ProfileError("profile.error.duplicate_key", file=shown, line=line, field=child,
                                   first_line=first_seen[key])
            first_seen[key] = line
            lines[child] = line
            _walk(value_node, child, lines, seen, shown)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = join_path(path, index)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, seen, shown)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


# -- typed result ---------------------------------------------------------------------------------

LOOPBACK_SHRINK_S = 60


def _default_shrink_s(base_url: str) -> int:
    from conformance.loopback import is_loopback_url

    return LOOPBACK_SHRINK_S if base_url == "simulator" or is_loopback_url(base_url) else 0


def _build(data: dict[str, Any], *, raw: dict[str, Any], source: Path, digest: str,
           lines: dict[str, int]) -> Profile:
    agency, auth, fixtures, budget = data["agency"], data["auth"], data["fixtures"], data["budget"]
    return Profile(
        version=int(data["version"]),
        agency=Agency(code=agency["code"], name=agency["name"], institution_id=agency.get("institution_id")),
        spec_pack=data["spec_pack"],
        environment=data["environment"],
        target=Target(base_url=data["target"]["base_url"]),
        auth=AuthRefs(api_key=auth["api_key"], token=auth["token"], bearer_header=auth["bearer_header"],
                      second_institution=SecondInstitution(**auth["second_institution"])
                      if auth.get("second_institution") else None),
        fixtures=Fixtures(complaint_id=fixtures.get("complaint_id"),
                          institution_id=fixtures.get("institution_id"),
                          user_id=None if fixtures.get("user_id") is None else int(fixtures["user_id"])),
        budget=Budget(max_examples=int(budget["max_examples"]), max_time_s=int(budget["max_time_s"]),
                      seed=int(budget["seed"]), stateful=bool(budget["stateful"]),
                      shrink_s=int(budget["shrink_s"]) if "shrink_s" in budget
                      else _default_shrink_s(data["target"]["base_url"])),
        suites=tuple(data["suites"]),
        lang=data["lang"],
        waivers=tuple(Waiver(requirement=w["requirement"], reason=w["reason"], approver=w["approver"],
                             expires=datetime.date.fromisoformat(w["expires"])) for w in data["waivers"]),
        client=MappingProxyType(data["client"]),
        mode=data.get("mode", "self-check"),
        policy=data.get("policy"),
        collective_leave=tuple(datetime.date.fromisoformat(d) for d in (data.get("calendar") or {}).get("cuti_bersama", [])),
        assessment=MappingProxyType(dict(data.get("assessment") or {})),
        source_path=source,
        raw=raw,
        sha256=digest,
        _lines=MappingProxyType(lines),
        _effective=MappingProxyType(data),
    )
