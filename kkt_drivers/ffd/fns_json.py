"""Conversion of a decoded document to the FNS JSON shape (the OFD → ФНС format).

Mapping policy (also in protocol-notes/ffd/README.md):

* the result is ``{<document JSON name>: {...}}``, e.g. ``{"receipt": {...}}``;
* keys are the tag table's ``json_name`` (some of them inferred — see ``TagInfo.json_name_inferred``),
  in the document's own FFD version where the FNS names differ by version (1106/1107/1134/1135, see
  ``TagInfo.json_name_in``); a tag outside the table appears under its number as a string;
* STLV → nested object; repeatable requisites (``TagInfo.multi``: 1059 items, 1101, phones, …) are
  always lists, and any other tag met more than once also becomes a list;
* VLN, UINT and BYTE → integers (sums stay in kopecks); FVLN → float; UNIXTIME → integer seconds
  of local time counted as UTC (the same number that is on the wire);
* 1077 ФПД → the printed decimal number; other BYTE[] values → base64 text;
* strings are kept as they are, except that fixed-length ones lose their space padding, and 12-byte
  INNs lose the ``00`` prefix some KKTs put before a 10-digit INN (YOFD does the same).
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

from .model import Field, FiscalDocument
from .tags import TagInfo
from .values import ValueType, fiscal_sign_number, unixtime_seconds

#: INN requisites (ИНН) whose ``00`` prefix before a 10-digit INN is dropped.
INN_TAGS = frozenset({1016, 1017, 1018, 1203, 1226, 1228})


def to_fns_json(doc: FiscalDocument) -> dict[str, Any]:
    """The document as FNS JSON: ``{doc.document_type.json_name: {field: value, ...}}``."""
    version = doc.ffd_version
    return {doc.document_type.json_name: fields_to_json(doc.fields, version.label if version else None)}


def fields_to_json(fields: tuple[Field, ...], ffd: str | None = None) -> dict[str, Any]:
    """A list of fields as one JSON object (see the module docstring for the rules); ``ffd`` picks the
    version-dependent names (``None``: the default names)."""
    counts: dict[str, int] = {}
    for field in fields:
        name = field.info.json_name_in(ffd)
        counts[name] = counts.get(name, 0) + 1
    out: dict[str, Any] = {}
    for field in fields:
        key = field.info.json_name_in(ffd)
        value = _value_to_json(field, ffd)
        if field.info.multi or counts[key] > 1:
            out.setdefault(key, []).append(value)
        else:
            out[key] = value
    return out


def _value_to_json(field: Field, ffd: str | None) -> Any:
    info, value = field.info, field.value
    if isinstance(value, tuple):
        return fields_to_json(value, ffd)
    if isinstance(value, bytes):
        if info.tag == 1077 and len(value) == 6:
            return fiscal_sign_number(value)
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        return unixtime_seconds(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return _string_to_json(info, value)
    return value


def _string_to_json(info: TagInfo, text: str) -> str:
    if not (info.type is ValueType.STRING and info.fixed_len):
        return text
    text = text.rstrip(" ")
    if info.tag in INN_TAGS and len(text) == 12 and text.startswith("00") and text[2:].strip("0"):
        text = text[2:]
    return text
