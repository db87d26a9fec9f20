"""A register whose ФН works in FFD 1.2, driven through ATOL: documents carry the 1.2 requisites."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from samples import make_receipt

from kkt_drivers.ffd import decode_document, missing_mandatory, missing_mandatory_in_items
from kkt_drivers.kkt import Kkt
from kkt_drivers.types import (
    Buyer,
    CorrectionReceipt,
    CorrectionType,
    Payment,
    PaymentType,
    ReceiptType,
    Registration,
    TaxationSystem,
)
from kkt_drivers.validation import InvalidReceipt


@pytest.mark.parametrize("url", ["emu://atol?transport=v3&ffd=1.2", "emu+tcp://atol?transport=v2&ffd=1.2"])
def test_a_fiscal_day_in_ffd_1_2(url: str) -> None:
    registration = Registration(user_name='ООО "Ромашка"', inn="7701234560", rnm="0000000001035539",
                                address="г. Москва, ул. Тверская, 1", place="Магазин №1",
                                taxation=TaxationSystem.OSN, ofd_inn="7704358518", ofd_name='ООО "Ярус"', ffd="1.2")
    with Kkt.open(url) as kkt:
        kkt.register(registration)
        kkt.open_shift()
        kkt.cash_in(100_000)
        for operation in (kkt.sell, kkt.refund, kkt.buy, kkt.buy_refund):
            operation(make_receipt(buyer=Buyer(phone="+79123456789")))
        kkt.close_shift()
        last = kkt.fn_status().last_document_number
        assert last == 7
        kinds = []
        for number in range(1, last + 1):
            doc = decode_document(kkt.document(number).tlv)
            assert doc.get(1209) == 4  # FFD 1.2
            assert not missing_mandatory(doc), (number, missing_mandatory(doc))
            assert not any(missing_mandatory_in_items(doc)), (number, missing_mandatory_in_items(doc))
            kinds.append(doc.get(1054))
        assert kinds[2:6] == [int(k) for k in ReceiptType]


def test_the_ffd_of_the_registration_must_match_the_fn() -> None:
    from kkt_drivers import DeviceError

    with Kkt.open("emu://atol?ffd=1.05") as kkt, pytest.raises(DeviceError):
        kkt.register(Registration(user_name="ИП Иванов", inn="7701234560", rnm="0000000001035539", address="Москва",
                                  place="Киоск", taxation=TaxationSystem.OSN, ffd="1.2"))


def _registration_1_2() -> Registration:
    return Registration(user_name='ООО "Ромашка"', inn="7701234560", rnm="0000000001035539",
                        address="г. Москва, ул. Тверская, 1", place="Магазин №1", taxation=TaxationSystem.OSN,
                        ofd_inn="7704358518", ofd_name='ООО "Ярус"', ffd="1.2")


def _correction(**changes: object) -> CorrectionReceipt:
    receipt = make_receipt()
    base: dict[str, object] = {
        "type": ReceiptType.SELL, "correction_type": CorrectionType.BY_ORDER, "basis_date": date(2026, 3, 2),
        "basis_number": "ПР-17", "description": "не пробит чек", "items": receipt.items,
        "payments": (Payment(PaymentType.CASH, receipt.total + 1000),), "taxation": TaxationSystem.OSN,
        "buyer": Buyer(email="buyer@example.com"),
    }
    base.update(changes)
    return CorrectionReceipt(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["emu://atol?transport=v3&ffd=1.2", "emu+tcp://atol?transport=v2&ffd=1.2"])
def test_an_ffd_1_2_correction_carries_its_positions(url: str) -> None:
    correction = _correction()
    with Kkt.open(url) as kkt:
        kkt.register(_registration_1_2())
        kkt.open_shift()
        result = kkt.correction(correction)
        assert result.change == 1000  # paid in cash above the positions' total
        doc = decode_document(kkt.document(result.document.number).tlv)
    assert int(doc.document_type) == 31 and doc.get(1054) == 1 and doc.get(1173) == 1
    assert not missing_mandatory(doc) and not any(missing_mandatory_in_items(doc))
    items = [dict((c.tag, c.value) for c in field.value) for field in doc.fields  # type: ignore[union-attr]
             if field.info.tag == 1059]
    assert [(i[1030], i[1079], i[1043]) for i in items] == [(x.name, x.price, x.amount) for x in correction.items]
    assert doc.get(1020) == correction.total and doc.get(1031) == correction.total
    basis = dict((c.tag, c.value) for c in doc.get(1174))  # type: ignore[union-attr]
    assert basis[1179] == "ПР-17" and 1177 not in basis  # 1177 does not exist in FFD 1.2
    assert doc.get(1008) == "buyer@example.com"


def test_the_form_of_a_correction_follows_the_registered_ffd() -> None:
    """Amounts-only in FFD 1.2 and positions in FFD 1.05 are refused before a byte goes out."""
    with Kkt.open("emu://atol?ffd=1.2") as kkt:
        kkt.register(_registration_1_2())
        kkt.open_shift()
        fresh = Kkt(kkt.driver)  # a second facade learns the FFD version from the ФН's first document
        sent: list[bytes] = []
        kkt.driver.session.hooks.append(lambda direction, data: sent.append(data) if direction == "tx" else None)
        assert fresh.fn_ffd() == "1.2"
        sent.clear()
        with pytest.raises(InvalidReceipt) as caught:
            fresh.correction(_correction(items=()))
        assert caught.value.field == "items" and sent == []
    with Kkt.open("emu://atol?ffd=1.05") as kkt:
        kkt.register(replace(_registration_1_2(), ffd="1.05"))
        with pytest.raises(InvalidReceipt, match=r"FFD 1\.05 correction"):
            kkt.correction(_correction())


def test_the_device_refuses_a_correction_of_the_wrong_form_and_keeps_nothing() -> None:
    """With validation bypassed (the facade does not know the FFD), the register itself refuses."""
    from kkt_drivers import DeviceError

    with Kkt.open("emu://atol?ffd=1.05") as kkt:
        kkt.register(replace(_registration_1_2(), ffd="1.05"))
        kkt.open_shift()
        kkt.ffd = "unknown"  # neither version: the facade sends what it is given
        before = kkt.fn_status().last_document_number
        with pytest.raises(DeviceError):
            kkt.correction(_correction())  # positions in a 1.05 correction
        assert kkt.fn_status().last_document_number == before and not kkt.status().receipt_open
    with Kkt.open("emu://atol?ffd=1.2") as kkt:
        kkt.register(_registration_1_2())
        kkt.open_shift()
        kkt.ffd = "unknown"
        before = kkt.fn_status().last_document_number
        with pytest.raises(DeviceError):
            kkt.correction(_correction(items=()))  # 1059 is mandatory in a 1.2 correction
        assert kkt.fn_status().last_document_number == before and not kkt.status().receipt_open
