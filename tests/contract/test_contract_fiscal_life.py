"""The fiscal life of a register, the same on every backend (in-process, pty, TCP, real device).

Registration and closing the ФН are irreversible on a real device; those tests carry the marker.
"""

from __future__ import annotations

from datetime import date

import pytest
from samples import make_receipt

from kkt_drivers import DeviceError
from kkt_drivers.ffd import decode_document, missing_mandatory, missing_mandatory_in_items
from kkt_drivers.ffd.qr import qr_from_document
from kkt_drivers.kkt import Kkt
from kkt_drivers.types import (
    Buyer,
    CorrectionReceipt,
    CorrectionType,
    FnPhase,
    Payment,
    PaymentType,
    ReceiptType,
    Registration,
    TaxationSystem,
    VatRate,
)
from kkt_drivers.validation import InvalidReceipt

pytestmark = [pytest.mark.irreversible, pytest.mark.requires("register", "open_shift", "receipt", "close_shift")]

VAT_RATES_105 = (VatRate.VAT_20, VatRate.VAT_10, VatRate.VAT_20_120, VatRate.VAT_10_110, VatRate.VAT_0,
                 VatRate.NO_VAT)


def _check_document(kkt: Kkt, number: int, doc_type: int) -> dict[int, object]:
    doc = kkt.document(number)
    assert doc.number == number and doc.document_type == doc_type
    decoded = decode_document(doc.tlv)
    assert not missing_mandatory(decoded), f"document {number} lacks {missing_mandatory(decoded)}"
    return {f.info.tag: f.value for f in decoded.fields}


@pytest.mark.requires("correction", "x_report", "close_fn", "document_tlv")
def test_register_sell_every_way_correct_report_and_close(kkt: Kkt, registration: Registration) -> None:
    reg = kkt.register(registration)
    assert reg.number == 1 and reg.fiscal_sign > 0
    fn = kkt.fn_status()
    assert fn.phase is FnPhase.FISCAL and fn.last_document_number == 1
    _check_document(kkt, 1, 1)

    opened = kkt.open_shift()
    assert opened.number == 2
    shift = kkt.shift_state()
    assert shift.open and shift.number == 1 and shift.next_receipt_number == 1 and not shift.expired
    kkt.cash_in(100_000)  # refunds and expenses pay cash out of the drawer

    numbers = []
    for kind, operation in ((ReceiptType.SELL, kkt.sell), (ReceiptType.SELL_RETURN, kkt.refund),
                            (ReceiptType.BUY, kkt.buy), (ReceiptType.BUY_RETURN, kkt.buy_refund)):
        result = operation(make_receipt(buyer=Buyer(email="buyer@example.com")))
        numbers.append(result.document.number)
        fields = _check_document(kkt, result.document.number, 3)
        assert fields[1054] == int(kind)
        assert fields[1008] == "buyer@example.com"
        assert fields[1020] == make_receipt().total
    assert numbers == [3, 4, 5, 6]

    for vat in VAT_RATES_105:
        result = kkt.sell(make_receipt(vat, buyer=Buyer(phone="8 (912) 345-67-89")))
        doc = decode_document(kkt.document(result.document.number).tlv)
        items = [f.value for f in doc.fields if f.info.tag == 1059]
        assert items and all(dict((c.tag, c.value) for c in item)[1199] == int(vat) for item in items)  # type: ignore[union-attr]
        assert doc.get(1008) == "+79123456789"

    change = kkt.sell(make_receipt(cash=make_receipt().total + 5000))
    assert change.change == 5000

    before = kkt.fn_status().last_document_number
    correction = kkt.correction(CorrectionReceipt(
        type=ReceiptType.SELL, correction_type=CorrectionType.SELF, basis_date=date(2026, 1, 15),
        basis_number="1", description="Неучтённая выручка",
        payments=(Payment(PaymentType.CASH, 12345),), vat_amounts=((VatRate.VAT_20, 2058),),
        taxation=TaxationSystem.OSN))
    assert correction.document.number == before + 1
    fields = _check_document(kkt, correction.document.number, 31)
    assert fields[1173] == 0 and fields[1031] == 12345

    kkt.x_report()
    closed = kkt.close_shift()
    fields = _check_document(kkt, closed.number, 5)
    assert fields[1038] == 1
    assert not kkt.shift_state().open

    rereg = kkt.reregister(registration, reasons=3)
    _check_document(kkt, rereg.number, 11)

    close = kkt.close_fn()
    _check_document(kkt, close.number, 6)
    assert kkt.fn_status().phase in (FnPhase.POST_FISCAL, FnPhase.ARCHIVE)

    # every document the register made decodes back and carries the mandatory tags of its FFD version
    for number in range(1, close.number + 1):
        doc = kkt.document(number)
        decoded = decode_document(doc.tlv)
        assert decoded.get(1040) == number and decoded.get(1077) is not None
        assert not missing_mandatory(decoded), f"document {number} lacks {missing_mandatory(decoded)}"
        assert not any(missing_mandatory_in_items(decoded)), f"an item of document {number} lacks a tag"


