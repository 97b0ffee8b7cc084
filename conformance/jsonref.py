"""Local JSON references (`#/components/schemas/X`) inside one OpenAPI document: the spec packs use no others."""

from __future__ import annotations

from typing import Any

MAX_HOPS = 32  # a $ref chain longer than this is a cycle


def follow(document: Any, reference: str) -> Any:
    """The node a local reference or JSON pointer names (KeyError/IndexError when it names nothing)."""
    node = document
    pointer = reference.split("#", 1)[-1].strip("/")
    for part in pointer.split("/") if pointer else []:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def resolve(document: Any, node: Any) -> Any:
    """Follow `$ref`s from `node` until a node without one."""
    for _ in range(MAX_HOPS):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            break
        node = follow(document, node["$ref"])
    return node


def escape(part: str) -> str:
    """One JSON-pointer segment."""
    return part.replace("~", "~0").replace("/", "~1")
