"""A correction's form (FFD 1.05 amounts, FFD 1.2 positions) is checked against the registration before a byte
of the correction is sent — also by a `Kkt` opened afresh, which learns the FFD version from the ФН."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from samples import REGISTRATION

from kkt_drivers import InvalidReceipt, Kkt
from kkt_drivers.ffd import decode_document, to_fns_json
from kkt_drivers.types import (
    CorrectionReceipt,
    CorrectionType,
    Item,
    Payment,
    PaymentType,
    ReceiptType,
    TaxationSystem,
    VatRate,
)

DEVICES = ["emu://atol?transport=v2", "emu://atol?transport=v3", "emu://shtrih", "emu://mercury",
           "emu://mercury?protocol=json"]

WITH_ITEMS = CorrectionReceipt(ReceiptType.SELL, CorrectionType.SELF, date(2026, 3, 2), "1", "",
                               (Payment(PaymentType.CASH, 500),), taxation=TaxationSystem.OSN,
                               items=(Item("Пакет", 500, Decimal(1), VatRate.VAT_22),))
AMOUNTS_22 = CorrectionReceipt(ReceiptType.SELL, CorrectionType.SELF, date(2026, 3, 2), "1", "сбой",
                               (Payment(PaymentType.CASH, 12345),), ((VatRate.VAT_22, 2226),),
                               taxation=TaxationSystem.OSN)


@pytest.mark.parametrize("device", DEVICES)
def test_positions_in_an_ffd_105_correction_are_refused_before_anything_is_sent(device: str, tmp_path: Path) -> None:
    url = f"{device}{'&' if '?' in device else '?'}state={tmp_path}"
    with Kkt.open(url) as kkt:
        kkt.register(REGISTRATION)  # FFD 1.05
        kkt.open_shift()
    with Kkt.open(url) as kkt:  # knows nothing of the registration yet
        last = kkt.last_document().number
        with pytest.raises(InvalidReceipt, match=r"FFD 1\.05 correction carries amounts only") as refused:
            kkt.correction(WITH_ITEMS)
        assert refused.value.field == "items"
        assert kkt.last_document().number == last and not kkt.status().receipt_open


@pytest.mark.parametrize("device", [d for d in DEVICES if "json" not in d])
def test_an_ffd_105_correction_at_22_percent_carries_its_vat_sum(device: str, tmp_path: Path) -> None:
    url = f"{device}{'&' if '?' in device else '?'}state={tmp_path}"
    with Kkt.open(url) as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        result = kkt.correction(AMOUNTS_22)
        fns = to_fns_json(decode_document(kkt.document(result.document.number).tlv))["receiptCorrection"]
    assert fns["totalSum"] == 12345 and fns["amountsReceiptNds"] == {"amountsNds": [{"nds": 11, "ndsSum": 2226}]}


def test_a_protocol_without_a_field_for_1115_refuses_the_22_percent_correction_before_opening(tmp_path: Path) -> None:
    """The driver service's JSON has no field for 1115: the correction is refused before any command that could
    open it, and the ФН and the register are as they were."""
    url = f"emu://mercury?protocol=json&state={tmp_path}"
    with Kkt.open(url) as kkt:
        kkt.register(REGISTRATION)
        kkt.open_shift()
        last = kkt.last_document().number
        written: list[bytes] = []
        kkt.device.session.hooks.append(lambda direction, data: written.append(data) if direction == "tx" else None)
        with pytest.raises(InvalidReceipt, match="1115") as refused:
            kkt.correction(AMOUNTS_22)
        assert refused.value.field == "requisites" and "1115" in refused.value.message_ru
        assert not any(b"OpenCheck" in data for data in written)
        assert kkt.last_document().number == last and not kkt.status().receipt_open