def test_receipt_qr_string_matches_the_document(kkt: Kkt, registration: Registration) -> None:
    kkt.register(registration)
    kkt.open_shift()
    result = kkt.sell(make_receipt())
    doc = decode_document(kkt.document(result.document.number).tlv)
    qr = qr_from_document(doc)
    assert qr.fn_number == kkt.fn_status().fn_number
    assert qr.fiscal_sign == result.document.fiscal_sign
    assert qr.fd_number == result.document.number
    assert qr.total == make_receipt().total and int(qr.operation_type) == 1
    kkt.close_shift()


def test_refusals_are_device_errors_and_leave_no_receipt_open(kkt: Kkt, registration: Registration) -> None:
    kkt.register(registration)
    before = kkt.fn_status().last_document_number
    with pytest.raises(DeviceError) as caught:  # a receipt needs an open shift
        kkt.sell(make_receipt())
    assert caught.value.family == kkt.family and caught.value.message and caught.value.message_ru
    assert not kkt.status().receipt_open and kkt.fn_status().last_document_number == before
    kkt.open_shift()
    with pytest.raises(DeviceError):  # the shift is already open
        kkt.open_shift()
    assert kkt.sell(make_receipt()).document.number == before + 2
    kkt.close_shift()


@pytest.mark.family("atol")
def test_error_paths_give_documented_codes(kkt: Kkt, registration: Registration) -> None:
    kkt.register(registration)
    with pytest.raises(DeviceError) as caught:  # a receipt needs an open shift
        kkt.sell(make_receipt())
    assert caught.value.code in (0xD4, 0x9A)
    kkt.open_shift()
    with pytest.raises(DeviceError) as caught:  # the shift is already open
        kkt.open_shift()
    assert caught.value.code == 0x9C
    from kkt_drivers.drivers.atol import AtolMode

    driver = kkt.driver
    driver.to_select_mode()
    with pytest.raises(DeviceError) as caught:  # wrong password
        driver.enter_mode(AtolMode.REGISTRATION, 4321)
    assert caught.value.code == 0x8C
    driver.enter_mode(AtolMode.REGISTRATION, 1)
    driver.open_receipt(1)
    with pytest.raises(DeviceError) as caught:  # receipt already open
        driver.open_receipt(1)
    assert caught.value.code == 0x9B
    driver.cancel_receipt()
    driver.to_select_mode()
    kkt.close_shift()


def test_invalid_receipts_are_refused_before_any_byte(kkt: Kkt) -> None:
    sent: list[bytes] = []
    kkt.driver.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
    bad = [
        make_receipt().__class__(items=(), payments=(Payment(PaymentType.CASH, 100),)),
        make_receipt(cash=100),  # payments do not cover the total
        make_receipt(buyer=Buyer(email="not-an-address")),
    ]
    for receipt in bad:
        with pytest.raises(InvalidReceipt):
            kkt.sell(receipt)
    assert sent == []


def test_discounts_on_a_position_and_on_the_whole_receipt(kkt: Kkt, registration: Registration) -> None:
    from decimal import Decimal

    from kkt_drivers.types import Item, Receipt

    kkt.register(registration)
    kkt.open_shift()
    items = (Item("Сыр", 50000, Decimal("0.5"), VatRate.VAT_10, discount=1000),  # 250.00 - 10.00
             Item("Вино", 99900, Decimal(1), VatRate.VAT_20),
             Item("Пакет", 500, Decimal(1), VatRate.VAT_20))
    receipt = Receipt(items=items, payments=(Payment(PaymentType.CASH, 130000),), taxation=TaxationSystem.OSN,
                      discount=3000)
    assert receipt.total == 24000 + 99900 + 500 - 3000
    result = kkt.sell(receipt)
    assert result.change == 130000 - receipt.total == 8600
    doc = decode_document(kkt.document(result.document.number).tlv)
    amounts = [dict((c.tag, c.value) for c in f.value)[1043] for f in doc.fields if f.info.tag == 1059]  # type: ignore[union-attr]
    assert sum(amounts) == doc.get(1020) == receipt.total
    assert amounts[0] < 24000 and amounts[1] < 99900  # the receipt discount is spread over the positions
    kkt.close_shift()


@pytest.mark.family("atol")
def test_long_requisites_travel_in_several_e8_blocks(kkt: Kkt, registration: Registration) -> None:
    """A 256-character address (1009's FFD maximum) does not fit one E8 block: it is sent in several."""
    from dataclasses import replace

    from kkt_drivers.drivers.atol import E8_BLOCK

    address = ("г. Москва, ул. Тверская, д. 1, стр. 2, " * 8)[:256]
    assert len(address.encode("cp866")) + 4 > E8_BLOCK
    too_big = replace(registration, address=address, user_name=('ООО "Ромашка и партнёры" ' * 11)[:256])
    with pytest.raises(DeviceError) as caught:  # FFD 1.05 caps the registration report at 658 bytes
        kkt.register(too_big)
    assert caught.value.code == 0xE8 and kkt.fn_status().last_document_number == 0
    sent: list[bytes] = []
    kkt.driver.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
    kkt.register(replace(registration, address=address))
    assert decode_document(kkt.document(1).tlv).get(1009) == address
    assert any(b"\xe8\x01\x02\x01" in frame for frame in sent)  # block 1 of 2 went out
    kkt.open_shift()
    result = kkt.sell(make_receipt())
    assert decode_document(kkt.document(result.document.number).tlv).get(1009) == address
