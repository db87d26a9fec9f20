"""A register whose ФН works in FFD 1.2, driven through ATOL: documents carry the 1.2 requisites."""

from __future__ import annotations

import pytest
from fiscal_samples import make_receipt

from kkt_drivers.ffd import decode_document, missing_mandatory, missing_mandatory_in_items
from kkt_drivers.kkt import Kkt
from kkt_drivers.types import Buyer, ReceiptType, Registration, TaxationSystem


@pytest.mark.parametrize("url", ["emu://atol?transport=v3&ffd=1.2", "emu+tcp://atol?transport=v2&ffd=1.2"])
def test_a_fiscal_day_in_ffd_1_2(url: str) -> None:
    registration = Registration(user_name='ООО "Ромашка"', inn="7701234567", rnm="0000000001033619",
                                address="г. Москва, ул. Тверская, 1", place="Магазин №1",
                                taxation=TaxationSystem.OSN, ofd_inn="7704358518", ofd_name='ООО "Ярус"', ffd="1.2")
    with Kkt.open(url) as kkt:
        kkt.register(registration)
        kkt.open_shift()
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
        kkt.register(Registration(user_name="ИП Иванов", inn="7701234567", rnm="0000000001033619", address="Москва",
                                  place="Киоск", taxation=TaxationSystem.OSN, ffd="1.2"))
