"""Whole documents: golden vectors, FNS JSON view and mandatory-requisite checks."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kkt_drivers.ffd import (
    DocumentType,
    FfdDecodeError,
    FfdError,
    FfdVersion,
    Field,
    FiscalDocument,
    Tlv,
    TruncatedError,
    UnknownDocumentType,
    decode_document,
    encode_document,
    encode_tlv,
    mandatory_item_tags,
    mandatory_tags,
    missing_mandatory,
    missing_mandatory_in_items,
    to_fns_json,
)

VECTORS = Path(__file__).parents[2] / "vectors" / "ffd"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text("utf-8"))
    return data


CHANGE_REG = load("yofd_change_registration.json")
REG_FFD10 = load("yofd_registration_ffd10.json")


def expected_value(field: dict[str, Any]) -> Any:
    if field["type"] == "UNIXTIME":
        return datetime.fromisoformat(field["value"]["local"])
    if field["type"] in ("BYTE[]", "unknown"):
        return bytes.fromhex(field["value"])
    return field["value"]


@pytest.mark.parametrize("vector", [CHANGE_REG, REG_FFD10], ids=["change-registration", "registration-ffd10"])
def test_golden_document_decodes_to_expected_fields(vector: dict[str, Any]) -> None:
    doc = decode_document(bytes.fromhex(vector["document_hex"]))
    assert doc.document_type == vector["document_type"]
    assert [f.tag for f in doc.fields] == [f["tag"] for f in vector["fields"]]
    for field, expected in zip(doc.fields, vector["fields"], strict=True):
        assert field.value == expected_value(expected), field.tag
        assert field.info.known == (expected["type"] != "unknown")
        if expected["type"] != "unknown":
            assert field.info.type.value == expected["type"]


@pytest.mark.parametrize("vector", [CHANGE_REG, REG_FFD10], ids=["change-registration", "registration-ffd10"])
def test_golden_document_reencodes_byte_identically(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["document_hex"])
    assert encode_document(decode_document(data)) == data


def test_change_registration_details() -> None:
    message = bytes.fromhex(CHANGE_REG["message_hex"])
    start, end = CHANGE_REG["layout"]["document"]
    doc = decode_document(message[start:end])
    assert doc.document_type is DocumentType.REREGISTRATION
    assert doc.ffd_version is FfdVersion.V1_05
    assert doc.get(1037) == "0000000005008570    "
    assert doc.get(1048) == "ООО РАПКАТ-центр "
    assert doc.get_all(1101) == [1]
    assert doc.get(1062) == 0b110
    assert doc.get(1012) == datetime(2017, 3, 3, 11, 38)
    assert doc.items == ()
    assert doc.get(9999) is None
    info, value = doc.fields[0]
    assert (info.tag, value) == (1041, "9999078900005488")
    # the document inside the OFD message is followed by a 10-byte ФН trailer, which is not a TLV list
    with pytest.raises(FfdDecodeError):
        decode_document(message[start:])
    assert message[end:].hex() == CHANGE_REG["trailer_hex"]


def test_change_registration_has_every_mandatory_tag() -> None:
    doc = decode_document(bytes.fromhex(CHANGE_REG["document_hex"]))
    assert missing_mandatory(doc) == set()
    required = mandatory_tags(DocumentType.REREGISTRATION, "1.05")
    assert {1209, 1048, 1018, 1012, 1037, 1221, 1110, 1188, 1189, 1077} <= required
    assert 1000 not in required  # printed form only
    assert 1000 in mandatory_tags(DocumentType.REREGISTRATION, "1.05", form="printed")
    assert 1209 not in mandatory_tags(DocumentType.REREGISTRATION, "1.05", form="printed")
    # judged as FFD 1.2 it lacks the 1.2-only mandatory tags
    assert missing_mandatory(doc, ffd_version="1.2") == {1290, 1190, 1213, 1205}


def test_change_registration_fns_json() -> None:
    doc = decode_document(bytes.fromhex(CHANGE_REG["document_hex"]))
    body = to_fns_json(doc)["fiscalReportCorrection"]
    assert body["fiscalDriveNumber"] == "9999078900005488"
    assert body["kktRegId"] == "0000000005008570"  # fixed-length padding removed
    assert body["userInn"] == "7702203276"
    assert body["ofdInn"] == "7704358518"
    assert body["fiscalDocumentNumber"] == 1
    assert body["dateTime"] == 1488541080
    assert body["fiscalSign"] == CHANGE_REG["fiscal_sign_printed"] == 2853205313
    assert body["taxationType"] == 6
    assert body["correctionReasonCode"] == [1]  # repeatable requisite → list
    assert body["user"] == "ООО РАПКАТ-центр "  # variable-length strings are kept as sent
    assert body["fiscalDocumentFormatVer"] == 2
    assert body["printInMachineSign"] == 0
    json.dumps(body, ensure_ascii=False)


def test_ffd10_registration_keeps_unknown_tags() -> None:
    doc = decode_document(bytes.fromhex(REG_FFD10["document_hex"]))
    assert doc.ffd_version is None
    unknown = [f for f in doc.fields if not f.info.known]
    assert [(f.tag, f.value) for f in unknown] == [(1058, b"\x00"), (1061, b"www.ofd.ru"), (1049, b"111234")]
    assert doc.get(1048) == 'ООО "МММ"'
    body = to_fns_json(doc)["fiscalReport"]
    assert body["fiscalSign"] == REG_FFD10["fiscal_sign_printed"] == 476807588
    assert body["1061"] == "d3d3Lm9mZC5ydQ=="  # unknown tag: number as key, base64 value
    assert body["fiscalDriveNumber"] == "999907891234567"
    # no 1209 → checked against FFD 1.05
    assert missing_mandatory(doc) == {1209, 1221, 1110, 1108, 1187, 1188, 1189}


def test_inn_prefix_policy() -> None:
    doc = FiscalDocument(
        DocumentType.OPERATOR_CONFIRMATION,
        (
            Field.from_tlv(Tlv(1017, "005787888828")),
            Field.from_tlv(Tlv(1018, "000000000000")),
        ),
    )
    body = to_fns_json(doc)["operatorAck"]
    assert body == {"ofdInn": "5787888828", "userInn": "000000000000"}


# --- an FFD 1.2 receipt built with the encoder ---------------------------------------------------------


def _item(name: str, price: int, quantity: Decimal) -> Tlv:
    total = int(price * quantity)
    return Tlv(
        1059,
        (
            Tlv(1030, name), Tlv(1079, price), Tlv(1023, quantity), Tlv(2108, 0), Tlv(1043, total),
            Tlv(1199, 6), Tlv(1212, 1), Tlv(1214, 4),
        ),
    )


def _receipt(*, with_items: bool = True) -> bytes:
    fields = [
        Tlv(1209, 4), Tlv(1042, 7), Tlv(1012, datetime(2024, 5, 17, 9, 30, 15)), Tlv(1038, 12), Tlv(1054, 1),
        Tlv(1055, 2), Tlv(1037, "0000000005008570"), Tlv(1009, "г. Москва"), Tlv(1187, "Магазин №1"),
        Tlv(1020, 35000), Tlv(1031, 35000), Tlv(1040, 345), Tlv(1041, "9999078900005488"),
        Tlv(1077, bytes.fromhex("2104aa107541")),
    ]
    if with_items:
        fields[5:5] = [_item("Хлеб", 5000, Decimal("1")), _item("Сыр", 30000, Decimal("1.000"))]
    return encode_tlv(3, fields, "1.2")


def test_ffd12_receipt() -> None:
    data = _receipt()
    doc = decode_document(data)
    assert doc.ffd_version is FfdVersion.V1_2
    assert len(doc.items) == 2
    assert doc.items[1][2].value == Decimal("1.000")
    assert str(doc.items[1][2].value) == "1.000"
    assert doc.fields[5].get(1030) == "Хлеб"
    assert missing_mandatory(doc) == set()
    assert missing_mandatory_in_items(doc) == [set(), set()]
    assert encode_document(doc) == data
    body = to_fns_json(doc)["receipt"]
    assert [item["name"] for item in body["items"]] == ["Хлеб", "Сыр"]
    assert body["items"][1]["quantity"] == 1.0
    assert body["items"][0]["itemsQuantityMeasure"] == 0  # the FNS name (real 2026 JSON, RUSTT)
    assert body["totalSum"] == 35000
    assert body["dateTime"] == 1715938215


def test_receipt_without_items_is_missing_1059() -> None:
    doc = decode_document(_receipt(with_items=False))
    assert missing_mandatory(doc) == {1059}


def test_item_mandatory_tags() -> None:
    assert mandatory_item_tags("1.05") == {1030, 1079, 1043}
    assert mandatory_item_tags(FfdVersion.V1_2) == {1079, 1023, 1043}
    doc = FiscalDocument(DocumentType.RECEIPT, (Field.from_tlv(Tlv(1059, (Tlv(1030, "x"),))),))
    assert missing_mandatory_in_items(doc, ffd_version="1.2") == [{1079, 1023, 1043}]


@pytest.mark.parametrize("doc_type", [d for d in DocumentType if d < 80])
@pytest.mark.parametrize("version", ["1.05", "1.2"])
def test_every_document_type_has_a_table(doc_type: DocumentType, version: str) -> None:
    required = mandatory_tags(doc_type, version)
    if doc_type is not DocumentType.OPERATOR_CONFIRMATION:
        assert {1012, 1037, 1040, 1041, 1077} <= required
    assert 1000 not in required


def test_mandatory_tables_version_deltas() -> None:
    assert mandatory_tags(DocumentType.RECEIPT, "1.2") - mandatory_tags(DocumentType.RECEIPT, "1.05") == {1009, 1187}
    assert mandatory_tags(DocumentType.CORRECTION_RECEIPT, "1.2") - mandatory_tags(
        DocumentType.CORRECTION_RECEIPT, "1.05"
    ) == {1009, 1187, 1059}
    assert 1205 in mandatory_tags(DocumentType.REREGISTRATION, "1.2")
    assert 1205 not in mandatory_tags(DocumentType.REGISTRATION, "1.2")


def test_mandatory_unsupported() -> None:
    with pytest.raises(FfdError):
        mandatory_tags(DocumentType.RECEIPT, "1.1")
    with pytest.raises(FfdError):
        mandatory_tags(DocumentType.MARKING_REQUEST, "1.2")
    doc = FiscalDocument(DocumentType.RECEIPT, (Field.from_tlv(Tlv(1209, FfdVersion.V1_1)),))
    with pytest.raises(FfdError):
        missing_mandatory(doc)


def test_decode_document_errors() -> None:
    with pytest.raises(UnknownDocumentType):
        decode_document(encode_tlv(1059, [Tlv(1030, "x")]))
    with pytest.raises(TruncatedError):
        decode_document(b"\x03")
    with pytest.raises(FfdDecodeError):
        decode_document(_receipt() + b"\x00")


def test_unknown_1209_value() -> None:
    doc = FiscalDocument(DocumentType.RECEIPT, (Field.from_tlv(Tlv(1209, 9)),))
    assert doc.ffd_version is None
