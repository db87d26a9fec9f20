"""Receipt validation (before any byte is sent) and the JSON the kkt CLI reads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from kkt_drivers.jsonio import receipt_from_json, registration_from_json, to_jsonable
from kkt_drivers.types import (
    Buyer,
    Item,
    Payment,
    PaymentMethod,
    PaymentSubject,
    PaymentType,
    Receipt,
    TaxationSystem,
    VatRate,
)
from kkt_drivers.validation import InvalidReceipt, buyer_contact, normalise_phone, validate_receipt

ROOT = Path(__file__).resolve().parents[2]
BREAD = Item("Хлеб", 4550, Decimal(2), VatRate.VAT_10)


def receipt(*items: Item, payments: tuple[Payment, ...] = (), **kw: object) -> Receipt:
    items = items or (BREAD,)
    total = sum(i.amount for i in items)
    return Receipt(items=items, payments=payments or (Payment(PaymentType.CASH, total),), **kw)  # type: ignore[arg-type]


def test_a_good_receipt_passes_and_gets_the_single_registered_system() -> None:
    assert validate_receipt(receipt(), TaxationSystem.USN_INCOME) is TaxationSystem.USN_INCOME


@pytest.mark.parametrize(("bad", "field"), [
    (receipt(Item("", 100)), "items[0].name"),
    (receipt(Item("x" * 129, 100)), "items[0].name"),
    (receipt(Item("Emoji 😀", 100)), "items[0].name"),
    (receipt(Item("Хлеб", -1)), "items[0].price"),
    (receipt(Item("Хлеб", 100, Decimal("0.0001"))), "items[0].quantity"),
    (receipt(Item("Хлеб", 100, Decimal(0))), "items[0].quantity"),
    (receipt(Item("Хлеб", 100, discount=200)), "items[0].discount"),
    (receipt(payments=(Payment(PaymentType.CASH, 100),)), "payments"),
    (receipt(payments=(Payment(PaymentType.ELECTRONIC, 9100), Payment(PaymentType.CASH, 0))), "payments[1].amount"),
    (receipt(payments=(Payment(PaymentType.ELECTRONIC, 10000),)), "payments"),
    (receipt(buyer=Buyer(email="no-at-sign")), "buyer.email"),
    (receipt(buyer=Buyer(phone="12")), "buyer.phone"),
    (receipt(buyer=Buyer(phone="+79123456789", email="a@b.ru")), "buyer"),
    (receipt(taxation=TaxationSystem.OSN | TaxationSystem.PSN), "taxation"),
    (Receipt(items=(), payments=(Payment(PaymentType.CASH, 1),)), "items"),
])
def test_bad_receipts_name_the_field(bad: Receipt, field: str) -> None:
    with pytest.raises(InvalidReceipt) as caught:
        validate_receipt(bad, TaxationSystem.OSN)
    assert caught.value.field == field


def test_taxation_must_be_registered_and_unambiguous() -> None:
    with pytest.raises(InvalidReceipt, match="not among"):
        validate_receipt(receipt(taxation=TaxationSystem.PSN), TaxationSystem.OSN)
    with pytest.raises(InvalidReceipt, match="several systems"):
        validate_receipt(receipt(), TaxationSystem.OSN | TaxationSystem.USN_INCOME)


@pytest.mark.parametrize(("raw", "normal"), [
    ("+7 (912) 345-67-89", "+79123456789"), ("89123456789", "+79123456789"), ("79123456789", "+79123456789"),
])
def test_phone_numbers_are_normalised_with_a_plus(raw: str, normal: str) -> None:
    assert normalise_phone(raw) == normal
    assert buyer_contact(Buyer(phone=raw)) == normal


def test_item_amount_rounds_half_up_to_the_kopeck() -> None:
    assert Item("Сыр", 99999, Decimal("0.335")).amount == 33500  # 334.99665 → 335.00
    assert Item("Сыр", 1001, Decimal("0.5")).amount == 501
    assert Item("Сыр", 1000, Decimal(3), discount=500).amount == 2500


def test_example_receipt_file_parses_into_typed_objects() -> None:
    data = json.loads((ROOT / "examples" / "receipt.json").read_text(encoding="utf-8"))
    parsed = receipt_from_json(data)
    assert parsed.total == 18590
    assert parsed.items[0].vat is VatRate.VAT_10 and parsed.items[0].quantity == 2
    assert parsed.items[0].payment_method is PaymentMethod.FULL_PAYMENT
    assert parsed.items[0].payment_subject is PaymentSubject.GOODS
    assert [p.type for p in parsed.payments] == [PaymentType.ELECTRONIC, PaymentType.CASH]
    assert parsed.buyer == Buyer(email="buyer@example.com") and parsed.taxation is TaxationSystem.OSN
    assert validate_receipt(parsed, TaxationSystem.OSN | TaxationSystem.USN_INCOME) is TaxationSystem.OSN


@pytest.mark.parametrize(("data", "field"), [
    ({"items": [{"name": "x", "price": "1.001"}]}, "items[0].price"),
    ({"items": [{"name": "x", "price": "abc"}]}, "items[0].price"),
    ({"items": [{"name": "x", "price": 1, "vat": "vat_33"}], "payments": [{"amount": 1}]}, "items[0].vat"),
    ({"items": [{"name": "x", "price": 1}], "payments": [{"type": "gold", "amount": 1}]}, "payments[0].type"),
])
def test_bad_json_names_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidReceipt) as caught:
        receipt_from_json(data)
    assert caught.value.field == field


def test_registration_file_parses_and_unknown_fields_are_refused() -> None:
    data = json.loads((ROOT / "examples" / "registration.json").read_text(encoding="utf-8"))
    reg = registration_from_json(data)
    assert reg.taxation == TaxationSystem.OSN | TaxationSystem.USN_INCOME and reg.inn == "7701234560"
    with pytest.raises(InvalidReceipt, match="colour"):
        registration_from_json({**data, "colour": "red"})


def test_results_become_plain_json() -> None:
    out = to_jsonable(receipt())
    assert out["items"][0]["vat"] == "vat_10" and out["payments"][0]["type"] == "cash"
    json.dumps(out)


def test_correction_files_parse_in_both_ffd_forms() -> None:
    from datetime import date

    from kkt_drivers.jsonio import correction_from_json
    from kkt_drivers.types import CorrectionType, ReceiptType
    from kkt_drivers.validation import validate_correction

    amounts = correction_from_json(json.loads((ROOT / "examples" / "correction.json").read_text(encoding="utf-8")))
    assert amounts.type is ReceiptType.SELL and amounts.correction_type is CorrectionType.SELF
    assert amounts.basis_date == date(2026, 3, 2) and amounts.basis_number == "1"
    assert amounts.vat_amounts == ((VatRate.VAT_22, 2226),) and amounts.total == 12345 and amounts.items == ()
    assert validate_correction(amounts, TaxationSystem.OSN | TaxationSystem.USN_INCOME, "1.05") is TaxationSystem.OSN

    items = correction_from_json(json.loads((ROOT / "examples" / "correction-ffd12.json").read_text(encoding="utf-8")))
    assert items.correction_type is CorrectionType.BY_ORDER and [i.amount for i in items.items] == [9100, 500]
    assert items.total == 9600 and items.buyer == Buyer(phone="+79123456789")
    assert validate_correction(items, TaxationSystem.OSN, "1.2") is TaxationSystem.OSN
    with pytest.raises(InvalidReceipt, match=r"FFD 1\.05"):
        validate_correction(items, TaxationSystem.OSN, "1.05")
    with pytest.raises(InvalidReceipt, match=r"FFD 1\.2"):
        validate_correction(amounts, TaxationSystem.OSN, "1.2")


@pytest.mark.parametrize(("change", "field"), [
    ({"basis": {"date": "02.03.2026", "number": "1"}}, "basis.date"),
    ({"basis": {"date": "2026-03-02", "number": "1", "colour": "red"}}, "basis"),
    ({"correction_type": "sometimes"}, "correction_type"),
    ({"vat_amounts": [{"vat": "vat_20", "amount": "1.001"}]}, "vat_amounts[0].amount"),
    ({"paymnets": []}, "correction"),
])
def test_bad_correction_files_name_the_field(change: dict[str, object], field: str) -> None:
    from kkt_drivers.jsonio import correction_from_json

    data = {**json.loads((ROOT / "examples" / "correction.json").read_text(encoding="utf-8")), **change}
    with pytest.raises(InvalidReceipt) as caught:
        correction_from_json(data)
    assert caught.value.field == field


@pytest.mark.parametrize(("change", "field"), [
    ({"colour": "red"}, "receipt"),
    ({"items": [{"name": "x", "price": 1, "prise": 2}]}, "items[0]"),
    ({"buyer": {"mail": "a@b.ru"}}, "buyer"),
    ({"payments": [{"type": "cash", "sum": 1}]}, "payments[0]"),
])
def test_receipt_files_refuse_unknown_fields(change: dict[str, object], field: str) -> None:
    data = {**json.loads((ROOT / "examples" / "receipt.json").read_text(encoding="utf-8")), **change}
    with pytest.raises(InvalidReceipt) as caught:
        receipt_from_json(data)
    assert caught.value.field == field


def test_a_correction_with_positions_is_checked_like_a_receipt() -> None:
    from datetime import date

    from kkt_drivers.types import CorrectionReceipt, CorrectionType, ReceiptType
    from kkt_drivers.validation import validate_correction

    def correction(*items: Item, paid: int) -> CorrectionReceipt:
        return CorrectionReceipt(ReceiptType.SELL, CorrectionType.SELF, date(2026, 3, 2), "1", "",
                                 (Payment(PaymentType.ELECTRONIC, paid),), items=items)

    assert validate_correction(correction(BREAD, paid=9100), TaxationSystem.OSN, "1.2") is TaxationSystem.OSN
    with pytest.raises(InvalidReceipt) as caught:
        validate_correction(correction(BREAD, paid=9000), TaxationSystem.OSN, "1.2")
    assert caught.value.field == "payments"
    with pytest.raises(InvalidReceipt) as caught:
        validate_correction(correction(Item("", 100), paid=100), TaxationSystem.OSN, "1.2")
    assert caught.value.field == "items[0].name"


def test_receipt_discount_is_read_from_json() -> None:
    data = {**json.loads((ROOT / "examples" / "receipt.json").read_text(encoding="utf-8")), "discount": "5.90"}
    parsed = receipt_from_json(data)
    assert parsed.discount == 590 and parsed.total == 18590 - 590
