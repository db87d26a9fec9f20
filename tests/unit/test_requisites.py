"""kkt_drivers.requisites: the position and receipt requisites beyond the basics, built and checked.

Expected bytes are written out by hand from the FFD value rules (VLN/BYTE little-endian, CP866 strings,
fixed-length INNs padded with spaces, TLV headers tag+length little-endian), not computed by the code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from kkt_drivers.ffd.marking import MarkingCodeError, parse_marking_code
from kkt_drivers.requisites import (
    check_correction_type,
    check_item,
    check_receipt,
    item_requisites,
    receipt_requisites,
)
from kkt_drivers.types import (
    AgentInfo,
    AgentType,
    Buyer,
    IndustryRequisite,
    Item,
    MarkingCode,
    OperationalRequisite,
    Payment,
    PaymentSubject,
    PaymentType,
    QuantityMeasure,
    Receipt,
    ReceiptType,
    Supplier,
    VatRate,
)
from kkt_drivers.validation import InvalidReceipt

INN10 = "7702203276"  # valid check digit
INN12 = "500100732259"
GS = "\x1d"
CRYPTO_44 = "A" * 44
#: a GS1 marking code with a 44-character crypto tail: 01 GTIN 21 serial GS 91 key GS 92 crypto
CODE_44 = f"010460123456789321ABCDEFGHIJKLM{GS}91EE06{GS}92{CRYPTO_44}"
#: a short code without 91/92 (the form milk and water carry: 93 + 4 characters)
CODE_SHORT = f"010465011724040821 5Qbag!{GS}93Zjqw".replace(" ", "")


def tlv(tag: int, value: bytes) -> bytes:
    return tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value


def cp866(text: str) -> bytes:
    return text.encode("cp866")


def marked(code: str = CODE_44, **changes: object) -> Item:
    base: dict[str, object] = {"name": "Туфли", "price": 500000, "vat": VatRate.VAT_22,
                               "payment_subject": PaymentSubject.MARKED_WITH_CODE, "marking": MarkingCode(code)}
    base.update(changes)
    return Item(**base)  # type: ignore[arg-type]


def refused(call: object, field: str) -> InvalidReceipt:
    with pytest.raises(InvalidReceipt) as err:
        call()  # type: ignore[operator]
    assert err.value.field == field, str(err.value)
    return err.value


# --- marking codes -------------------------------------------------------------------------------------------


def test_marking_code_with_crypto_44_is_type_4_with_offsets() -> None:
    parsed = parse_marking_code(CODE_44)
    # "01"+14 digits+"21"+13 characters = 31 bytes, then GS: AI 91 starts at byte 32; "91EE06" + GS: 92 at 39
    assert (parsed.code_type, parsed.offset_91, parsed.offset_92) == (4, 32, 39)
    assert CODE_44[32:34] == "91" and CODE_44[39:41] == "92"
    assert (parsed.product_tag, parsed.product_code) == (1305, "0104601234567893" + "21ABCDEFGHIJKLM")
    assert parsed.gtin == "04601234567893" and parsed.checkable_in_fn


def test_marking_code_with_crypto_88_is_type_2() -> None:
    assert parse_marking_code(CODE_44.replace(CRYPTO_44, "B" * 88)).code_type == 2


def test_short_code_keeps_gs1m_but_is_not_checked_in_fn() -> None:
    parsed = parse_marking_code(CODE_SHORT)
    assert parsed.product_code == "0104650117240408215Qbag!" and parsed.code_type == 0
    assert (parsed.offset_91, parsed.offset_92) == (None, None) and not parsed.checkable_in_fn


def test_unrecognised_code_goes_to_1300_or_is_refused() -> None:
    assert parse_marking_code("ABC-123").product_tag == 1300
    for bad in ("", "Код", "X" * 33, "Z" * 256):
        with pytest.raises(MarkingCodeError):
            parse_marking_code(bad)


# --- item requisites -----------------------------------------------------------------------------------------


def test_measure_is_2108_in_ffd12_and_1197_text_in_ffd105() -> None:
    weighed = Item("Сыр", 89900, quantity=Decimal("0.512"), measure=QuantityMeasure.KILOGRAM)
    assert item_requisites(weighed, "1.2") == [(2108, b"\x0b")]
    assert item_requisites(weighed, "1.05") == [(1197, cp866("кг"))]
    assert item_requisites(Item("Хлеб", 5000), "1.2") == [(2108, b"\x00")]
    assert item_requisites(Item("Хлеб", 5000), "1.05") == []


def test_marked_item_ffd12() -> None:
    got = dict(item_requisites(marked(), "1.2"))
    gs1m = cp866("0104601234567893" + "21ABCDEFGHIJKLM")
    assert got[1163] == tlv(1305, gs1m)
    assert got[2102] == b"\x00"
    assert 1291 not in got and 2000 not in got  # the full code goes to the ФН (B1h) and 2007, not into 1059


def test_part_of_a_pack_writes_1291() -> None:
    item = marked(marking=MarkingCode(CODE_44, planned_status=2, numerator=1, denominator=4))
    got = dict(item_requisites(item, "1.2"))
    assert got[1291] == tlv(1292, b"1/4") + tlv(1293, b"\x01") + tlv(1294, b"\x04")


def test_agent_and_supplier() -> None:
    item = Item("Билет", 120000, agent=AgentInfo(AgentType.COMMISSION_AGENT, phones=("8 (912) 345-67-89",)),
                supplier=Supplier(INN10, "ООО Ромашка", phones=("+74951234567",)))
    expected = [
        (1222, b"\x20"),
        (1223, tlv(1073, b"+79123456789")),
        (1224, tlv(1225, cp866("ООО Ромашка")) + tlv(1171, b"+74951234567")),
        (1226, b"7702203276  "),
    ]
    assert item_requisites(item, "1.2")[1:] == expected
    assert item_requisites(item, "1.05") == expected


def test_industry_requisite_ffd12() -> None:
    item = Item("Лекарство", 30000, industry=(IndustryRequisite("020", date(2020, 11, 20), "1556", "mode=1"),))
    expected = tlv(1262, b"020") + tlv(1263, b"20.11.2020") + tlv(1264, b"1556") + tlv(1265, b"mode=1")
    assert item_requisites(item, "1.2")[1:] == [(1260, expected)]


def test_product_code_ffd105() -> None:
    assert item_requisites(Item("Товар", 100, product_code=b"\x44\x4d\x01"), "1.05") == [(1162, b"\x44\x4d\x01")]


# --- receipt requisites --------------------------------------------------------------------------------------


def _receipt(**changes: object) -> Receipt:
    base: dict[str, object] = {"items": (Item("Хлеб", 5000),), "payments": (Payment(PaymentType.CASH, 5000),)}
    base.update(changes)
    return Receipt(**base)  # type: ignore[arg-type]


def test_buyer_in_1256_in_ffd12_and_flat_in_ffd105() -> None:
    receipt = _receipt(buyer=Buyer(email="buyer@example.ru", name="ООО Ромашка", inn=INN10))
    name = tlv(1227, cp866("ООО Ромашка"))
    inn = tlv(1228, b"7702203276  ")
    assert receipt_requisites(receipt, "1.2") == [(1008, b"buyer@example.ru"), (1256, name + inn)]
    assert receipt_requisites(receipt, "1.05") == [(1008, b"buyer@example.ru"), (1227, name[4:]), (1228, inn[4:])]


def test_buyer_inn_without_contact() -> None:
    assert receipt_requisites(_receipt(buyer=Buyer(inn=INN12)), "1.2") == [(1256, tlv(1228, INN12.encode()))]


def test_receipt_agent_is_1057_in_ffd105() -> None:
    receipt = _receipt(agent=AgentInfo(AgentType.PAYMENT_AGENT | AgentType.PAYMENT_SUBAGENT, operation="Оплата"))
    assert receipt_requisites(receipt, "1.05") == [(1057, b"\x0c"), (1044, cp866("Оплата"))]
    refused(lambda: receipt_requisites(receipt, "1.2"), "agent")


def test_industry_and_operational_ffd12() -> None:
    receipt = _receipt(industry=(IndustryRequisite("030", date(2021, 1, 15), "N5", "x"),),
                       operational=OperationalRequisite(7, "ABC", datetime(2026, 12, 2, 10, 15)))
    got = receipt_requisites(receipt, "1.2")
    assert got[0] == (1261, tlv(1262, b"030") + tlv(1263, b"15.01.2021") + tlv(1264, b"N5") + tlv(1265, b"x"))
    # 2026-12-02 10:15 local: 20789 days × 86400 + 36900 s = 1796206500 = 0x6B0FEFA4
    assert got[1] == (1270, tlv(1271, b"\x07") + tlv(1272, b"ABC") + tlv(1273, bytes.fromhex("a4ef0f6b")))
    refused(lambda: receipt_requisites(receipt, "1.05"), "industry")


# --- refusals ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "ffd", "field"),
    [
        (marked(), "1.05", "items[0].payment_subject"),  # 30–33 only in FFD 1.2
        (Item("Товар", 100, payment_subject=PaymentSubject.MARKED_WITH_CODE), "1.2", "items[0].payment_subject"),
        (marked(payment_subject=PaymentSubject.GOODS), "1.2", "items[0].payment_subject"),
        (marked(code="Код"), "1.2", "items[0].marking.code"),
        (marked(marking=MarkingCode(CODE_44, planned_status=9)), "1.2", "items[0].marking.planned_status"),
        (marked(marking=MarkingCode(CODE_44, numerator=3, denominator=2)), "1.2", "items[0].marking.numerator"),
        (marked(quantity=Decimal(2), marking=MarkingCode(CODE_44, numerator=1, denominator=2)), "1.2",
         "items[0].marking.numerator"),
        (Item("Товар", 100, product_code=b"\x01"), "1.2", "items[0].product_code"),
        (Item("Товар", 100, product_code=b"\x01" * 33), "1.05", "items[0].product_code"),
        (Item("Товар", 100, agent=AgentInfo(AgentType.ATTORNEY)), "1.2", "items[0].supplier"),
        (Item("Товар", 100, supplier=Supplier(INN10)), "1.2", "items[0].agent"),
        (Item("Товар", 100, agent=AgentInfo(AgentType.ATTORNEY | AgentType.COMMISSION_AGENT),
              supplier=Supplier(INN10)), "1.2", "items[0].agent.type"),
        (Item("Товар", 100, agent=AgentInfo(AgentType.ATTORNEY), supplier=Supplier("7702203277")), "1.2",
         "items[0].supplier.inn"),
        (Item("Товар", 100, agent=AgentInfo(AgentType.ATTORNEY, phones=("12",)), supplier=Supplier(INN10)), "1.2",
         "items[0].agent.phones[0]"),
        (Item("Товар", 100, agent=AgentInfo(AgentType.ATTORNEY, operation="О" * 25), supplier=Supplier(INN10)),
         "1.2", "items[0].agent.operation"),
        (Item("Товар", 100, industry=(IndustryRequisite("20", date(2020, 1, 1), "1", "v"),)), "1.2",
         "items[0].industry[0].foiv_id"),
        (Item("Товар", 100, industry=(IndustryRequisite("020", date(2020, 1, 1), "1", "v"),)), "1.05",
         "items[0].industry"),
    ],
)
def test_item_refusals_name_the_field(item: Item, ffd: str, field: str) -> None:
    refused(lambda: check_item(item, ffd, "items[0]"), field)


def test_receipt_refusals() -> None:
    refused(lambda: check_receipt(_receipt(buyer=Buyer(inn="123")), "1.2"), "buyer.inn")
    refused(lambda: check_receipt(_receipt(buyer=Buyer(name="Б" * 129)), "1.2"), "buyer.name")
    refused(lambda: check_receipt(_receipt(items=(marked(),)), "1.05"), "items[0].payment_subject")
    refused(lambda: check_receipt(_receipt(operational=OperationalRequisite(256, "x", datetime(2026, 1, 1))),
                                  "1.2"), "operational.operation_id")
    message = refused(lambda: check_receipt(_receipt(buyer=Buyer(name="Б" * 129)), "1.2"), "buyer.name")
    assert "128" in str(message)  # the real limit is stated
    check_receipt(_receipt(items=(marked(),), buyer=Buyer(name="ООО Ромашка", inn=INN10)), "1.2")


def test_correction_type_ffd105_is_income_or_expense_only() -> None:
    for operation in (ReceiptType.SELL, ReceiptType.BUY):
        check_correction_type(operation, "1.05")
    for operation in (ReceiptType.SELL_RETURN, ReceiptType.BUY_RETURN):
        refused(lambda: check_correction_type(operation, "1.05"), "type")  # noqa: B023
        check_correction_type(operation, "1.2")
    refused(lambda: check_correction_type(5, "1.2"), "type")
