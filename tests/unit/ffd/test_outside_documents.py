"""Fiscal documents and FNS facts taken from outside this codebase.

Every file in ``tests/vectors/ffd/outside/`` is one document published by a third party (its
``source`` says where). The bytes are kept exactly as published; ``layout`` says where the document
is inside them and whether the outer STLV header was published (``form: "stlv"``) or only the list of
requisites (``form: "children"``, the header is then rebuilt from ``document_type``).

* ``expected.stated_by_source`` holds only what the source itself says about the bytes;
* ``independent_decode`` holds the requisites as read by a separate struct-based reader written for
  the research (not :mod:`kkt_drivers`), so the comparison is not the decoder checking itself.

``tests/vectors/ffd/outside_fns_facts.json`` holds FNS JSON names, the 2026 VAT tags and the 1199
codes stated by public sources (see ``protocol-notes/ffd/vat-2026.md``).

Some of these tests are expected to fail until the package learns the facts; they are not xfail on
purpose — each failure is a finding.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kkt_drivers.ffd import (
    DocumentType,
    Field,
    FiscalDocument,
    ValueType,
    VatRate,
    decode_document,
    encode_document,
    tag_info,
    to_fns_json,
)

VECTOR_ROOT = Path(__file__).parents[2] / "vectors" / "ffd"
OUTSIDE = VECTOR_ROOT / "outside"
FACTS: dict[str, Any] = json.loads((VECTOR_ROOT / "outside_fns_facts.json").read_text("utf-8"))


def _load_vectors() -> list[dict[str, Any]]:
    vectors = []
    for path in sorted(OUTSIDE.glob("*.json")):
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
        data["_file"] = path.name
        vectors.append(data)
    return vectors


VECTORS = _load_vectors()
IDS = [v["name"] for v in VECTORS]


def _published(vector: dict[str, Any]) -> bytes:
    return bytes.fromhex(vector["tlv_hex"])


def _document_part(vector: dict[str, Any]) -> bytes:
    """The bytes of the document as published (with or without its STLV header, see ``layout.form``)."""
    start, end = vector["layout"]["document"]
    return _published(vector)[start:end]


def _document_stlv(vector: dict[str, Any]) -> bytes:
    """The whole document STLV; a missing header is rebuilt from ``document_type``."""
    part = _document_part(vector)
    if vector["layout"]["form"] == "stlv":
        return part
    header = int(vector["document_type"]).to_bytes(2, "little") + len(part).to_bytes(2, "little")
    return header + part


def _decode(vector: dict[str, Any]) -> FiscalDocument:
    return decode_document(_document_stlv(vector))


def _plain(field: Field) -> Any:
    """A decoded value in the notation of ``independent_decode``."""
    value = field.value
    if isinstance(value, tuple):
        return [[child.tag, _plain(child)] for child in value]
    if not field.info.known:
        return {"unknown_hex": bytes(value).hex() if isinstance(value, bytes) else repr(value)}
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _first_difference(actual: list[Any], expected: list[Any], path: str = "") -> str | None:
    for index, (got, want) in enumerate(zip(actual, expected, strict=False)):
        where = f"{path}/{want[0]}" if isinstance(want, list) else path
        if got[0] != want[0]:
            return f"position {index} under '{path or '/'}': tag {got[0]} decoded, {want[0]} expected"
        if isinstance(want[1], list) and isinstance(got[1], list):
            inner = _first_difference(got[1], want[1], where)
            if inner:
                return inner
        elif got[1] != want[1]:
            return f"tag {where}: decoded {got[1]!r}, expected {want[1]!r}"
    if len(actual) != len(expected):
        return f"under '{path or '/'}': {len(actual)} requisites decoded, {len(expected)} expected"
    return None


# --- documents ---------------------------------------------------------------------------------------------


def test_vector_files_are_well_formed() -> None:
    assert VECTORS, "no vectors in tests/vectors/ffd/outside/"
    names = set()
    for vector in VECTORS:
        for key in ("name", "source", "ffd", "document_type", "tlv_hex", "layout", "expected"):
            assert key in vector, f"{vector['_file']}: missing {key}"
        assert vector["_file"] == f"{vector['name']}.json"
        assert vector["name"] not in names
        names.add(vector["name"])
        assert vector["layout"]["form"] in ("stlv", "children")
        start, end = vector["layout"]["document"]
        assert 0 <= start < end <= len(_published(vector))


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_source_stated_facts(vector: dict[str, Any]) -> None:
    stated = vector["expected"]["stated_by_source"]
    published = _published(vector)
    if "document_length" in stated:
        assert len(_document_part(vector)) == stated["document_length"]
    if "frame_payload_length" in stated:
        start, end = vector["layout"]["document"]
        # a KIT frame: B6 29, payload length (big-endian), result code, data, CRC
        assert int.from_bytes(published[2:4], "big") == stated["frame_payload_length"] == end - start + 1
        assert published[4] == stated["result_code"]


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_decodes_as_the_stated_document_type(vector: dict[str, Any]) -> None:
    doc = _decode(vector)
    assert doc.document_type is DocumentType(vector["document_type"])


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_requisites_match_the_independent_decode(vector: dict[str, Any]) -> None:
    doc = _decode(vector)
    actual = [[field.tag, _plain(field)] for field in doc.fields]
    expected = vector["independent_decode"]["fields"]
    difference = _first_difference(actual, expected)
    assert difference is None, difference


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_every_requisite_is_a_known_tag(vector: dict[str, Any]) -> None:
    doc = _decode(vector)
    unknown: list[int] = []

    def walk(fields: tuple[Field, ...]) -> None:
        for field in fields:
            if not field.info.known:
                unknown.append(field.tag)
            walk(field.children)

    walk(doc.fields)
    assert unknown == []


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_reencodes_byte_for_byte(vector: dict[str, Any]) -> None:
    data = _document_stlv(vector)
    assert encode_document(decode_document(data)) == data


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_fns_json_core_names(vector: dict[str, Any]) -> None:
    doc = _decode(vector)
    rendered = to_fns_json(doc)
    json.dumps(rendered, ensure_ascii=False)
    (key,) = rendered
    body = rendered[key]
    expected = dict((tag, value) for tag, value in vector["independent_decode"]["fields"])
    assert body["fiscalDriveNumber"] == expected[1041].rstrip(" ")
    assert body["fiscalDocumentNumber"] == expected[1040]
    assert body["dateTime"] == int((datetime.fromisoformat(expected[1012]) - datetime(1970, 1, 1)).total_seconds())
    if 1209 in expected:
        assert body["fiscalDocumentFormatVer"] == expected[1209]


# --- FNS JSON names, 2026 VAT tags and codes -----------------------------------------------------------------

NAME_CASES = [
    pytest.param(entry, ffd, id=f"{entry['tag']}-{ffd}-{entry['json_name']}")
    for entry in FACTS["json_names"]
    for ffd in entry["ffd"]
]


@pytest.mark.parametrize(("entry", "ffd"), NAME_CASES)
def test_fns_json_name(entry: dict[str, Any], ffd: str) -> None:
    info = tag_info(entry["tag"])
    assert info is not None, f"tag {entry['tag']} is not in the tag table"
    # 1106/1107/1134/1135 have one name per FFD version (the facts file lists both), so the name is asked
    # for the version: a single attribute cannot equal both.
    assert info.json_name_in(ffd) == entry["json_name"], (
        f"FFD {ffd}: tag {entry['tag']} is named {info.json_name_in(ffd)!r}, sources {entry['sources']} "
        f"say {entry['json_name']!r} (confidence {entry['confidence']})"
    )


TYPE_NAMES = {"STLV": ValueType.STLV, "VLN": ValueType.VLN}


@pytest.mark.parametrize("entry", FACTS["new_tags"], ids=[str(e["tag"]) for e in FACTS["new_tags"]])
def test_2025_vat_tags_are_in_the_table(entry: dict[str, Any]) -> None:
    info = tag_info(entry["tag"])
    assert info is not None, f"tag {entry['tag']} «{entry['name_ru']}» is not in the tag table"
    assert info.type is TYPE_NAMES[entry["type"]], f"tag {entry['tag']}: {info.type} instead of {entry['type']}"
    assert "1.2" in info.ffd_versions


@pytest.mark.parametrize("entry", FACTS["vat_rate_codes"], ids=[str(e["code"]) for e in FACTS["vat_rate_codes"]])
def test_2026_vat_rate_codes(entry: dict[str, Any]) -> None:
    assert entry["code"] in {int(rate) for rate in VatRate}, f"1199 = {entry['code']} ({entry['text']}) is missing"
