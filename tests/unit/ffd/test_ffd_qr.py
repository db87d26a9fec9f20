"""Receipt QR string (§3.6)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kkt_drivers.ffd import (
    OperationType,
    QrCodeError,
    ReceiptQr,
    Tlv,
    build_qr,
    decode_document,
    encode_tlv,
    parse_qr,
    qr_from_document,
)

EXAMPLE = json.loads((Path(__file__).parents[2] / "vectors" / "ffd" / "value_examples.json").read_text("utf-8"))["qr"]
TEXT = EXAMPLE["text"]


def test_parse_published_example() -> None:
    qr = parse_qr(TEXT)
    assert qr.date_time == datetime.fromisoformat(EXAMPLE["local"])
    assert qr.total == EXAMPLE["total_kopecks"] == 394326
    assert qr.fn_number == EXAMPLE["fn"]
    assert qr.fd_number == EXAMPLE["fd_number"]
    assert qr.fiscal_sign == EXAMPLE["fiscal_sign"]
    assert qr.operation_type is OperationType.INCOME


def test_build_published_example() -> None:
    qr = parse_qr(TEXT)
    assert qr.to_string(seconds=True) == TEXT
    assert qr.to_string() == "t=20190418T2116&s=3943.26&fn=9282000100072197&i=64318&fp=2918241905&n=1"


def test_build_qr() -> None:
    text = build_qr(datetime(2017, 3, 3, 11, 38), 5, "9999078900005488", 1, 2853205313, 2)
    assert text == "t=20170303T1138&s=0.05&fn=9999078900005488&i=1&fp=2853205313&n=2"
    assert parse_qr(text).operation_type is OperationType.INCOME_RETURN


def test_parse_accepts_any_order_and_short_sums() -> None:
    qr = parse_qr("n=3&fp=1&i=2&fn=9282000100072197&s=10&t=20190418T2116")
    assert (qr.total, qr.operation_type, qr.date_time.second) == (1000, OperationType.EXPENSE, 0)
    assert parse_qr(TEXT.replace("s=3943.26", "s=3943.2")).total == 394320


@pytest.mark.parametrize(
    "text",
    [
        "",
        TEXT + "&x=1",
        TEXT + "&n=1",
        TEXT.replace("&n=1", ""),
        TEXT.replace("&n=1", "&n"),
        TEXT.replace("n=1", "n=5"),
        TEXT.replace("n=1", "n=0"),
        TEXT.replace("t=20190418T211655", "t=2019-04-18T21:16"),
        TEXT.replace("t=20190418T211655", "t=20191318T2116"),
        TEXT.replace("t=20190418T211655", "t=20190418T21165"),
        TEXT.replace("s=3943.26", "s=3943,26"),
        TEXT.replace("s=3943.26", "s=3943.261"),
        TEXT.replace("s=3943.26", "s=-3943.26"),
        TEXT.replace("fn=9282000100072197", "fn=928200010007219"),
        TEXT.replace("fn=9282000100072197", "fn=928200010007219A"),
        TEXT.replace("i=64318", "i=0"),
        TEXT.replace("i=64318", "i=abc"),
        TEXT.replace("fp=2918241905", "fp=4294967296"),
        TEXT.replace("fp=2918241905", "fp=12345678901"),
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(QrCodeError):
        parse_qr(text)


def test_validation_on_construction() -> None:
    good = dict(
        date_time=datetime(2020, 1, 1), total=100, fn_number="9282000100072197", fd_number=1, fiscal_sign=1,
        operation_type=OperationType.INCOME,
    )
    ReceiptQr(**good)  # type: ignore[arg-type]
    for key, bad in [
        ("date_time", datetime(2020, 1, 1, tzinfo=timezone.utc)),
        ("date_time", datetime(1960, 1, 1)),
        ("total", -1),
        ("fn_number", "123"),
        ("fd_number", 2**32),
        ("fiscal_sign", -1),
        ("operation_type", 7),
        ("operation_type", True),
    ]:
        with pytest.raises(QrCodeError):
            ReceiptQr(**{**good, key: bad})  # type: ignore[arg-type]
    with pytest.raises(QrCodeError):
        parse_qr(None)  # type: ignore[arg-type]


def test_qr_from_document() -> None:
    data = encode_tlv(
        3,
        [
            Tlv(1012, datetime(2019, 4, 18, 21, 16, 55)), Tlv(1020, 394326), Tlv(1041, "9282000100072197"),
            Tlv(1040, 64318), Tlv(1077, bytes.fromhex("2104adf0d671")), Tlv(1054, 1),
        ],
    )
    qr = qr_from_document(decode_document(data))
    assert qr.fiscal_sign == 0xADF0D671 == 2918241905
    assert qr.to_string(seconds=True) == TEXT


def test_qr_from_document_missing_fields() -> None:
    doc = decode_document(encode_tlv(3, [Tlv(1020, 1)]))
    with pytest.raises(QrCodeError):
        qr_from_document(doc)
    bad_sign = decode_document(
        encode_tlv(
            3,
            [
                Tlv(1012, datetime(2019, 4, 18)), Tlv(1020, 1), Tlv(1041, "9282000100072197"), Tlv(1040, 1),
                Tlv(1077, b"\x00" * 6), Tlv(1054, 1),
            ],
        )
    )
    assert qr_from_document(bad_sign).fiscal_sign == 0
