"""Which multipart fields schemathesis sends as files (with `filename=`): every way a spec can say "file"."""

from __future__ import annotations

from conformance.engine.file_parts import with_file_parts
from conformance.specpack import load_pack


def spec(schema: dict, encoding: dict | None = None) -> dict:
    media = {"schema": schema, **({"encoding": encoding} if encoding else {})}
    return {"openapi": "3.1.0", "paths": {"/upload": {"post": {
        "requestBody": {"content": {"multipart/form-data": media}}, "responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {"Doc": {"type": "string", "contentMediaType": "image/jpeg"},
                                   "Extra": {"type": "object", "properties": {"scan": {"contentEncoding": "binary"}}}}}}


def marked(document: dict) -> tuple[dict, dict]:
    result = with_file_parts(document)
    media = result["paths"]["/upload"]["post"]["requestBody"]["content"]["multipart/form-data"]
    return result, media["schema"]


def test_every_declaration_of_a_file_becomes_format_binary():
    document = spec({
        "type": "object",
        "properties": {
            "photo": {"type": "string", "contentMediaType": "image/png"},
            "photos": {"type": "array", "items": {"contentMediaType": "image/png"}},  # item without a type
            "legacy": {"type": "string", "format": "binary"},
            "by_ref": {"$ref": "#/components/schemas/Doc"},
            "declared": {"type": "string"},                       # a file only through `encoding`
            "declared_list": {"type": "array", "items": {"type": "string"}},
            "note": {"type": "string"},                           # text stays text
            "count": {"type": "integer"},
        },
        "allOf": [{"$ref": "#/components/schemas/Extra"}],
    }, encoding={"declared": {"contentType": "application/pdf"}, "declared_list": {"contentType": "image/*"},
                 "note": {"contentType": "text/plain"}})
    result, schema = marked(document)
    props = schema["properties"]
    assert props["photo"]["format"] == "binary"
    assert props["photos"]["items"]["format"] == "binary" and "format" not in props["photos"]
    assert props["legacy"]["format"] == "binary"
    assert result["components"]["schemas"]["Doc"]["format"] == "binary"
    assert props["declared"]["format"] == "binary"
    assert props["declared_list"]["items"]["format"] == "binary"
    assert "format" not in props["note"] and "format" not in props["count"]
    assert result["components"]["schemas"]["Extra"]["properties"]["scan"]["format"] == "binary"
    assert "format" not in document["components"]["schemas"]["Doc"]  # the pack itself is untouched


def test_a_dangling_reference_is_left_for_pack_validation():
    document = spec({"type": "object", "properties": {"photo": {"$ref": "#/components/schemas/Missing"}}})
    _, schema = marked(document)
    assert schema["properties"]["photo"] == {"$ref": "#/components/schemas/Missing"}


def test_the_lapor_pack_uploads_are_files():
    result = with_file_parts(load_pack("lapor-v3").openapi)
    upload = next(item["post"] for item in result["paths"].values()
                  if isinstance(item.get("post"), dict) and item["post"].get("operationId") == "uploadAttachments")
    schema = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    from conformance.jsonref import resolve

    items = resolve(result, resolve(result, schema)["properties"]["attachments[]"]["items"])
    assert items["format"] == "binary"
